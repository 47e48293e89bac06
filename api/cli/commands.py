"""The server's ``wangge`` subcommands: serve, db, import, export, users, leaders.

Registered in api/cli/main.py. Bad input prints ``file: row N: reason`` and exits 2 with nothing
written (each command is one transaction). The grammar: ``wangge import|export LAYER ...`` for
files, ``wangge NOUN ACTION ...`` for maintenance (``db upgrade``, ``users add``, ``leaders
assign``, ``heat rebuild``); old spellings stay as aliases that say so in ``--help``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path

from api.errors import ApiError
from grid.domain.caseflow import Role
from grid.errors import GridError

EXPORT_FORMATS = ["geojson", "gpkg", "csv", "parquet", "shp"]  # api.io.exports.Format

EXIT_BAD_INPUT = 2
IMPORT_LAYERS = ("communities", "cells", "buildings", "places", "roads")
REGISTER_FILES = ("register", "organisations")  # api.cli.register imports these


def _fields(pairs: list[str]) -> dict[str, str]:
    """``ours=theirs`` field mappings as a dict."""
    out = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep:
            raise SystemExit(f"--field expects ours=theirs, got '{pair}'")
        out[ours] = theirs
    return out


def fail(source: str, exc: Exception) -> int:
    """Print a bad-input error naming the source (once) and return the exit status."""
    msg = exc.message if isinstance(exc, GridError) else getattr(exc, "msg", str(exc))
    msg = msg.removeprefix(f"{source}: ")  # grid's errors name their file themselves
    if isinstance(exc, ApiError) and exc.loc and exc.loc[0] == "row":
        msg = f"row {exc.loc[1]}: {msg}"
    print(f"{source}: {msg}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_serve(args: argparse.Namespace) -> int:
    """Migrate, load the demo on an empty database when asked, then serve the API and web app."""
    import uvicorn

    from api.io.demo import is_empty, load_demo
    from api.settings import get_settings
    from api.store import make_store

    if args.demo:
        os.environ["WANGGE_DEMO"] = "1"
    settings = get_settings()
    store = make_store(settings)
    if settings.demo and is_empty(store):
        print("loading the demo district (Heping, 120101)...", file=sys.stderr)
        print(load_demo(store), file=sys.stderr)
        from api.register.demo import seed_register

        print("loading the demo's fictitious register...", file=sys.stderr)
        print(seed_register(store), file=sys.stderr)
        from api.visits.demo import seed_visits

        print("seeding the demo's key-group tags and visits...", file=sys.stderr)
        print(seed_visits(store), file=sys.stderr)
    store.engine.dispose()
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


def run_db(args: argparse.Namespace) -> int:
    """Upgrade the database to the latest migration."""
    from api.migrate import upgrade
    from api.settings import get_settings

    upgrade(get_settings().database_url)
    return 0


def write_out(path: Path, data: bytes | str) -> int:
    """Write a command's output file; an unwritable path is bad input (exit 2), not a traceback."""
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as e:  # no such directory, no permission, disk full...
        print(f"{path}: cannot write: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {path}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Import communities, cells, buildings, places or roads from a file in one transaction."""
    from api.io.imports import import_layer

    if args.layer_kind in REGISTER_FILES:
        from api.cli.register import run_register_import

        return run_register_import(args)

    try:
        n = import_layer(
            args.layer_kind,
            args.file,
            fields=_fields(args.field),
            layer=args.layer,
            crs=args.crs,
            valid_from=args.valid_from,
        )
    except (GridError, ApiError) as e:
        return fail(str(args.file), e)
    print(f"{args.file}: imported {n} {args.layer_kind}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Export a layer to a file (format from --format)."""
    from api.io.imports import export_layer

    try:
        data = export_layer(
            args.layer_name,
            args.format,
            community=args.community,
            cell=args.cell,
            kind=args.kind,
            start=args.start,
            end=args.end,
        )
    except (GridError, ApiError) as e:
        return fail(args.layer_name, e)
    return write_out(Path(args.out), data)


def run_users(args: argparse.Namespace) -> int:
    """Add, disable or enable an account; a new password comes from --password,
    WANGGE_NEW_PASSWORD or a prompt."""
    from api.db import session_scope
    from api.io.loaders import add_user, update_user
    from api.store import open_store

    if args.action in ("disable", "enable"):
        store = open_store()
        try:
            with session_scope(store.sessions) as s:
                update_user(s, args.username, active=args.action == "enable")
        except ApiError as e:
            return fail(f"users {args.action}", e)
        print(f"{args.action}d {args.username}")
        return 0
    if not args.role:
        print("users add: --role is required", file=sys.stderr)
        return EXIT_BAD_INPUT
    password = args.password or os.environ.get("WANGGE_NEW_PASSWORD") or getpass.getpass()
    store = open_store()
    try:
        with session_scope(store.sessions) as s:
            add_user(
                s,
                args.username,
                password,
                args.role,
                display_name=args.display_name or "",
                phone=args.phone,
                street_code=args.street,
            )
    except ApiError as e:
        return fail("users add", e)
    print(f"added {args.role} {args.username}")
    return 0


def run_leaders(args: argparse.Namespace) -> int:
    """Make USER the leader of CELL, closing the previous assignment."""
    from api.db import session_scope
    from api.io.loaders import assign_leader
    from api.store import open_store

    store = open_store()
    try:
        with session_scope(store.sessions) as s:
            assign_leader(s, args.cell, args.user)
    except ApiError as e:
        return fail("leaders assign", e)
    print(f"{args.user} now leads {args.cell}")
    return 0


def _aware(text: str) -> datetime:
    """An ISO 8601 timestamp that must carry a timezone."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give a timezone, e.g. 2024-01-01T00:00:00+08:00")
    return value


def add_import_arguments(p: argparse.ArgumentParser) -> None:
    """The FILE and options of ``wangge import LAYER``, shared with the ``roads import`` alias."""
    p.add_argument("file", type=Path)
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="OURS=THEIRS",
        help="field mapping, e.g. --field households=HH",
    )
    p.add_argument("--layer", help="layer inside a multi-layer file")
    p.add_argument("--crs", help="CRS when the file has none (EPSG code, gcj02, bd09)")
    p.add_argument("--valid-from", type=_aware, help="cells: valid from (default now)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register serve, db, import, export, users and leaders on the ``wangge`` parser."""
    p = sub.add_parser("serve", help="run the API and web app")
    p.add_argument(
        "--demo", action="store_true", help="load the demo district on an empty database"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=run_serve)

    p = sub.add_parser("db", help="database maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=run_db)

    p = sub.add_parser(
        "import",
        help="import communities, cells, buildings, places, roads, the register or organisations",
    )
    p.add_argument("layer_kind", choices=IMPORT_LAYERS + REGISTER_FILES)
    add_import_arguments(p)
    p.add_argument("--check", action="store_true", help="register: check only, load nothing")
    p.add_argument("--mapping", help='register: JSON {"their header": "our column"}')
    p.set_defaults(func=run_import)

    p = sub.add_parser("export", help="export records, places, cells or buildings")
    p.add_argument("layer_name", choices=["records", "places", "cells", "buildings"])
    # api.io.exports.Format's values (not imported here: the CLI starts without geopandas)
    p.add_argument("--format", choices=EXPORT_FORMATS, default="geojson")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--community")
    p.add_argument("--cell")
    p.add_argument("--kind")
    p.add_argument("--from", dest="start", type=_aware)
    p.add_argument("--to", dest="end", type=_aware)
    p.set_defaults(func=run_export)

    p = sub.add_parser("users", help="manage accounts")
    p.add_argument("action", choices=["add", "disable", "enable"])
    p.add_argument("username")
    p.add_argument("--role", choices=[r.value for r in Role], help="add: the account's role")
    p.add_argument("--password")
    p.add_argument("--display-name")
    p.add_argument("--phone")
    p.add_argument("--street", help="street office code (street staff)")
    p.set_defaults(func=run_users)

    p = sub.add_parser("leaders", help="assign grid leaders")
    p.add_argument("action", choices=["assign"])
    p.add_argument("cell")
    p.add_argument("user")
    p.set_defaults(func=run_leaders)
