"""The register's commands: ``wangge keys rotate`` (a new personal-data key, every field
re-encrypted) and the register's imports (``api.register.imports``)."""

from __future__ import annotations

import argparse
import json
import sys

from api.register.crypto import cipher_for, load_key
from api.register.keys import rotate
from grid.errors import GridError

EXIT_BAD_INPUT = 2


def _mapping(text: str | None) -> dict[str, str] | None:
    """The ``--mapping`` JSON object ({their header: our column}); ValueError when malformed."""
    if not text:
        return None
    value = json.loads(text)
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError('--mapping must be a JSON object of texts: {"their header": "column"}')
    return value


def run_register_import(args: argparse.Namespace) -> int:
    """``wangge import register|organisations FILE [--check] [--mapping JSON]``: check the file
    against the stored buildings (and residents, credit codes), report by row, and load it all or
    nothing."""
    from api.register import imports, orgimport
    from api.register.counts import refresh_households
    from api.store import open_store
    from grid.register.organisations import OrganisationCheck

    try:
        mapping = _mapping(args.mapping)
    except ValueError as e:
        print(f"{args.file}: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = open_store()
    cipher = cipher_for(store.settings)
    with store.sessions() as session:
        check: imports.RegisterCheck | OrganisationCheck
        try:
            if args.layer_kind == "organisations":
                buildings = imports.stored_buildings(session)
                check = orgimport.check_file(session, args.file, buildings, mapping)
            else:
                check, buildings = imports.check_file(session, cipher, args.file, mapping)
        except GridError as e:
            print(f"{args.file}: {e.message.removeprefix(f'{args.file}: ')}", file=sys.stderr)
            return EXIT_BAD_INPUT
        lines = imports.report(check)
        if check.problems:
            print(
                f"{args.file}: {len(check.problems)} problems, nothing imported:", file=sys.stderr
            )
            print("\n".join(lines), file=sys.stderr)
            return EXIT_BAD_INPUT
        if args.check:
            print(f"{args.file}: check passed (nothing imported): {lines[0]}")
            return 0
        if isinstance(check, OrganisationCheck):
            n = orgimport.load(session, cipher, check, buildings)
            session.commit()
            print(f"{args.file}: imported {n} organisations")
            return 0
        loaded = imports.load(session, cipher, check, buildings)
        refresh_households(session)
        session.commit()
    print(
        f"{args.file}: imported {loaded.households} households, {loaded.persons} persons "
        f"in {loaded.rooms} rooms"
    )
    return 0


def run_keys(args: argparse.Namespace) -> int:
    """``wangge keys rotate``: exit 0 on success, 2 when the key comes from the environment."""
    from api.store import open_store

    store = open_store()
    settings = store.settings
    if settings.data_key:
        print(
            "keys rotate: the data key comes from WANGGE_DATA_KEY; unset it to rotate the key "
            f"file {settings.data_key_file}, or rotate in your secret store",
            file=sys.stderr,
        )
        return 2
    with store.sessions() as session:
        n = rotate(session, settings.data_key_file, load_key(settings))
    print(f"re-encrypted {n} rows under a new data key in {settings.data_key_file}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``wangge keys rotate`` on the ``wangge`` parser."""
    p = sub.add_parser("keys", help="manage the personal-data key")
    p.add_argument("action", choices=["rotate"])
    p.set_defaults(func=run_keys)
