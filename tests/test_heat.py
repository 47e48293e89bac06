"""Heat layer: H3 cube, filters in local time, roll-up to parents, fixed colour scale."""

from __future__ import annotations

from datetime import UTC, date, datetime

import h3
import numpy as np
import pandas as pd
import pytest

from grid.analysis.heat import ColourScale, cube, filter_cube, heat, to_parent, zoom_to_resolution
from grid.errors import InputError


def records(n: int = 5000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-05-01", tz="UTC")
    return pd.DataFrame(
        {
            "lon": rng.uniform(117.18, 117.22, n),
            "lat": rng.uniform(39.10, 39.13, n),
            "occurred_at": start + pd.to_timedelta(rng.uniform(0, 60 * 24, n), unit="h"),
            "kind": rng.choice(["incident", "dispute"], n),
            "category": rng.choice(["fire", "neighbour", "traffic"], n),
        }
    )


def test_cube_then_heat_equals_direct_filtering() -> None:
    rec = records()
    c = cube(rec, 10)
    assert c["count"].sum() == len(rec)
    local = rec["occurred_at"].dt.tz_convert("Asia/Shanghai")
    mask = (
        local.dt.hour.isin([20, 21, 22, 23, 0])
        & (local.dt.day_of_week >= 5)
        & (rec["kind"] == "incident")
        & (local.dt.date >= date(2024, 5, 10))
        & (local.dt.date < date(2024, 6, 10))
    )
    sel = rec[mask]
    expected = (
        pd.Series(
            [
                h3.cell_to_parent(h3.latlng_to_cell(a, o, 10), 8)
                for a, o in zip(sel["lat"], sel["lon"], strict=True)
            ]
        )
        .value_counts()
        .sort_index()
    )
    got = (
        heat(
            c,
            8,
            hours=[20, 21, 22, 23, 0],
            weekdays=[5, 6],
            kinds="incident",
            start=date(2024, 5, 10),
            end=date(2024, 6, 10),
        )
        .set_index("h3")["count"]
        .sort_index()
    )
    assert got.to_dict() == expected.to_dict()


def test_hour_is_local_time() -> None:
    rec = records(1)
    rec["occurred_at"] = pd.Timestamp("2024-05-01 16:30", tz="UTC")  # 00:30 on 2 May in Shanghai
    c = cube(rec, 9)
    assert c["hour"].iloc[0] == 0 and c["day"].iloc[0] == date(2024, 5, 2)
    aware_end = datetime(2024, 5, 1, 16, 0, tzinfo=UTC)  # local 2 May 00:00
    assert filter_cube(c, end=aware_end).empty
    assert len(filter_cube(c, start=aware_end)) == 1


def test_to_parent_sums_children() -> None:
    child = h3.latlng_to_cell(39.12, 117.2, 9)
    kids = h3.cell_to_children(h3.cell_to_parent(child, 7), 9)[:5]
    bins = pd.DataFrame({"h3": kids, "count": [1, 2, 3, 4, 5]})
    out = to_parent(bins, 7)
    assert out["count"].tolist() == [15] and out["h3"].iloc[0] == h3.cell_to_parent(child, 7)
    with pytest.raises(InputError):
        to_parent(bins, 11)


def test_zoom_to_resolution_is_monotone_and_sensible() -> None:
    res = [zoom_to_resolution(z, lat=39.1) for z in range(0, 21)]
    assert res == sorted(res)
    assert 7 <= zoom_to_resolution(13, lat=39.1) <= 9
    with pytest.raises(InputError):
        zoom_to_resolution(30)


def test_colour_scale_stays_fixed_from_reference() -> None:
    scale = ColourScale.from_reference(np.arange(1, 101))
    np.testing.assert_allclose(scale.breaks, [1.0, 20.8, 40.6, 60.4, 80.2])
    assert scale.classify([0, 1, 20, 21, 100, 1000]).tolist() == [-1, 0, 0, 1, 4, 4]
    colours = scale.colour([0, 100])
    assert colours[0] is None and colours[1] == scale.colours[-1]
    ties = ColourScale.from_reference([1, 1, 1, 1, 5])
    assert len(ties.breaks) == len(ties.colours) < 5


def test_naive_times_refused() -> None:
    rec = records(3)
    rec["occurred_at"] = rec["occurred_at"].dt.tz_localize(None)
    with pytest.raises(InputError):
        cube(rec, 9)


def test_study_area_and_children_in() -> None:
    import h3
    import shapely

    from grid.analysis.heat import children_in, study_area

    square = shapely.box(117.19, 39.11, 117.21, 39.13)
    bins = study_area([square], 8, extra=["8831aa5000fffff"])
    assert "8831aa5000fffff" in bins and list(bins) == sorted(bins)
    assert set(h3.geo_to_cells(square, 8)) <= set(bins)
    fine = [h3.latlng_to_cell(39.12, 117.20, 11), h3.latlng_to_cell(39.5, 117.5, 11)]
    parent = h3.cell_to_parent(fine[0], 8)
    assert list(children_in(fine, parent)) == [fine[0]]
    assert len(children_in([], parent)) == 0


def test_integer_classes_separate_whole_counts_and_label_ranges() -> None:
    """Breaks are whole numbers from 1, so 217 bins holding 2..95 records fall in five classes."""
    counts = np.linspace(2, 95, 217).round()
    scale = ColourScale.integer_classes(counts)
    assert scale.breaks[0] == 1.0 and all(float(b).is_integer() for b in scale.breaks)
    assert len(scale.breaks) == 5 and len(set(scale.classify(counts).tolist())) == 5
    assert scale.labels()[-1].startswith("≥") and "." not in "".join(scale.labels())
    assert scale.classify([1, 0]).tolist() == [0, -1]
    assert ColourScale.integer_classes([3, 3, 3]).labels() == ("1–2", "≥3")
    assert ColourScale.integer_classes([]).labels() == ("≥1",)
