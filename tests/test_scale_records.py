"""Record coordinates read straight from point WKB: the same numbers shapely reads, and no fast
answer (so shapely reads them) for anything but little-endian 2D points; the synthetic
generator's WKB is what shapely writes."""

import sys
from pathlib import Path

import numpy as np
import shapely

from grid.scale.reassign import wkb_points_xy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "boundaries"))
from province import point_wkb  # noqa: E402


def test_point_wkb_is_read_as_shapely_reads_it() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.uniform(-180, 180, 1000), rng.uniform(-90, 90, 1000)
    wkb = shapely.to_wkb(shapely.points(x, y))
    got = wkb_points_xy(wkb)
    assert got is not None
    assert np.array_equal(got[0], x) and np.array_equal(got[1], y)
    ours = point_wkb(x, y).to_numpy(zero_copy_only=False)
    assert list(ours) == list(wkb)


def test_other_geometries_are_left_to_shapely() -> None:
    pt = shapely.points([[1.0, 2.0]])
    assert wkb_points_xy(shapely.to_wkb(pt, byte_order=0)) is None  # big endian
    assert wkb_points_xy(shapely.to_wkb(shapely.points([[1.0, 2.0, 3.0]]))) is None  # 3D
    line = shapely.to_wkb(shapely.linestrings([[0, 0], [1, 1]]))
    assert wkb_points_xy(np.array([*shapely.to_wkb(pt), *line], dtype=object)) is None
    assert wkb_points_xy(np.array([shapely.to_wkb(pt)[0], None], dtype=object)) is None
    assert wkb_points_xy(np.array([], dtype=object)) is None
