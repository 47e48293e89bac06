"""Vertical cells (楼栋网格): tall buildings as stacks of cells by units or floors, on generated
high-rise districts (``grid.samples.highrise``) and as hypothesis properties (issue 16)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grid.domain.codes import VERTICAL_CODE
from grid.errors import InputError
from grid.partition import partition
from grid.partition.bounds import Bounds
from grid.partition.vertical import group_runs, stack
from grid.samples.highrise import METRIC, highrise_district

BOUNDS = Bounds(100, 200)
FAST = settings(max_examples=200, deadline=None)
SLOW = settings(max_examples=4, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def covered(ranges: list[tuple[float, float]], n: int) -> bool:
    """Whether 1-based inclusive ``ranges`` follow each other without gap from 1 to ``n``."""
    nxt = 1
    for a, b in ranges:
        if a != nxt or b < a:
            return False
        nxt = int(b) + 1
    return nxt == n + 1


@FAST
@given(h=st.integers(201, 3000), units=st.sampled_from([np.nan, 1, 2, 3, 4, 6, 8]),
       levels=st.sampled_from([np.nan, 1, 2, 5, 9, 18, 26, 33, 40]), extra=st.integers(0, 150))
def test_every_household_is_in_exactly_one_vertical_cell(
    h: int, units: float, levels: float, extra: int
) -> None:
    pieces = stack(h, units, levels, BOUNDS, extra)
    assert sum(p.households for p in pieces) == h + extra
    assert sum(p.others for p in pieces) == extra
    split = {p.split for p in pieces} - {"others"}
    assert len(split) == 1
    own = [p for p in pieces if p.split != "others"]
    if split == {"units"}:
        assert covered([p.units for p in own], int(units))
    elif split == {"floors"} and own[0].units[0] == own[0].units[1] and units >= 2:
        for u in range(1, int(units) + 1):  # floors within each unit
            assert covered([p.floors for p in own if p.units[0] == u], int(levels))
    elif split == {"floors"}:
        assert covered([p.floors for p in own], int(levels))


@FAST
@given(floors=st.integers(18, 33), units=st.integers(2, 6), per=st.integers(2, 8),
       extra=st.integers(0, 99))
def test_real_towers_give_vertical_cells_all_within_bounds(
    floors: int, units: int, per: int, extra: int
) -> None:
    h = floors * units * per
    if h <= BOUNDS.high:
        return
    pieces = stack(h, float(units), float(floors), BOUNDS, extra)
    assert all(BOUNDS.low <= p.households <= BOUNDS.high for p in pieces), pieces


def out_of_bounds(sums: list[float]) -> int:
    """How many group sums fall outside BOUNDS."""
    return sum(not BOUNDS.low <= s <= BOUNDS.high for s in sums)


@FAST
@given(st.lists(st.integers(1, 260), min_size=1, max_size=9))
def test_grouping_leaves_as_few_groups_out_of_bounds_as_any_grouping(w: list[int]) -> None:
    runs = group_runs(np.array(w), BOUNDS)
    assert runs[0][0] == 0 and runs[-1][1] == len(w)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(runs))
    got = out_of_bounds([sum(w[a:b]) for a, b in runs])
    best = len(w)
    for cuts in itertools.product([False, True], repeat=len(w) - 1):  # every grouping
        edges = [0, *[k + 1 for k, c in enumerate(cuts) if c], len(w)]
        best = min(best, out_of_bounds([sum(w[a:b]) for a, b in itertools.pairwise(edges)]))
    assert got == best


def stacked_units(result: object) -> pd.Series:
    """Households of the 2D cells without a stack and of every vertical cell."""
    v = result.vertical
    flat = result.cells.loc[~result.cells["code"].isin(set(v["cell_code"])), "households"]
    return pd.concat([flat, v["households"]], ignore_index=True)


@SLOW
@given(st.integers(0, 2**31 - 1))
def test_stacks_hold_their_cells_households_and_are_coded_below_them(seed: int) -> None:
    sample = highrise_district(seed, blocks=(2, 1))
    result = partition(sample.communities, sample.buildings, sample.roads)
    v, cells = result.vertical, result.cells.set_index("code")
    assert v["code"].is_unique and v["code"].str.fullmatch(VERTICAL_CODE.pattern).all()
    assert (v["code"].str[:15] == v["cell_code"]).all()
    per_cell = v.groupby("cell_code")["households"].sum()
    assert (per_cell == cells.loc[per_cell.index, "households"]).all()
    tall = result.buildings[result.buildings["households"] > BOUNDS.high]
    assert set(tall["cell_code"]) == set(v["cell_code"])
    # Small buildings sharing a stacked cell name the vertical cell they join.
    joined = result.buildings.dropna(subset=["vertical_code"])
    assert set(joined["vertical_code"]) <= set(v["code"])
    housing = joined[joined["households"] > 0]
    assert set(housing["vertical_code"]) <= set(v.loc[v["others"] > 0, "code"])
    others = joined.groupby("vertical_code")["households"].sum()
    assert (others == v.set_index("code").loc[others.index, "others"]).all()
    bad = v[~v["households"].between(BOUNDS.low, BOUNDS.high)]
    assert set(bad["code"]) <= set(result.exceptions["cell_code"])


@pytest.fixture(scope="module")
def district() -> tuple:
    """The default generated district and its partition."""
    sample = highrise_district(0)
    return sample, partition(sample.communities, sample.buildings, sample.roads)


def test_dense_district_has_99_percent_of_cells_and_households_in_bounds(district) -> None:
    _, result = district
    h = stacked_units(result)
    inside = h.between(BOUNDS.low, BOUNDS.high)
    assert inside.mean() >= 0.99
    assert h[inside].sum() >= 0.99 * h.sum()
    assert "Vertical cells:" in result.report()


def test_overlapping_footprints_keep_98_percent_in_their_own_cell(district) -> None:
    sample, result = district
    b = result.buildings.to_crs(METRIC)
    straddling = result.exceptions.loc[result.exceptions["kind"] == "straddling_building",
                                       "reason"].str.split().str[1]
    keep = ~b.index.isin(straddling)
    fp = np.asarray(b.geometry.values)[keep]
    cells = result.cells.to_crs(METRIC).set_index("code")
    own = np.asarray(cells.geometry.loc[b["cell_code"][keep]].values)
    share = shapely.area(shapely.intersection(fp, own)) / shapely.area(fp)
    assert (share >= 0.98).all()
    assert len(straddling) > 0  # the sample does have straddlers, and they are reported


def test_straddling_buildings_are_counted_in_their_majority_community_or_refused(
    district,
) -> None:
    sample, result = district
    rows = result.exceptions[result.exceptions["kind"] == "straddling_building"]
    b = result.buildings.to_crs(METRIC)
    comms = sample.communities.to_crs(METRIC).set_index("code").geometry
    for name, code in zip(rows["reason"].str.split().str[1], rows["community_code"],
                          strict=True):
        fp = b.geometry.loc[name]
        shares = {c: fp.intersection(g).area for c, g in comms.items()}
        assert max(shares, key=shares.get) == code == b.loc[name, "community_code"]
    with pytest.raises(InputError, match="straddles"):
        partition(sample.communities, sample.buildings, sample.roads, straddling="fail")


def test_bounds_per_community_come_from_its_columns() -> None:
    sample = highrise_district(1, blocks=(2, 1), split_share=0.0)
    comms = sample.communities.assign(min_households=[300, np.nan],
                                      max_households=[500, np.nan])
    result = partition(comms, sample.buildings, sample.roads)
    first = result.cells[result.cells["community_code"] == comms["code"].iloc[0]]
    v = result.vertical[result.vertical["community_code"] == comms["code"].iloc[0]]
    h = pd.concat([first.loc[~first["code"].isin(set(v["cell_code"])), "households"],
                   v["households"]])
    assert h.between(300, 500).mean() >= 0.9
    assert result.communities["max_households"].tolist() == [500, 200]
    with pytest.raises(InputError, match="bounds"):
        partition(comms.assign(min_households=[600, 1]), sample.buildings, sample.roads)


def test_a_duplicated_outline_lies_wholly_in_its_hosts_cell() -> None:
    # OSM often draws an outline twice, shifted a little: the copy is counted with the building
    # it lies over, and the strip of it outside that building lies in the same cell too.
    import geopandas as gpd

    from grid.samples.highrise import ORIGIN

    a = shapely.box(*(ORIGIN + [60, 40]), *(ORIGIN + [80, 50]))
    copy = shapely.affinity.translate(a, 1.5, 0.5)
    b = shapely.box(*(ORIGIN + [82, 40]), *(ORIGIN + [100, 50]))
    comm = gpd.GeoDataFrame({"code": ["120101001001"]},
                            geometry=[shapely.box(*ORIGIN, *(ORIGIN + [200, 100]))], crs=METRIC)
    blds = gpd.GeoDataFrame({"households": [150, 0, 150]}, geometry=[a, copy, b], crs=METRIC)
    result = partition(comm.to_crs(4326), blds.to_crs(4326))
    cells = result.cells.to_crs(METRIC).set_index("code")
    own = cells.geometry.loc[result.buildings["cell_code"].iloc[1]]
    assert copy.intersection(own).area >= 0.98 * copy.area
    assert result.buildings["cell_code"].iloc[0] == result.buildings["cell_code"].iloc[1]


def test_a_floor_and_unit_fall_in_exactly_one_vertical_cell_of_their_building() -> None:
    from grid.partition.vertical import holding

    for units, levels in ((6.0, 30.0), (2.0, 33.0), (np.nan, 26.0), (4.0, np.nan)):
        pieces = stack(900, units, levels, BOUNDS)
        r = np.array([[*p.units, *p.floors] for p in pieces], dtype=float)
        for u in range(1, int(units) + 1 if units == units else 2):
            for f in range(1, int(levels) + 1 if levels == levels else 2):
                hits = holding(*r.T, unit=u if units == units else None,
                               floor=f if levels == levels else None)
                if units == units or levels == levels:
                    assert hits.sum() == 1, (units, levels, u, f, r)
