"""Analysis of records and places over the cells: point → cell (``assign``) and point → H3
(``h3index``), counts and KPIs (``counts``), heat bins and colour scales (``heat``), Gi* hot spots
and period comparison (``hotspots``), service-centre coverage (``coverage``) and where to add
centres (``siting``).
"""
