"""GCJ-02 / BD-09 conversions match published values and invert to well under a metre."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from grid.input.shift import (
    bd09_to_wgs84,
    gcj02_to_wgs84,
    looks_shifted,
    looks_shifted_inside,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# (WGS84 lon, lat) → GCJ-02 and BD-09, computed with the public-domain `prcoords` package
# (an independent implementation of the same published formulas).
KNOWN = [
    ((116.391275, 39.906217), (116.397516005, 39.907618208), (116.403889945, 39.913961932)),
    ((117.200983, 39.118119), (117.207285, 39.119145568), (117.213800778, 39.125095467)),
    ((121.473701, 31.230416), (121.478224057, 31.228473742), (121.484782472, 31.234326581)),
    ((114.057868, 22.543099), (114.062981961, 22.540381758), (114.069531967, 22.546040413)),
]
M_PER_DEG = 111_320.0


def china_points(n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Random points across mainland China's extent (seeded)."""
    rng = np.random.default_rng(42)
    return rng.uniform(73.5, 134.8, n), rng.uniform(18.2, 53.5, n)


@pytest.mark.parametrize(("wgs", "gcj", "bd"), KNOWN)
def test_forward_matches_published_values(wgs, gcj, bd) -> None:
    assert np.allclose(wgs84_to_gcj02(*wgs), gcj, atol=2e-9)
    assert np.allclose(wgs84_to_bd09(*wgs), bd, atol=2e-9)


@pytest.mark.parametrize(("wgs", "gcj", "bd"), KNOWN)
def test_inverse_recovers_known_wgs84(wgs, gcj, bd) -> None:
    assert np.allclose(gcj02_to_wgs84(*gcj), wgs, atol=1e-8)
    assert np.allclose(bd09_to_wgs84(*bd), wgs, atol=1e-8)


def test_round_trip_error_below_one_millimetre_across_china() -> None:
    lon, lat = china_points()
    for forward, inverse in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        back_lon, back_lat = inverse(*forward(lon, lat))
        err = np.hypot((back_lon - lon) * np.cos(np.radians(lat)), back_lat - lat) * M_PER_DEG
        assert err.max() < 0.001
        shift_lon, shift_lat = forward(lon, lat)
        moved = np.hypot((shift_lon - lon) * np.cos(np.radians(lat)), shift_lat - lat) * M_PER_DEG
        assert np.median(moved) > 100  # the shift is real: hundreds of metres


def test_outside_china_is_unchanged_and_shapes_are_kept() -> None:
    lon, lat = np.array([[2.35, -74.0], [24.94, 151.2]]), np.array([[48.85, 40.7], [60.17, -33.9]])
    for f in (wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09, bd09_to_wgs84):
        out_lon, out_lat = f(lon, lat)
        assert out_lon.shape == (2, 2)
        assert np.array_equal(out_lon, lon) and np.array_equal(out_lat, lat)


def test_looks_shifted_detects_gcj02_points_and_not_clean_ones() -> None:
    rng = np.random.default_rng(1)
    ref_lon, ref_lat = rng.uniform(117.17, 117.22, 500), rng.uniform(39.10, 39.14, 500)
    verdict = looks_shifted(*wgs84_to_gcj02(ref_lon, ref_lat), ref_lon, ref_lat)
    assert verdict.shifted and verdict.system == "gcj02"
    assert verdict.before > 100 and verdict.after < 1
    assert "gcj02" in verdict.message("b.geojson")
    assert looks_shifted(*wgs84_to_bd09(ref_lon, ref_lat), ref_lon, ref_lat).system == "bd09"
    assert not looks_shifted(ref_lon + 1e-6, ref_lat, ref_lon, ref_lat).shifted


def test_looks_shifted_inside_reference_polygons() -> None:
    rng = np.random.default_rng(2)
    polys = shapely.box(117.18 + 0.01 * np.arange(3), 39.11, 117.181 + 0.01 * np.arange(3), 39.12)
    lon = np.repeat(117.1805 + 0.01 * np.arange(3), 50) + rng.uniform(-3e-4, 3e-4, 150)
    lat = rng.uniform(39.111, 39.119, 150)
    assert not looks_shifted_inside(lon, lat, polys).shifted
    verdict = looks_shifted_inside(*wgs84_to_gcj02(lon, lat), polys)
    assert verdict.shifted and verdict.system == "gcj02" and verdict.unit == "share"
    assert verdict.before > 0.5 and verdict.after == 0.0
    assert "fall outside the reference layer" in verdict.message("b.csv")
