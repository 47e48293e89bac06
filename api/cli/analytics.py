"""The analytics subcommands of ``wangge``: heat rebuild, report, noticeboard, and ``roads
import``, the old spelling of ``wangge import roads`` kept as an alias.

Registered in api/cli/main.py. Bad input prints ``source: reason`` and exits 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.commands import add_import_arguments, fail, run_import, write_out
from api.errors import ApiError
from grid.errors import GridError


def run_heat(args: argparse.Namespace) -> int:
    """Recompute the heat pre-aggregate from all records, in one transaction."""
    from api.analytics.heatagg import rebuild
    from api.store import open_store

    store = open_store()
    with store.engine.begin() as conn:
        n = rebuild(conn)
    print(f"heat_counts rebuilt from {n} records")
    return 0


def run_report(args: argparse.Namespace) -> int:
    """Write the offline HTML report of a community for a month."""
    from api.analytics.filters import month
    from api.analytics.report import build
    from api.store import open_store

    try:
        html = build(open_store(), args.community, month(args.period, ("period",)))
    except (GridError, ApiError) as e:
        return fail(args.community, e)
    return write_out(args.out or Path(f"report-{args.community}-{args.period}.html"), html)


def run_noticeboard(args: argparse.Namespace) -> int:
    """Write printable notice boards for a cell or for every cell of a community."""
    from api.analytics.noticeboard import build
    from api.store import open_store

    if bool(args.cell) == bool(args.community):
        return fail("noticeboard", ValueError("give exactly one of --cell and --community"))
    try:
        html = build(open_store(), cell=args.cell, community=args.community)
    except (GridError, ApiError) as e:
        return fail(args.cell or args.community, e)
    return write_out(args.out or Path(f"noticeboard-{args.cell or args.community}.html"), html)


ROADS_HELP = "replace the road table (walking-distance coverage) with the lines of FILE"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register heat, report, noticeboard and the ``roads import`` alias on the ``wangge``
    parser."""
    p = sub.add_parser("heat", help="heat-layer maintenance")
    p.add_argument("action", choices=["rebuild"])
    p.set_defaults(func=run_heat)

    alias = "alias of `wangge import roads FILE` (old spelling, kept)"
    p = sub.add_parser("roads", help=alias, description=f"{alias}: {ROADS_HELP}")
    p.add_argument("action", choices=["import"])
    add_import_arguments(p)
    p.set_defaults(func=run_import, layer_kind="roads")

    p = sub.add_parser("report", help="offline HTML report of a community for a month")
    p.add_argument("--community", required=True)
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=run_report)

    p = sub.add_parser("noticeboard", help="printable notice boards (网格公示牌)")
    p.add_argument("--cell")
    p.add_argument("--community", help="every current cell of this community")
    p.add_argument("--out", type=Path, help="default noticeboard-CODE.html, as report does")
    p.set_defaults(func=run_noticeboard)
