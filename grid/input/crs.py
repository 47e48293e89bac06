"""Coordinate reference systems: storage in WGS84, computation in a metric CRS chosen per area.

DESIGN §5: store EPSG:4326; measure in the UTM zone of the area's centre. GCJ-02 and BD-09
conversion and coordinate sanity checks live beside this in ``grid.input.shift`` and
``grid.input.validate``.
"""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS

WGS84 = CRS.from_epsg(4326)


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS containing (lon, lat): metres with small distortion nearby."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """A metric CRS for the data's area, picked from the centre of its WGS84 bounds."""
    g = gdf.to_crs(WGS84) if gdf.crs is not None and not gdf.crs.equals(WGS84) else gdf
    minx, miny, maxx, maxy = g.total_bounds
    return utm_crs((minx + maxx) / 2.0, (miny + maxy) / 2.0)


def to_metric(gdf: gpd.GeoDataFrame, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """``gdf`` projected to ``crs`` or to the metric CRS of its own area."""
    return gdf.to_crs(crs or metric_crs(gdf))


def projected(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """``gdf.to_crs(crs)`` in about half its time: only the active geometry column is
    transformed, and the other columns are not copied twice."""
    return gdf.set_geometry(gdf.geometry.to_crs(crs))

