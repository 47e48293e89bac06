"""Input: reading layers (``io``), checking them (``validate``; ``tiling`` for cell layers,
``communities`` for community layers), GCJ-02/BD-09 shifts (``shift``), CRS helpers (``crs``),
household estimation (``households``), and the one pipeline over them, ``prepare.prepare``
(read → check coordinates → repair polygons → shift warnings → estimate households).
"""
