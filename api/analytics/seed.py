"""Demo data for the analytics views: roads, service centres and about a year of records.

Called once from ``api.io.demo.load_demo``. Records go in through the ORM, so the heat pre-aggregate
is filled by its listeners exactly as for records sent by tablets.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import shapely
from geoalchemy2 import WKTElement
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics import heatagg
from api.areas.cellcache import Location
from api.db import session_scope
from api.errors import OutsideCells
from api.models import Record, User, utcnow
from api.models.analytics import Centre, Road
from api.store import Store
from grid.analysis.coverage import CENTRE_KINDS
from grid.domain import caseflow
from grid.domain.catalog import CATEGORIES, RecordKind, record_rule

DEMO_RECORDS = 6000


def load_roads(session: Session, roads: gpd.GeoDataFrame) -> int:
    """Replace the road table with the lines of ``roads`` (multi-lines split into parts)."""
    session.query(Road).delete()
    n = 0
    for _, row in roads.iterrows():
        parts = getattr(row.geometry, "geoms", [row.geometry])
        for part in parts:
            if part.geom_type != "LineString" or part.is_empty:
                continue
            hw = row.get("highway")
            session.add(
                Road(
                    name=row.get("name") if isinstance(row.get("name"), str) else None,
                    highway=hw if isinstance(hw, str) else None,
                    geom=WKTElement(part.wkt, srid=4326),
                )
            )
            n += 1
    session.flush()
    return n


def _centre(kind: str, name: str, community_code: str | None, p: shapely.Point) -> Centre:
    """A demo centre of ``kind`` at ``p``, with that kind's radius and capacity."""
    spec = CENTRE_KINDS[kind]
    return Centre(
        kind=kind,
        name=name,
        community_code=community_code,
        lon=p.x,
        lat=p.y,
        geom=WKTElement(p.wkt, srid=4326),
        radius_m=spec.radius_m,
        capacity=spec.capacity,
    )


def _centres(buildings: gpd.GeoDataFrame, rng: np.random.Generator) -> list[Centre]:
    """One street centre and a community station in about half of the communities."""
    out = []
    comms = sorted(buildings["cell_code"].dropna().str[:12].unique())
    for i, comm in enumerate(comms):
        if i % 2:
            continue
        b = buildings[buildings["cell_code"].str[:12] == comm]
        p = b.geometry.iloc[int(rng.integers(len(b)))].centroid
        out.append(_centre("station", f"{comm[-3:]}社区服务站", comm, p))
    centre = shapely.union_all(buildings.geometry.to_numpy()).centroid
    out.append(_centre("street_centre", "街道综治中心", None, centre))
    return out


# how often a demo record happens in each local hour: mostly by day
HOUR_WEIGHTS = np.array(
    [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 8, 6, 4, 2], float
)


def _occurred(rng: np.random.Generator, now: datetime) -> tuple[int, datetime]:
    """A demo record's age in days (1 to 14 months) and its time, weighted by local hour (UTC+8)."""
    day = int(rng.integers(1, 425))
    at = (now - timedelta(days=day)).replace(
        hour=int(rng.choice(24, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())),
        minute=int(rng.integers(60)),
    ) - timedelta(hours=8)
    return day, at


def _category(kind: str, rng: np.random.Generator) -> str:
    """A category of ``kind``, the first ones of the catalogue the most frequent (1/rank)."""
    codes = [t.code for t in CATEGORIES[RecordKind(kind)]]
    w = 1.0 / np.arange(1, len(codes) + 1)
    return str(rng.choice(codes, p=w / w.sum()))


def _on_case_loop(rec: Record, day: int, rng: np.random.Generator) -> None:
    """Put a demo case on the loop: dispatched an hour after it happened, 80% of those older than
    four days closed within 2 to 96 hours, the rest still dispatched."""
    rec.priority = caseflow.Priority.ROUTINE.value
    rec.dispatched_at = rec.occurred_at + timedelta(hours=1)
    rec.deadline = caseflow.deadline(rec.dispatched_at, rec.priority)
    late = rng.random()
    if late < 0.8 and day > 4:
        rec.status = caseflow.Status.CLOSED.value
        rec.closed_at = rec.dispatched_at + timedelta(hours=float(rng.uniform(2, 96)))
    else:
        rec.status = caseflow.Status.DISPATCHED.value


def _record(
    rid: uuid.UUID,
    kind: str,
    category: str,
    at: datetime,
    lon: float,
    lat: float,
    where: Location,
    author: int,
) -> Record:
    """A demo record of ``kind`` at (lon, lat) in ``where``, written at the time it happened."""
    return Record(
        id=rid,
        kind=kind,
        category=category,
        description="示例记录",
        occurred_at=at,
        lon=lon,
        lat=lat,
        geom=WKTElement(f"POINT({lon!r} {lat!r})", srid=4326),
        cell_code=where.cell_code,
        community_code=where.community_code,
        h3=where.h3,
        author_id=author,
        created_at=at,
        updated_at=at,
        content_hash=hashlib.sha256(rid.bytes).hexdigest(),
    )



# The demo's mix of record kinds (petitions are not seeded: the demo's numbers stay as they were).
KIND_SHARE = {
    RecordKind.PATROL.value: 0.3,
    RecordKind.INCIDENT.value: 0.5,
    RecordKind.DISPUTE.value: 0.2,
}


def _records(
    store: Store,
    s: Session,
    buildings: gpd.GeoDataFrame,
    author: int,
    rng: np.random.Generator,
    n: int,
) -> int:
    """``n`` records over the past 14 months near buildings (a few buildings get many); those
    outside every cell are skipped. The number made."""
    pts = buildings.geometry.representative_point().to_numpy()
    weight = rng.pareto(1.2, len(pts)) + 0.05
    picks = rng.choice(len(pts), n, p=weight / weight.sum())
    now = utcnow()
    made = 0
    for i, b in enumerate(picks):
        lon = pts[b].x + rng.normal(0, 0.0002)
        lat = pts[b].y + rng.normal(0, 0.0002)
        kind = rng.choice(list(KIND_SHARE), p=list(KIND_SHARE.values()))
        day, at = _occurred(rng, now)
        try:
            where = store.cells.locate(lon, lat, now)  # the demo's cells start 30 days ago
        except OutsideCells:
            continue
        rid = uuid.UUID(int=int(rng.integers(2**62)) * 4 + i)
        rec = _record(rid, kind, _category(kind, rng), at, lon, lat, where, author)
        if record_rule(kind).case_loop:
            _on_case_loop(rec, day, rng)
        s.add(rec)
        made += 1
    return made


def seed_analytics(
    store: Store,
    buildings: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    seed: int = 0,
    n: int = DEMO_RECORDS,
) -> dict[str, int]:
    """Roads, centres and ``n`` records for the demo district, in one transaction."""
    rng = np.random.default_rng(seed)
    heatagg.install()  # as make_store does; a store built otherwise still counts its records
    with session_scope(store.sessions) as s:
        store.cells.refresh(s)
        officer = s.scalars(select(User.id).where(User.username == "admin")).one()
        n_roads = load_roads(s, roads)
        centres = _centres(buildings, rng)
        s.add_all(centres)
        made = _records(store, s, buildings, officer, rng, n)
    return {"roads": n_roads, "centres": len(centres), "records": made}
