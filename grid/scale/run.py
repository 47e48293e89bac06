"""``partition --cluster``: the command-line run of ``grid.scale.partition`` (see ``grid/cli.py``).

Communities and roads are made ready on the client (``prepare_areas``); buildings in GeoParquet
are read and made ready in slices on the workers (``grid.scale.inputs``), other formats
through the in-process ``prepare``. The tasks write GeoParquet by street: into ``--out`` when it
is a ``.parquet`` folder, else into a hidden folder beside the ``.gpkg`` from which the client
then writes it (``grid.scale.gpkg``), removed afterwards whatever happens. Errors print ``file:
reason`` and exit with status 2, as in-process.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from grid.commandline import EXIT_BAD_INPUT, building_fields, check_outputs, show_warnings
from grid.errors import GridError
from grid.input.io import write_cells
from grid.input.prepare import prepare, prepare_areas
from grid.partition.cells import PartitionResult
from grid.scale.cluster import connect, parse_cluster
from grid.scale.gpkg import staging, write_gpkg
from grid.scale.inputs import building_pieces, is_parquet
from grid.scale.output import clear, read_streets
from grid.scale.partition import partition_on_cluster


def run_on_cluster(args: argparse.Namespace) -> int:
    """Run ``partition`` for parsed ``args`` on the cluster ``args.cluster``; the exit status."""
    gpkg = args.out.suffix.lower() == ".gpkg"
    folder = staging(args.out) if gpkg else args.out
    try:
        spec = parse_cluster(args.cluster)
        check_outputs(args)
        if gpkg:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            clear(args.out)
        with connect(spec) as client:
            communities, roads, buildings, warnings = _inputs(args, client)
            result = partition_on_cluster(
                client, communities, buildings, roads, folder,
                min_households=args.min_households, max_households=args.max_households,
                seed=args.seed, progress=not args.no_progress and sys.stderr.isatty(),
            )
        _write(args, folder, result)
    except GridError as err:
        print(err.message, file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if gpkg:
            shutil.rmtree(folder, ignore_errors=True)
    show_warnings(warnings)
    report = result.report()
    print(report)
    if args.report is not None:
        args.report.write_text(report + "\n", encoding="utf-8")
    return 0


def _write(args: argparse.Namespace, folder: Path, result: PartitionResult) -> None:
    """The GeoPackage from the streets the tasks wrote under ``folder`` when ``--out`` is one,
    and the GeoJSON of the cells when asked."""
    if folder != args.out:
        write_gpkg(folder, result.vertical, args.out)
    if args.geojson is not None:  # the cells are small; the buildings stay in the files
        write_cells(read_streets(folder, "cells").drop(columns="street"), args.geojson)


def _inputs(args: argparse.Namespace, client) -> tuple:
    """Communities, roads, the buildings as delayed pieces with their columns, and the
    warnings."""
    fields = building_fields(args)
    workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    if is_parquet(args.buildings):
        comm, roads, warnings = prepare_areas(args.communities, args.roads, crs=args.crs,
                                              layer=args.layer, code_field=args.code_field)
        pieces = building_pieces(args.buildings, workers=workers, crs=args.crs, fields=fields,
                                 drop_invalid=args.drop_invalid)
        return comm, roads, pieces, warnings
    ready = prepare(args.communities, args.buildings, args.roads, crs=args.crs, layer=args.layer,
                    code_field=args.code_field, building_fields=fields,
                    drop_invalid=args.drop_invalid)
    pieces = building_pieces(args.buildings, workers=workers, prepared=ready.buildings)
    return ready.communities, ready.roads, pieces, ready.warnings
