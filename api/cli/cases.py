"""``wangge open311``: the client systems allowed to POST Open311 requests (one api_key each)."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from api.errors import ApiError


def run_open311(args: argparse.Namespace) -> int:
    """Add a client (printing its new api_key once), disable one, or list them."""
    from api.models import Open311Client
    from api.open311.service import add_client
    from api.store import open_store

    store = open_store()
    with store.sessions() as s:
        if args.action == "add-client":
            try:
                key = add_client(s, args.name or "")
            except ApiError as e:
                print(f"open311: {e.msg}", file=sys.stderr)
                return 2
            print(key)
            return 0
        if args.action == "disable-client":
            client = s.scalar(select(Open311Client).where(Open311Client.name == args.name))
            if client is None:
                print(f"open311: no client '{args.name}'", file=sys.stderr)
                return 2
            client.active = False
            s.commit()
            return 0
        for c in s.scalars(select(Open311Client).order_by(Open311Client.name)):
            print(f"{c.name}\t{'active' if c.active else 'disabled'}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``wangge open311 add-client|disable-client|list-clients [NAME]``."""
    p = sub.add_parser("open311", help="Open311 client systems and their api_keys")
    p.add_argument("action", choices=["add-client", "disable-client", "list-clients"])
    p.add_argument("name", nargs="?", help="the client system, e.g. 12345-hotline")
    p.set_defaults(func=run_open311)
