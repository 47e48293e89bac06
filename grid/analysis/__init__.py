"""Analysis of records and places over the cells: point → cell and H3 (``assign``), counts and
KPIs (``counts``), heat bins and colour scales (``heat``), Gi* hot spots and period comparison
(``hotspots``), service-centre coverage (``coverage``) and where to add centres (``siting``).
"""
