"""The ``reassign`` command: records (Parquet) → the cells in force at their times and H3.

``add_parser(subparsers)`` registers it on ``python -m grid`` and on ``wangge`` (listed in
``api/cli/main.py``). Bad input prints ``file: reason`` and exits with status 2, writing nothing.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

import geopandas as gpd

from grid.errors import GridError, InputError
from grid.input.io import read_layer
from grid.scale.reassign import DEFAULT_H3_RES, reassign

EXIT_BAD_INPUT = 2


def add_parser(
    subparsers: argparse._SubParsersAction, *, files_required: bool = True
) -> argparse.ArgumentParser:
    """Register ``reassign`` with its options on ``subparsers`` (``wangge`` makes the files
    optional, for its ``--database`` variant)."""
    p = subparsers.add_parser(
        "reassign",
        help="assign records (points with times) to the cells in force at their times and H3",
        description="Read records from Parquet/GeoParquet (lon/lat or x/y columns, or point "
        "geometry, and a time column), add cell_code (the cell in force at the record's time) "
        "and h3, and write Parquet parts to --out.",
    )
    p.add_argument("--records", required=files_required, type=Path,
                   help="records: Parquet file or folder")
    p.add_argument("--cells", required=files_required, type=Path,
                   help="cell versions: GPKG/GeoJSON/GeoParquet, or a partition --out folder; "
                   "valid_from/valid_to columns when cells were redrawn")
    p.add_argument("--out", required=files_required, type=Path,
                   help="output folder NAME.parquet")
    p.add_argument("--time-field", default="occurred_at", help="records' time column")
    p.add_argument("--h3-res", type=int, default=DEFAULT_H3_RES, help="H3 resolution (11)")
    p.add_argument("--cluster", help="local:N or tcp://host:8786 (default: this process)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run_reassign)
    return p


def read_cells(path: Path) -> gpd.GeoDataFrame:
    """Cell versions from a layer file, or the cells of a partition output folder."""
    if path.is_dir() and (path / "cells").is_dir():
        from grid.scale.output import read_streets

        return read_streets(path, "cells")
    return read_layer(path, layer="cells" if path.suffix.lower() == ".gpkg" else None)


def run_reassign(args: argparse.Namespace) -> int:
    """Run ``reassign`` for parsed ``args``; the exit status."""
    try:
        if args.records is None or args.cells is None or args.out is None:
            raise InputError("give --records, --cells and --out", source="reassign")
        if args.out.suffix.lower() != ".parquet":
            raise InputError("--out must be a folder ending in .parquet", source=str(args.out))
        if not args.out.resolve().parent.is_dir():
            raise InputError("its folder does not exist", source=str(args.out))
        if args.out.exists() and (not args.out.is_dir() or any(
                not f.name.startswith(("part.", "_")) for f in args.out.iterdir())):
            raise InputError("exists and is not the output of an earlier reassign run "
                             "(it would be replaced)", source=str(args.out))
        if args.out.resolve() == args.records.resolve():
            raise InputError("--out is the records folder", source=str(args.out))
        cells = read_cells(args.cells)
        show = not args.no_progress and sys.stderr.isatty()
        with _client(args.cluster) as client:
            n = reassign(args.records, cells, args.out, client=client,
                         time_field=args.time_field, res=args.h3_res, progress=show)
    except GridError as err:
        print(err.message, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{n} records re-assigned to {len(cells)} cell versions → {args.out}")
    return 0


def _client(cluster: str | None):
    """The cluster's client when ``--cluster`` is given, else nothing (run here)."""
    if not cluster:
        return nullcontext(None)
    from grid.scale.cluster import connect

    return connect(cluster)
