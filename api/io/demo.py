"""The demo: Heping district (120101) from data/boundaries, partitioned into cells by grid,
with the demo accounts of CONTRACTS.md and a few places and records."""

from __future__ import annotations

import uuid
import zlib
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from api.accounts.access import load_scope
from api.analytics.seed import seed_analytics
from api.db import session_scope
from api.io.loaders import (
    add_user,
    assign_leader,
    load_area,
    load_buildings,
    load_cells,
    load_vertical_cells,
)
from api.models import Cell, Community, User, utcnow
from api.places.schemas import PlaceIn
from api.places.service import create_place
from api.records.schemas import RecordIn
from api.records.service import create_record
from api.roster.demo import seed_rosters
from api.store import Store
from grid.domain.caseflow import Priority
from grid.domain.catalog import PlaceKind, RecordKind, RiskLevel
from grid.input.io import read_layer
from grid.input.prepare import prepare
from grid.partition import partition

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "boundaries"
DEMO_STREET = "120101001"
ACCOUNTS = (  # username, password, role (CONTRACTS.md, "Demo accounts")
    ("admin", "wangge-admin", "admin"),
    ("street", "wangge-street", "street"),
    ("officer", "wangge-officer", "officer"),
    ("officer2", "wangge-officer2", "officer"),
    ("police", "wangge-police", "police"),
)
# The names people see (notice boards, the tablet's top bar): made-up, never a login name.
DISPLAY_NAMES = {
    "admin": "系统管理员",
    "street": "街道办 李敏",
    "officer": "王芳",
    "officer2": "张伟",
    "police": "社区民警 刘洋",
}


def is_empty(store: Store) -> bool:
    """Whether the store has no cells and no users yet."""
    with store.sessions() as s:
        return not s.scalar(select(func.count()).select_from(Cell)) and not s.scalar(
            select(func.count()).select_from(User)
        )


def load_demo(store: Store, data: Path = DATA, seed: int = 0) -> dict[str, int]:
    """Load, partition and seed the demo district in one transaction; returns what was loaded."""
    district = read_layer(data / "heping_district.geojson", kind="boundaries")
    streets = read_layer(data / "heping_streets.geojson", kind="boundaries")
    ready = prepare(
        data / "heping_communities.geojson",
        data / "heping_buildings.geojson",
        data / "heping_roads.geojson",
    )
    communities, roads = ready.communities, ready.roads
    result = partition(communities, ready.buildings, roads, seed=seed)
    at = utcnow() - timedelta(days=30)
    with session_scope(store.sessions) as s:
        load_area(s, "district", district)
        load_area(s, "street", streets)
        load_area(s, "community", communities)
        load_cells(s, result.cells, at)
        load_vertical_cells(s, result.vertical, list(communities["code"].astype(str)), at)
        load_buildings(s, result.buildings)
        for username, password, role in ACCOUNTS:
            add_user(
                s,
                username,
                password,
                role,
                display_name=DISPLAY_NAMES.get(username, username),
                phone="138" + f"{zlib.crc32(username.encode()) % 10**8:08d}",  # stable across runs
                street_code=DEMO_STREET if role == "street" else None,
            )
        first_two = s.scalars(
            select(Community.code)
            .where(Community.street_code == DEMO_STREET)
            .order_by(Community.code)
            .limit(2)
        ).all()
        for officer, comm in zip(("officer", "officer2"), first_two, strict=False):
            for code in result.cells.loc[result.cells.community_code == comm, "code"]:
                assign_leader(s, str(code), officer, at)
    _seed_field_data(store, result.cells, first_two[0] if first_two else None)
    seed_rosters(store)
    seed_analytics(store, result.buildings, roads)
    return {
        "communities": len(communities),
        "cells": len(result.cells),
        "buildings": len(result.buildings),
    }


def _seed_field_data(store: Store, cells, community: str | None) -> None:  # noqa: ANN001
    """A few places and records in the officer's first cells, through the same checks as the API."""
    if community is None:
        return
    mine = cells[cells.community_code == community].head(3)
    with store.sessions() as s:
        store.cells.refresh(s)
        officer = s.scalars(select(User).where(User.username == "officer")).one()
        scope = load_scope(s, officer)
        now = utcnow()
        for i, (_, cell) in enumerate(mine.iterrows()):
            p = cell.geometry.representative_point()
            ns = uuid.UUID(int=i + 1)
            create_place(
                s,
                store,
                scope,
                PlaceIn(
                    id=uuid.uuid5(ns, "place"),
                    kind=(PlaceKind.RENTAL, PlaceKind.INTERNET_CAFE, PlaceKind.HAZARD)[i % 3],
                    name=f"示例场所{i + 1}",
                    address=f"示例路{i + 1}号",
                    lon=p.x,
                    lat=p.y,
                    risk_level=(RiskLevel.NORMAL, RiskLevel.WATCH, RiskLevel.STRICT)[i % 3],
                    attrs={"category": "ebike_charging"} if i % 3 == 2 else {},
                ),
            )
            create_record(
                s,
                store,
                scope,
                RecordIn(
                    id=uuid.uuid5(ns, "record"),
                    kind=RecordKind.INCIDENT,
                    category="hazard",
                    priority=Priority.HAZARD,
                    description=f"示例事件{i + 1}：楼道飞线充电",
                    occurred_at=now - timedelta(hours=i + 1),
                    lon=p.x,
                    lat=p.y,
                ),
            )
