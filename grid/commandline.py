"""What the partition command shares between its in-process run (``grid.cli``) and its run on a
dask cluster (``grid.scale.run``): the exit status for bad input, the output-path checks, the
building field options, how warnings are printed, how a GeoPackage is written aside and moved into
place, and its vertical cells layer."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from grid.errors import InputError
from grid.input.validate import ValidationWarning

EXIT_BAD_INPUT = 2
MAX_WARNINGS_SHOWN = 20


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse output paths of the wrong kind before any work is done."""
    if args.out.suffix.lower() not in (".gpkg", ".parquet"):
        raise InputError("--out must be a .gpkg file or a .parquet folder", source=str(args.out))
    if args.geojson is not None and args.geojson.suffix.lower() not in (".geojson", ".json"):
        raise InputError("--geojson must end in .geojson", source=str(args.geojson))
    for path in (args.out, args.geojson, args.report):
        if path is not None and not path.resolve().parent.is_dir():
            raise InputError("its folder does not exist", source=str(path))


def building_fields(args: argparse.Namespace) -> dict[str, str]:
    """The field mapping for buildings from the --*-field options."""
    given = {
        "households": args.households_field,
        "levels": args.levels_field,
        "height": args.height_field,
        "type": args.type_field,
        "units": getattr(args, "units_field", None),
    }
    return {ours: theirs for ours, theirs in given.items() if theirs}


def show_warnings(warnings: list[ValidationWarning]) -> None:
    """Print warnings on stderr, the first few in full and a count per kind for the rest."""
    for w in warnings[:MAX_WARNINGS_SHOWN]:
        print(f"warning: {w}", file=sys.stderr)
    rest = warnings[MAX_WARNINGS_SHOWN:]
    if rest:
        kinds: dict[str, int] = {}
        for w in rest:
            kinds[w.kind] = kinds.get(w.kind, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print(f"warning: … and {len(rest)} more ({summary})", file=sys.stderr)


@contextmanager
def written_aside(out: Path) -> Iterator[Path]:
    """A hidden file beside ``out`` to write, moved onto ``out`` when the block ends well and
    removed whatever happens, so a failure leaves an earlier output intact."""
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp{out.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def vertical_layer(cells: gpd.GeoDataFrame, vertical: pd.DataFrame) -> gpd.GeoDataFrame:
    """The ``vertical`` cells as a layer, each drawn with its 2D cell's outline from ``cells``
    (they stack)."""
    outline = cells.set_index("code").geometry
    v = vertical.assign(building=vertical["building"].astype(str))
    return gpd.GeoDataFrame(v, geometry=outline.loc[v["cell_code"]].to_numpy(), crs=cells.crs)
