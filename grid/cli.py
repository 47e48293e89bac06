"""The ``partition`` command: prepare (read → validate → estimate households) → partition → write.

``add_parser(subparsers)`` registers the command on any argparse parser (``wangge`` in
``api/cli/main.py`` and ``python -m grid``). Bad input prints ``file: feature N: reason`` on stderr
and exits with status 2 without writing anything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from grid.errors import GridError, InputError
from grid.input.io import write_cells, write_layer
from grid.input.prepare import prepare
from grid.input.validate import ValidationWarning, feature_ids

EXIT_BAD_INPUT = 2
MAX_WARNINGS_SHOWN = 20


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``partition`` with its options on ``subparsers``."""
    p = subparsers.add_parser(
        "partition",
        help="divide communities into grid cells of min–max households",
        description="Divide each community into contiguous cells of --min to --max households "
        "(estimated from footprints where not given) and write them with codes.",
    )
    p.add_argument(
        "--communities", required=True, type=Path, help="community polygons (code, name)"
    )
    p.add_argument("--buildings", required=True, type=Path, help="building footprints or points")
    p.add_argument("--roads", type=Path, help="road lines; cell edges prefer them")
    p.add_argument("--min", dest="min_households", type=int, default=100, help="households (100)")
    p.add_argument("--max", dest="max_households", type=int, default=200, help="households (200)")
    p.add_argument(
        "--crs",
        help="CRS of all inputs when not in the files: EPSG code, PROJ "
        "string, gcj02 or bd09 (converted to WGS84)",
    )
    p.add_argument("--layer", help="layer name inside multi-layer inputs (GPKG)")
    p.add_argument("--code-field", default="code", help="community code field (code)")
    p.add_argument("--households-field", help="buildings' household count field")
    p.add_argument("--levels-field", help="buildings' levels field (building:levels)")
    p.add_argument("--height-field", help="buildings' height field in metres")
    p.add_argument("--type-field", help="buildings' type field (type / building)")
    p.add_argument(
        "--households-from",
        choices=("estimate", "register"),
        default="estimate",
        help="household counts: given or estimated from footprints (estimate), or counted from "
        "the --register file where it has households (register; the rest keep the estimate)",
    )
    p.add_argument("--register", type=Path, help="register file (XLSX or CSV, one row a person)")
    p.add_argument(
        "--register-mapping",
        type=_mapping,
        help='JSON {"header": "column"} for the register\'s own headers',
    )
    p.add_argument(
        "--drop-invalid",
        action="store_true",
        help="drop buildings with empty or unrepairable geometry (warned) instead of "
        "refusing the file",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (0); same seed, same cells")
    p.add_argument("--out", required=True, type=Path, help="output GeoPackage (cells, buildings)")
    p.add_argument("--geojson", type=Path, help="also write the cells as GeoJSON")
    p.add_argument("--report", type=Path, help="also write the text report here")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run_partition)
    return p


def run_partition(args: argparse.Namespace) -> int:
    """Run the partition pipeline for parsed ``args``; returns the process exit status."""
    try:
        check_outputs(args)
        communities, buildings, roads, warnings = read_inputs(args)
        buildings, note = households_from(buildings, args)
        result = partition_layers(communities, buildings, roads, args)
        write_outputs(result, args)
    except GridError as err:
        print(err.message, file=sys.stderr)
        return EXIT_BAD_INPUT
    show_warnings(warnings)
    if note:
        print(note)
    print(result.report())
    return 0


def _mapping(text: str) -> dict[str, str]:
    """A --register-mapping value: a JSON object of header → column names."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise argparse.ArgumentTypeError('give a JSON object like {"户主姓名": "name"}')
    return value


def households_from(
    buildings: gpd.GeoDataFrame, args: argparse.Namespace
) -> tuple[gpd.GeoDataFrame, str]:
    """Buildings with household counts from the register when asked (``--households-from
    register``), and a line saying how many came from it; a register with any problem is
    refused, naming the file and each bad row."""
    register = getattr(args, "register", None)
    if getattr(args, "households_from", "estimate") != "register":
        if register is not None:
            raise InputError("--register needs --households-from register", source=str(register))
        return buildings, ""
    if register is None:
        raise InputError("--households-from register needs --register FILE")
    from grid.register.households import register_households
    from grid.register.problems import raise_problems
    from grid.register.rows import check_register, read_register

    rows = read_register(register, getattr(args, "register_mapping", None))
    checked = check_register(rows, buildings)
    raise_problems(checked.problems, str(register), "register")
    out = register_households(buildings, checked.people)
    from_register = out["households_source"] == "register"
    note = (
        f"Households from the register: {int(from_register.sum())} buildings, "
        f"{int(out.loc[from_register, 'households'].sum())} households; "
        f"{int((~from_register).sum())} buildings keep their given or estimated count"
    )
    return out, note


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse output paths of the wrong kind before any work is done."""
    if args.out.suffix.lower() != ".gpkg":
        raise InputError("--out must be a .gpkg file", source=str(args.out))
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
    }
    return {ours: theirs for ours, theirs in given.items() if theirs}


def read_inputs(
    args: argparse.Namespace,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None, list[ValidationWarning]]:
    """The three layers made ready by ``grid.input.prepare.prepare``, and its warnings."""
    ready = prepare(
        args.communities,
        args.buildings,
        args.roads,
        crs=args.crs,
        layer=args.layer,
        code_field=args.code_field,
        building_fields=building_fields(args),
        drop_invalid=args.drop_invalid,
    )
    return ready.communities, ready.buildings, ready.roads, ready.warnings


def partition_layers(
    communities: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    args: argparse.Namespace,
):
    """``grid.partition.partition`` on the layers; errors name the input file, not the role."""
    from grid.partition import partition

    ids = feature_ids(buildings)
    if len(set(ids.tolist())) == len(ids):
        buildings = buildings.set_axis(ids, axis=0)
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        return partition(
            communities,
            buildings,
            roads,
            min_households=args.min_households,
            max_households=args.max_households,
            seed=args.seed,
            progress=progress,
        )
    except GridError as err:
        files = {"communities": args.communities, "buildings": args.buildings, "roads": args.roads}
        if err.source in files and files[err.source] is not None:
            err.source = str(files[err.source])
            err.args = (err.message,)
        raise


def write_outputs(result, args: argparse.Namespace) -> None:
    """Write cells and buildings (with cell codes) to the GPKG, then GeoJSON and report if asked.

    The GeoPackage is written next to its target and moved into place, so a failure leaves any
    previous output intact.
    """
    tmp = args.out.with_name(f".{args.out.stem}.{os.getpid()}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    try:
        write_cells(result.cells, tmp, layer="cells")
        write_layer(result.buildings.reset_index(drop=True), tmp, layer="buildings")
        tmp.replace(args.out)
    finally:
        tmp.unlink(missing_ok=True)
    if args.geojson is not None:
        write_cells(result.cells, args.geojson)
    if args.report is not None:
        args.report.write_text(result.report() + "\n", encoding="utf-8")


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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grid``: the grid library's own commands (partition) without the server."""
    parser = argparse.ArgumentParser(prog="python -m grid", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))
