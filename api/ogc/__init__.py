"""OGC API – Features: every layer for QGIS and GDAL, through one feature-view layer."""
