"""The fixture world for the browser tests: one community of 30 square cells led by `officer`
(3000 buildings, 500 places: the size the first-load target is set for), and a neighbouring
community of 4 cells led by `officer2`. Accounts are the demo accounts of docs/CONTRACTS.md."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import shapely

DISTRICT, STREET = "120101", "120101001"
C1, C2 = "120101001001", "120101001002"
X0, Y0 = 117.2000, 39.1150          # south-west corner, in 和平区
DX, DY = 0.0018, 0.0014             # one cell ≈ 155 m × 155 m
COLS, ROWS = 6, 5                   # 30 cells in C1
C2_COLS = 2                         # C2: 2 × 2 cells east of C1
BUILDINGS_PER_CELL = 100            # 10 × 10 → 3000 buildings
PLACES = 500
VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
PASSWORDS = {"admin": "wangge-admin", "street": "wangge-street", "officer": "wangge-officer",
             "officer2": "wangge-officer2", "police": "wangge-police"}


def cell_box(col: int, row: int) -> shapely.Polygon:
    """Cell at column ``col`` (west→east) and row ``row`` (north→south)."""
    x = X0 + col * DX
    y = Y0 + (ROWS - 1 - row) * DY
    return shapely.box(x, y, x + DX, y + DY)


def cells() -> gpd.GeoDataFrame:
    rows = []
    for r in range(ROWS):
        for c in range(COLS):
            rows.append((f"{C1}{r * COLS + c + 1:03d}", C1, cell_box(c, r)))
    for r in range(2):
        for c in range(C2_COLS):
            rows.append((f"{C2}{r * C2_COLS + c + 1:03d}", C2, cell_box(COLS + c, r)))
    return gpd.GeoDataFrame({"code": [r[0] for r in rows], "community_code": [r[1] for r in rows],
                             "households": 150}, geometry=[r[2] for r in rows], crs=4326)


def buildings(cell_gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geoms, codes, names = [], [], []
    n = int(BUILDINGS_PER_CELL ** 0.5)
    for code, geom in zip(cell_gdf.code, cell_gdf.geometry, strict=True):
        if not code.startswith(C1):
            continue
        x0, y0, x1, y1 = geom.bounds
        sx, sy = (x1 - x0) / n, (y1 - y0) / n
        for i in range(n):
            for j in range(n):
                bx, by = x0 + (i + 0.2) * sx, y0 + (j + 0.2) * sy
                geoms.append(shapely.box(bx, by, bx + 0.6 * sx, by + 0.5 * sy))
                codes.append(code)
                names.append(f"{code[-3:]}-{i * n + j + 1}号楼")
    return gpd.GeoDataFrame({"cell_code": codes, "name": names, "households": 12,
                             "households_estimated": True}, geometry=geoms, crs=4326)


def place_points() -> list[tuple[float, float]]:
    """500 points spread over C1's cells, between the buildings."""
    pts = []
    per_cell = PLACES // (COLS * ROWS) + 1
    for r in range(ROWS):
        for c in range(COLS):
            x0, y0, _, _ = cell_box(c, r).bounds
            for k in range(per_cell):
                x = x0 + DX * (0.05 + 0.1 * (k % 9))
                y = y0 + DY * (0.1 + 0.1 * (k // 9)) - DY * 0.02
                pts.append((x, y))
    return pts[:PLACES]


def seed(database_url: str) -> None:
    """Load the world and the accounts into a fresh database."""
    from api.db import session_scope
    from api.io.loaders import add_user, assign_leader, load_area, load_buildings, load_cells
    from api.settings import Settings
    from api.store import make_store

    store = make_store(Settings(database_url=database_url, secret_key="browser-tests"))
    cg = cells()
    full = shapely.box(X0, Y0, X0 + (COLS + C2_COLS) * DX, Y0 + ROWS * DY)
    c1 = shapely.box(X0, Y0, X0 + COLS * DX, Y0 + ROWS * DY)
    c2 = shapely.union_all(cg[cg.community_code == C2].geometry.values)
    with session_scope(store.sessions) as s:
        load_area(s, "district", gpd.GeoDataFrame({"code": [DISTRICT], "name": ["和平区"]},
                                                  geometry=[full], crs=4326))
        load_area(s, "street", gpd.GeoDataFrame(
            {"code": [STREET], "name": ["劝业场街道"], "district_code": [DISTRICT]},
            geometry=[full], crs=4326))
        load_area(s, "community", gpd.GeoDataFrame(
            {"code": [C1, C2], "name": ["一社区", "二社区"], "street_code": [STREET, STREET]},
            geometry=[c1, c2], crs=4326))
        load_cells(s, cg, VALID_FROM)
        load_buildings(s, buildings(cg))
        add_user(s, "admin", PASSWORDS["admin"], "admin")
        add_user(s, "street", PASSWORDS["street"], "street", street_code=STREET)
        add_user(s, "officer", PASSWORDS["officer"], "officer", display_name="王网格",
                 phone="13812345678")
        add_user(s, "officer2", PASSWORDS["officer2"], "officer", display_name="李网格")
        add_user(s, "police", PASSWORDS["police"], "police")
        for code in cg.code:
            assign_leader(s, code, "officer" if code.startswith(C1) else "officer2", VALID_FROM)
    store.engine.dispose()
