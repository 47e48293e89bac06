"""tiling_problems / check_tiling: cells must tile their communities exactly (no gap, no overlap,
inside their community, well-formed unique codes), float noise aside; the sample partition does."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from grid.errors import InputError
from grid.input.communities import CommunityProblem, check_community_layer, community_problems
from grid.input.crs import utm_crs
from grid.input.tiling import SLIVER_AREA, TilingProblem, check_tiling, tiling_problems

METRIC = utm_crs(117.2, 39.1)
X0, Y0 = 516000.0, 4328000.0  # metres, UTM 50N, near Tianjin
C1, C2 = "120101001001", "120101001002"
DATA = Path(__file__).resolve().parents[1] / "data" / "boundaries"


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle given in metres from the origin (X0, Y0)."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def communities() -> gpd.GeoDataFrame:
    """Two 200 m × 100 m communities side by side (WGS84)."""
    return gpd.GeoDataFrame(
        {"code": [C1, C2]}, geometry=[box(0, 0, 200, 100), box(200, 0, 400, 100)], crs=METRIC
    ).to_crs(4326)


def cells(rows: list[tuple[object, object, shapely.Geometry | None]]) -> gpd.GeoDataFrame:
    """Cells from (code, community_code, metric geometry) rows, returned in WGS84."""
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "community_code": [r[1] for r in rows]},
        geometry=gpd.GeoSeries([r[2] for r in rows], crs=METRIC).to_crs(4326).values,
        crs=4326,
    )


def clean_rows() -> list[tuple[object, object, shapely.Geometry | None]]:
    """Four 100 m squares tiling the two communities exactly."""
    return [
        (C1 + "001", C1, box(0, 0, 100, 100)),
        (C1 + "002", C1, box(100, 0, 200, 100)),
        (C2 + "001", C2, box(200, 0, 300, 100)),
        (C2 + "002", C2, box(300, 0, 400, 100)),
    ]


def only(problems: list[TilingProblem], kind: str) -> TilingProblem:
    """The single problem of ``kind``, failing when there are others."""
    assert [p.kind for p in problems] == [kind], [str(p) for p in problems]
    return problems[0]


def test_clean_tiling_passes() -> None:
    assert tiling_problems(cells(clean_rows()), communities()) == []
    check_tiling(cells(clean_rows()), communities(), source="ok.geojson")


def test_float_noise_on_shared_edges_is_not_a_problem() -> None:
    rows = clean_rows()
    # Shared edge x=100 drawn with an extra vertex nudged 1e-7 m in one cell only, and the
    # other cell's edge 1e-9 m off: the two copies of the edge are not bit-identical.
    rows[0] = (C1 + "001", C1, shapely.Polygon(
        [(X0, Y0), (X0 + 100 + 1e-9, Y0), (X0 + 100 + 1e-7, Y0 + 50), (X0 + 100, Y0 + 100),
         (X0, Y0 + 100)]))
    # A diagonal boundary inside C2 whose midpoint one cell rounds 5 cm off the line (as
    # 6-decimal coordinates do): a 2.5 m² sliver, thinner than any real gap.
    mid_in, mid_out = (X0 + 300 + 0.05, Y0 + 50), (X0 + 300, Y0 + 50)
    rows[2] = (C2 + "001", C2, shapely.Polygon(
        [(X0 + 200, Y0), (X0 + 290, Y0), mid_in, (X0 + 310, Y0 + 100), (X0 + 200, Y0 + 100)]))
    rows[3] = (C2 + "002", C2, shapely.Polygon(
        [(X0 + 290, Y0), (X0 + 400, Y0), (X0 + 400, Y0 + 100), (X0 + 310, Y0 + 100), mid_out]))
    assert tiling_problems(cells(rows), communities()) == []


def test_overlap_names_both_cells_and_the_area() -> None:
    rows = clean_rows()
    rows[0] = (C1 + "001", C1, box(0, 0, 110, 100))  # 10 m into its neighbour: 1000 m²
    p = only(tiling_problems(cells(rows), communities()), "overlap")
    assert (p.row, p.code, p.community_code) == (1, C1 + "001", C1)
    assert p.area == pytest.approx(1000.0, rel=1e-3)
    assert str(p).startswith(f"row 1 (cell {C1}001): overlaps cell {C1}002 (row 2) by 1 000.")
    assert str(p).endswith(" m²")


def test_gap_is_reported_on_the_community_with_its_place() -> None:
    rows = clean_rows()
    rows[1] = (C1 + "002", C1, box(100, 0, 190, 100))  # leaves x 190..200 uncovered
    p = only(tiling_problems(cells(rows), communities()), "gap")
    assert (p.row, p.code, p.community_code) == (None, None, C1)
    assert p.area == pytest.approx(1000.0, rel=1e-3)
    assert p.reason.startswith(f"cells leave 1 000.0 m² of community {C1} uncovered near (")
    lon, lat = (float(v) for v in p.reason.split("near (")[1].rstrip(")").split(", "))
    where = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(METRIC).iloc[0]
    assert box(189, -1, 201, 101).contains(where)


def test_cell_reaching_outside_its_community() -> None:
    rows = clean_rows()
    rows[0] = (C1 + "001", C1, box(0, -10, 100, 100))  # 10 m south of the community
    p = only(tiling_problems(cells(rows), communities()), "outside_community")
    assert p.row == 1 and p.area == pytest.approx(1000.0, rel=1e-3)
    assert p.reason == f"lies 1 000.0 m² outside its community {C1}"


def test_cell_in_the_neighbouring_community_is_outside_and_overlaps() -> None:
    rows = clean_rows()
    rows[1] = (C1 + "002", C1, box(100, 0, 220, 100))  # reaches 20 m into C2
    kinds = sorted(p.kind for p in tiling_problems(cells(rows), communities()))
    assert kinds == ["outside_community", "overlap"]


def test_bad_code_and_prefix_mismatch() -> None:
    rows = clean_rows()
    rows[0] = (C1 + "01", C1, rows[0][2])
    rows[1] = (C2 + "009", C1, rows[1][2])
    problems = tiling_problems(cells(rows), communities())
    assert [(p.row, p.kind) for p in problems] == [(1, "bad_code"), (2, "prefix_mismatch")]
    assert problems[0].reason == f"code {C1}01 is not 15 digits"
    assert problems[1].reason == f"code prefix {C2} does not match community_code {C1}"


def test_numeric_codes_from_a_file_are_read_as_text() -> None:
    rows = [(int(code), int(comm), geom) for code, comm, geom in clean_rows()]
    assert tiling_problems(cells(rows), communities()) == []


def test_duplicate_code_names_the_first_row() -> None:
    rows = clean_rows()
    rows[1] = (C1 + "001", C1, rows[1][2])
    p = only(tiling_problems(cells(rows), communities()), "duplicate_code")
    assert p.row == 2 and p.reason == f"duplicate code {C1}001 (also row 1)"


def test_unknown_and_missing_community() -> None:
    rows = clean_rows()
    rows[3] = ("120101001003001", "120101001003", rows[3][2])
    problems = tiling_problems(cells(rows), communities())
    assert [p.kind for p in problems] == ["unknown_community", "gap"]
    assert problems[0].reason == "community_code 120101001003 is not a known community"
    assert problems[1].community_code == C2  # its square is missing from C2
    rows[3] = (None, None, rows[3][2])
    kinds = [p.kind for p in tiling_problems(cells(rows), communities())]
    assert kinds == ["missing_code", "unknown_community", "gap"]


def test_invalid_empty_and_non_polygon_geometry() -> None:
    rows = clean_rows()
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    rows[0] = (C1 + "001", C1, bowtie)
    rows[2] = (C2 + "001", C2, shapely.Polygon())
    rows[3] = (C2 + "002", C2, shapely.Point(X0 + 350, Y0 + 50))
    problems = tiling_problems(cells(rows), communities())
    kinds = [(p.row, p.kind) for p in problems]
    assert kinds == [(1, "invalid"), (3, "empty"), (4, "not_polygon"), (None, "gap"),
                     (None, "gap")]
    assert problems[0].reason.startswith("geometry invalid: Self-intersection[")
    assert problems[2].reason == "geometry is a Point, not a polygon"
    # The bowtie, measured as repaired, covers half its square: C1 has a 5000 m² gap.
    gaps = {p.community_code: p.area for p in problems if p.kind == "gap"}
    assert gaps[C1] == pytest.approx(5000.0, rel=1e-3)
    assert gaps[C2] == pytest.approx(20000.0, rel=1e-3)


def test_only_the_named_communities_are_checked_for_gaps() -> None:
    assert tiling_problems(cells(clean_rows()[:2]), communities()) == []


def test_tolerance_is_area_not_any_difference() -> None:
    rows = clean_rows()
    rows[1] = (C1 + "002", C1, box(100, 0, 199.5, 100))  # a 0.5 m × 100 m strip: 50 m²
    assert only(tiling_problems(cells(rows), communities()), "gap").area > SLIVER_AREA
    rows[1] = (C1 + "002", C1, box(100, 0, 200, 99.999))  # 0.1 m² in all: noise
    assert tiling_problems(cells(rows), communities()) == []


def test_check_tiling_lists_twenty_problems_and_counts_the_rest() -> None:
    rows = [(f"{C1}{k:03d}", C2, box(0, 0, 100, 100)) for k in range(1, 31)]
    problems = tiling_problems(cells(rows), communities())
    assert len(problems) > 30
    with pytest.raises(InputError) as err:
        check_tiling(cells(rows), communities(), source="drawn.gpkg")
    msg = str(err.value)
    assert msg.startswith(f"drawn.gpkg: cells do not tile their communities ({len(problems)} ")
    assert msg.count("\n  row ") == 20 and msg.endswith(f"... and {len(problems) - 20} more")
    assert pd.DataFrame(problems).columns.tolist() == [
        "row", "code", "community_code", "kind", "reason", "area"]


@pytest.mark.slow
def test_sample_partition_tiles_its_communities(tmp_path: Path) -> None:
    """The demo's cells (grid.partition on the Heping sample) pass, in memory and after the
    round trip through a GeoJSON file (7 decimals) that an admin would import."""
    from grid.input.households import estimate_households
    from grid.input.io import read_layer, write_cells
    from grid.partition import partition

    comms = read_layer(DATA / "heping_communities.geojson", kind="boundaries")
    buildings = estimate_households(read_layer(DATA / "heping_buildings.geojson",
                                               kind="buildings"))
    roads = read_layer(DATA / "heping_roads.geojson", kind="roads")
    result = partition(comms, buildings, roads)
    assert tiling_problems(result.cells, comms) == []
    path = write_cells(result.cells, tmp_path / "cells.geojson")
    assert tiling_problems(read_layer(path, kind="boundaries"), comms) == []


# --- community layers: community_problems / check_community_layer -------------------------------

S1 = "120101001"
C3 = "120101001003"


def streets() -> gpd.GeoDataFrame:
    """Street S1: a 600 m × 100 m strip holding C1, C2 and room for C3 (WGS84)."""
    return gpd.GeoDataFrame({"code": [S1]}, geometry=[box(0, 0, 600, 100)], crs=METRIC).to_crs(
        4326)


def comm_layer(rows: list[tuple[object, shapely.Geometry | None]], **cols: list[object]
               ) -> gpd.GeoDataFrame:
    """Communities from (code, metric geometry) rows and extra columns, returned in WGS84."""
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], **cols},
        geometry=gpd.GeoSeries([r[1] for r in rows], crs=METRIC).to_crs(4326).values,
        crs=4326,
    )


def comm_rows() -> list[tuple[object, shapely.Geometry | None]]:
    """C1 and C2 side by side inside S1, C3 east of them with a 100 m gap (a legitimate one)."""
    return [(C1, box(0, 0, 200, 100)), (C2, box(200, 0, 400, 100)), (C3, box(500, 0, 600, 100))]


def only_c(problems: list[CommunityProblem], kind: str) -> CommunityProblem:
    """The single community problem of ``kind``, failing when there are others."""
    assert [p.kind for p in problems] == [kind], [str(p) for p in problems]
    return problems[0]


def test_clean_communities_with_a_gap_between_them_pass() -> None:
    layer = comm_layer(comm_rows(), street_code=[S1, S1, S1])
    assert community_problems(layer, streets=streets()) == []
    check_community_layer(layer, streets=streets(), others=communities().iloc[:0], source="ok.gpkg")
    assert community_problems(comm_layer(comm_rows())) == []  # nothing else known: still fine


def test_float_noise_on_community_edges_is_not_a_problem() -> None:
    rows = comm_rows()
    # C1/C2's shared edge with an extra vertex 1e-7 m into C2 in C1 only; C2's edge 1e-9 m off.
    rows[0] = (C1, shapely.Polygon([(X0, Y0), (X0 + 200, Y0), (X0 + 200 + 1e-7, Y0 + 50),
                                    (X0 + 200, Y0 + 100), (X0, Y0 + 100)]))
    rows[1] = (C2, shapely.Polygon([(X0 + 200 - 1e-9, Y0), (X0 + 400, Y0), (X0 + 400, Y0 + 100),
                                    (X0 + 200, Y0 + 100)]))
    # C3's west edge bulges 5 cm at its midpoint, beyond the street's east edge when shifted:
    # a 2.5 m² sliver outside the street, thinner than any real misdrawing.
    rows[2] = (C3, shapely.Polygon([(X0 + 500, Y0), (X0 + 600, Y0), (X0 + 600.05, Y0 + 50),
                                    (X0 + 600, Y0 + 100), (X0 + 500, Y0 + 100)]))
    assert community_problems(comm_layer(rows), streets=streets()) == []


def test_overlapping_communities_name_each_other_and_the_area() -> None:
    rows = comm_rows()
    rows[1] = (C2, box(190, 0, 400, 100))  # 10 m into C1: 1000 m²
    p = only_c(community_problems(comm_layer(rows), streets=streets()), "overlap")
    assert (p.row, p.code, p.street_code) == (1, C1, S1)
    assert p.area == pytest.approx(1000.0, rel=1e-3)
    assert str(p).startswith(f"row 1 (community {C1}): overlaps community {C2} (row 2) by 1 000.")
    assert str(p).endswith(" m²")


def test_overlap_tolerance_is_area_and_width() -> None:
    rows = comm_rows()
    rows[1] = (C2, box(199.5, 0, 400, 100))  # a 0.5 m × 100 m strip: 50 m², a real overlap
    assert only_c(community_problems(comm_layer(rows)), "overlap").area == pytest.approx(
        50.0, rel=1e-3)
    rows[1] = (C2, box(199.9, 0, 400, 100))  # 0.1 m wide: a rounding sliver, however long
    assert community_problems(comm_layer(rows)) == []


def test_overlap_with_the_communities_beside_the_layer() -> None:
    others = gpd.GeoDataFrame(
        {"code": ["120101001009", "120101001008"]},
        geometry=[box(550, 0, 700, 100), box(560, 0, 700, 100)],  # these two overlap: not ours
        crs=METRIC,
    ).to_crs(4326)
    problems = community_problems(comm_layer(comm_rows()), others=others)
    assert [str(q) for q in problems] == [  # C3 overlaps both, in the order they are given
        f"row 3 (community {C3}): overlaps existing community 120101001009 by 5 000.0 m²",
        f"row 3 (community {C3}): overlaps existing community 120101001008 by 4 000.0 m²",
    ]
    assert [q.area for q in problems] == pytest.approx([5000.0, 4000.0], rel=1e-3)


def test_community_reaching_outside_its_street() -> None:
    rows = comm_rows()
    rows[0] = (C1, box(0, -10, 200, 100))  # 10 m south of the street: 2000 m²
    p = only_c(community_problems(comm_layer(rows), streets=streets()), "outside_street")
    assert p.row == 1 and p.area == pytest.approx(2000.0, rel=1e-3)
    assert p.reason == f"lies 2 000.0 m² outside its street {S1}"


def test_street_is_the_given_street_code_else_the_code_prefix() -> None:
    other_street = gpd.GeoDataFrame(
        {"code": [S1, "120101002"]}, geometry=[box(0, 0, 600, 100), box(0, 100, 600, 200)],
        crs=METRIC,
    ).to_crs(4326)
    rows = [("120101002001", box(0, 0, 100, 100))]  # in S1's polygon, but its code says 002
    p = only_c(community_problems(comm_layer(rows), streets=other_street), "outside_street")
    assert p.street_code == "120101002" and "outside its street 120101002" in p.reason
    # An unknown street, or one without a polygon, is not checked.
    no_poly = gpd.GeoDataFrame({"code": ["120101002"]}, geometry=[None], crs=4326)
    assert community_problems(comm_layer(rows), streets=no_poly) == []
    assert community_problems(comm_layer(rows), streets=streets()) == []


def test_bad_missing_and_mismatched_community_codes() -> None:
    rows = comm_rows()
    rows[0] = (C1[:-1], rows[0][1])  # 11 digits
    rows[1] = (None, rows[1][1])
    rows[2] = (C3, rows[2][1])
    problems = community_problems(comm_layer(rows, street_code=[S1, S1, "120101002"]))
    assert [(p.row, p.kind) for p in problems] == [
        (1, "bad_code"), (2, "missing_code"), (3, "prefix_mismatch")]
    assert problems[0].reason == f"code {C1[:-1]} is not 12 digits"
    assert str(problems[1]) == "row 2 (no code): missing code"
    assert problems[2].reason == f"code prefix {S1} does not match street_code 120101002"


def test_duplicate_community_code_names_the_first_row() -> None:
    rows = comm_rows()
    rows[2] = (C1, rows[2][1])
    p = only_c(community_problems(comm_layer(rows)), "duplicate_code")
    assert p.row == 3 and p.reason == f"duplicate code {C1} (also row 1)"


def test_numeric_community_codes_from_a_file_are_read_as_text() -> None:
    rows = [(int(str(code)), geom) for code, geom in comm_rows()]
    layer = comm_layer(rows, street_code=[int(S1)] * 3)
    assert community_problems(layer, streets=streets()) == []


def test_invalid_empty_and_non_polygon_communities() -> None:
    rows = comm_rows()
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 200, Y0 + 100), (X0 + 200, Y0), (X0, Y0 + 100)])
    rows[0] = (C1, bowtie)
    rows[1] = (C2, shapely.Polygon())
    rows[2] = (C3, shapely.LineString([(X0 + 500, Y0), (X0 + 600, Y0)]))
    problems = community_problems(comm_layer(rows), streets=streets())
    assert [(p.row, p.kind) for p in problems] == [(1, "invalid"), (2, "empty"),
                                                    (3, "not_polygon")]
    assert problems[0].reason.startswith("geometry invalid: Self-intersection[")
    assert problems[2].reason == "geometry is a LineString, not a polygon"
    # The bowtie is measured as repaired, so an overlap with it is still found.
    rows[1] = (C2, box(150, 0, 400, 100))
    kinds = [(p.row, p.kind) for p in community_problems(comm_layer(rows), streets=streets())]
    assert kinds == [(1, "invalid"), (1, "overlap"), (3, "not_polygon")]


def test_check_communities_lists_twenty_problems_and_counts_the_rest() -> None:
    rows = [(f"{S1}{k:03d}", box(0, 0, 100, 100)) for k in range(1, 8)]  # 7 on one square
    problems = community_problems(comm_layer(rows))
    assert len(problems) == 21  # every pair
    with pytest.raises(InputError) as err:
        check_community_layer(comm_layer(rows), source="drawn.shp")
    msg = str(err.value)
    assert msg.startswith("drawn.shp: communities are not a sound layer (21 problems):\n")
    assert msg.count("\n  row ") == 20 and msg.endswith("... and 1 more")
    assert pd.DataFrame(problems).columns.tolist() == [
        "row", "code", "street_code", "kind", "reason", "area"]


def test_sample_communities_are_sound_in_their_streets() -> None:
    """The Heping sample's communities (6 decimals) pass against its streets, and against
    themselves standing beside a copy shifted by a sliver (as a re-import would not be)."""
    from grid.input.io import read_layer

    comms = read_layer(DATA / "heping_communities.geojson", kind="boundaries")
    street_layer = read_layer(DATA / "heping_streets.geojson", kind="boundaries")
    assert len(comms) == 67
    assert community_problems(comms, streets=street_layer) == []
    # The check is not blind: the same layer standing beside itself overlaps everywhere.
    assert len(community_problems(comms, others=comms)) == 67
