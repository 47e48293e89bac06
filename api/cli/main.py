"""The ``wangge`` command: one argparse program whose subcommands come from a small registry.

Each module listed in ``COMMAND_MODULES`` contributes ``add_parser(subparsers)``, which adds its
subcommand and sets ``func`` (parsed args → exit status) as a default. To add ``serve``,
``import``, ``export`` or ``report``, write the module and list it here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from api.settings import SettingsError

COMMAND_MODULES: tuple[str, ...] = (
    "grid.cli",
    "api.cli.reassign",
    "api.cli.commands",
    "api.cli.analytics",
    "api.cli.cases",
    "api.cli.apikeys",
    "api.cli.register",
)


def build_parser() -> argparse.ArgumentParser:
    """The ``wangge`` parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="wangge", description="Wangge 网格: grid-management GIS for community safety"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wangge`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as e:
        print(f"wangge: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
