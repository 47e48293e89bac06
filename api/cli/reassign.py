"""``wangge reassign``: records in files (``grid.scale.commands``, also ``python -m grid
reassign``) or, with ``--database``, the stored records after a redraw
(``api.records.reassign.reassign_stored``: bounded batches, resumable, heat kept equal to a
rebuild). Registered in api/cli/main.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grid.scale.commands import add_parser as add_file_parser
from grid.scale.commands import run_reassign as run_files

EXIT_BAD_INPUT = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``reassign`` with the file options and the ``--database`` variant."""
    p = add_file_parser(sub, files_required=False)
    p.add_argument("--database", action="store_true",
                   help="re-assign the records stored in DATABASE_URL's database to the cells "
                   "in force at their times (after a redraw); counts and heat follow")
    p.add_argument("--batch", type=int, default=5_000, help="records per transaction (5000)")
    p.add_argument("--state", type=Path, default=Path(".wangge-reassign.state"),
                   help="where the last record done is kept, to resume an interrupted run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the file or the database re-assignment; the exit status."""
    if not args.database:
        return run_files(args)
    if args.records or args.cells or args.out or args.cluster:
        print("reassign: --database takes no --records, --cells, --out or --cluster",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if not 1 <= args.batch <= 1_000_000:
        print("reassign: --batch must be 1..1000000", file=sys.stderr)
        return EXIT_BAD_INPUT
    from api.records.reassign import reassign_stored
    from api.store import open_store

    resumed = args.state.exists()
    tally = reassign_stored(open_store(), batch=args.batch, state=args.state)
    print(f"{'resumed: ' if resumed else ''}{tally.scanned} records in {tally.batches} batches, "
          f"{tally.moved} moved, {tally.outside} in no cell at their time (left as they were)")
    return 0
