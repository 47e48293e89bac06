"""The ``partition`` command: prepare (read → validate → estimate households) → partition → write.

``add_parser(subparsers)`` registers the command on any argparse parser (``wangge`` in
``api/cli/main.py`` and ``python -m grid``). Bad input prints ``file: feature N: reason`` on stderr
and exits with status 2 without writing anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from grid.commandline import (
    EXIT_BAD_INPUT,
    building_fields,
    check_outputs,
    show_warnings,
    vertical_layer,
    written_aside,
)
from grid.errors import GridError, InputError
from grid.input.io import write_cells, write_layer
from grid.input.prepare import prepare
from grid.input.validate import ValidationWarning, feature_ids


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
    p.add_argument("--units-field", help="buildings' entrance units field (units; OSM "
                   "building:units): a building over --max is cut into vertical cells by them")
    p.add_argument("--bounds-field", help="communities' own household bounds: two fields "
                   "MIN,MAX (blank: --min/--max)")
    p.add_argument("--bounds-table", type=Path, help="CSV of code,min_households,"
                   "max_households giving communities their own household bounds")
    p.add_argument("--straddling", choices=["majority", "fail"], default="majority",
                   help="a building crossing a community line: counted in the community "
                   "holding most of it and reported (majority), or refused (fail)")
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
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        help="output GeoPackage (layers cells, buildings, vertical_cells), or a folder "
        "NAME.parquet: GeoParquet partitioned by street; either works with --cluster",
    )
    p.add_argument(
        "--cluster",
        help="run the communities as dask tasks: local:N (N worker processes here) or the "
        "address of a running scheduler, tcp://host:8786 (the workers write GeoParquet by "
        "street; a .gpkg --out is then written from them in batches of whole streets)",
    )
    p.add_argument("--geojson", type=Path, help="also write the cells as GeoJSON")
    p.add_argument("--report", type=Path, help="also write the text report here")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run_partition)
    return p


def run_partition(args: argparse.Namespace) -> int:
    """Run the partition pipeline for parsed ``args``; returns the process exit status."""
    if getattr(args, "cluster", None):
        from grid.scale.run import run_on_cluster

        return run_on_cluster(args)
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
    communities = with_bounds(ready.communities, args)
    return communities, ready.buildings, ready.roads, ready.warnings


def with_bounds(communities: gpd.GeoDataFrame, args: argparse.Namespace) -> gpd.GeoDataFrame:
    """Communities with ``min_households``/``max_households`` from --bounds-field (two of their
    fields) or --bounds-table (a CSV by code), when given."""
    field, table = getattr(args, "bounds_field", None), getattr(args, "bounds_table", None)
    if field:
        names = [x.strip() for x in str(field).split(",")]
        missing = [n for n in names if n not in communities.columns]
        if len(names) != 2 or missing:
            raise InputError("--bounds-field takes two community fields MIN,MAX", source=str(
                args.communities), field=(missing or [field])[0])
        communities = communities.assign(min_households=communities[names[0]],
                                         max_households=communities[names[1]])
    if table is not None:
        try:
            rows = pd.read_csv(table, dtype={"code": str})
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the bounds table: {exc}", source=str(table)) from exc
        need = {"code", "min_households", "max_households"}
        if not need <= set(rows.columns):
            raise InputError("needs columns code, min_households, max_households",
                             source=str(table))
        rows = rows.set_index("code")
        communities = communities.assign(
            min_households=communities["code"].map(rows["min_households"]),
            max_households=communities["code"].map(rows["max_households"]))
    return communities


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
            straddling=getattr(args, "straddling", "majority"),
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
    if args.out.suffix.lower() == ".parquet":
        from grid.scale.output import clear, write_streets

        clear(args.out)
        write_streets(result.cells, result.buildings.reset_index(drop=True), args.out)
    else:
        _write_gpkg(result, args.out)
    if args.geojson is not None:
        write_cells(result.cells, args.geojson)
    if args.report is not None:
        args.report.write_text(result.report() + "\n", encoding="utf-8")


def _write_gpkg(result, out: Path) -> None:
    """Cells, buildings and any vertical cells in one GeoPackage, written aside and moved into
    place."""
    with written_aside(out) as tmp:
        write_cells(result.cells, tmp, layer="cells")
        write_layer(result.buildings.reset_index(drop=True), tmp, layer="buildings")
        if len(result.vertical):
            write_layer(vertical_layer(result.cells, result.vertical), tmp,
                        layer="vertical_cells")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grid``: the grid library's own commands (partition) without the server."""
    parser = argparse.ArgumentParser(prog="python -m grid", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    from grid.scale.commands import add_parser as add_reassign

    add_reassign(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))
