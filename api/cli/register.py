"""The register's commands: ``wangge keys rotate`` (a new personal-data key, every field
re-encrypted) and the register's imports (``api.register.imports``)."""

from __future__ import annotations

import argparse
import sys

from api.register.crypto import load_key
from api.register.keys import rotate


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
