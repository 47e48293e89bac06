"""``wangge apikeys add USER [--name N] | list | revoke ID``: long-lived keys of service accounts
for the OGC API (``api.accounts.apikeys``); the key is printed once, when added."""

from __future__ import annotations

import argparse

from api.errors import ApiError


def run_apikeys(args: argparse.Namespace) -> int:
    """Add, list or revoke API keys."""
    from api.accounts.apikeys import issue_key, list_keys, revoke_key
    from api.cli.commands import fail
    from api.db import session_scope
    from api.store import open_store

    store = open_store()
    try:
        with session_scope(store.sessions) as s:
            if args.action == "add":
                if not args.target:
                    raise ApiError("give the service account's username", ("username",))
                row, key = issue_key(s, args.target, args.name or "")
                print(f"key {row.id} for {args.target}: {key}")
                print("keep it now: only its hash is stored")
            elif args.action == "revoke":
                if not (args.target or "").isdigit():
                    raise ApiError("give the key's id (see `wangge apikeys list`)", ("id",))
                revoke_key(s, int(args.target))
                print(f"revoked key {args.target}")
            else:
                for key_id, user, name, created, revoked in list_keys(s):
                    state = f"revoked {revoked}" if revoked else "active"
                    print(f"{key_id}\t{user}\t{name}\t{created}\t{state}")
    except ApiError as e:
        return fail(f"apikeys {args.action}", e)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``apikeys`` on the ``wangge`` parser."""
    p = sub.add_parser("apikeys", help="service-account keys for the OGC API")
    p.add_argument("action", choices=["add", "list", "revoke"])
    p.add_argument("target", nargs="?", help="add: the username; revoke: the key's id")
    p.add_argument("--name", help="add: what the key is for (e.g. the platform's name)")
    p.set_defaults(func=run_apikeys)
