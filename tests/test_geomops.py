"""Geometry repairs the partition relies on when it writes cells (grid.geomops)."""

from __future__ import annotations

import numpy as np
import shapely

from grid.geomops import valid_polygons, without_crumbs


def test_a_pinched_cell_keeps_its_body_and_drops_the_crumb() -> None:
    # a 100 m square whose corner carries a lobe of 1 mm² hanging by one point, as a ring that
    # touches itself: invalid, and make_valid splits it in two
    ring = [(0, 0), (100, 0), (100, 100), (100.001, 100.001), (100.002, 100), (100, 100),
            (0, 100), (0, 0)]
    pinched = shapely.Polygon(ring)
    assert not pinched.is_valid
    repaired = valid_polygons(np.array([pinched], dtype=object))
    assert repaired[0].geom_type == "MultiPolygon"
    out = without_crumbs(repaired)[0]
    assert out.geom_type == "Polygon" and out.is_valid
    assert abs(out.area - 100 * 100) < 1e-6


def test_two_real_pieces_stay_two() -> None:
    two = shapely.MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(20, 0, 21, 1)])
    one = shapely.box(0, 0, 1, 1)
    out = without_crumbs(np.array([two, one, shapely.Polygon()], dtype=object))
    assert out[0].equals(two) and out[1].equals(one) and out[2].is_empty
