"""Helpers of the visit tests: households, residents, tags and visits made through the API."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import C1
from sqlalchemy import select

from api.db import session_scope
from api.models import Building

ZONE = ZoneInfo("Asia/Shanghai")
CELL = C1 + "001"  # the officer's cell with a fixture building


def building_in(api, cell: str) -> int:  # noqa: ANN001
    """The id of the fixture building in ``cell``."""
    with session_scope(api.store.sessions) as s:
        return s.scalar(select(Building.id).where(Building.cell_code == cell))


def household(api, user: str = "officer", cell: str = CELL) -> str:  # noqa: ANN001
    """A new household (a room of its own) in the fixture building of ``cell``; its id."""
    body = {
        "id": str(uuid.uuid4()),
        "building_id": building_in(api, cell),
        "unit": "2",
        "floor": "5",
        "room": uuid.uuid4().hex[:8],
        "moved_in": "2020-05-01",
    }
    r = api.post("/households", user, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def person(api, household_id: str, user: str = "officer", name: str = "李秀英") -> str:  # noqa: ANN001
    """A new resident (no ID number) of ``household_id``; their id."""
    body = {
        "id": str(uuid.uuid4()),
        "household_id": household_id,
        "name": name,
        "person_type": "registered",
        "relation": "self",
        "moved_in": "2020-05-01",
    }
    r = api.post("/persons", user, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def tag(api, person_id: str, group: str, start: date, user: str = "officer", **over) -> dict:  # noqa: ANN001, ANN003
    """A key-group tag of ``person_id`` from ``start``; the answer."""
    body = {"group": group, "start": start.isoformat()} | over
    r = api.post(f"/persons/{person_id}/tags", user, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def at(day: date, hour: int = 10) -> str:
    """A local time on ``day`` as ISO text with its offset (today: a minute ago when the hour
    has not come yet, so it is never in the future)."""
    when = datetime.combine(day, time(hour), ZONE)
    now = datetime.now(ZONE) - timedelta(minutes=1)
    return (now if now.date() == day and when > now else when).isoformat()


def visit_body(day: date, **over) -> dict:  # noqa: ANN003
    """A routine visit on ``day`` (a target must be given in ``over``)."""
    return {
        "id": str(uuid.uuid4()),
        "purpose": "routine",
        "visited_at": at(day),
        "notes": "入户走访",
    } | over


def visit(api, day: date, user: str = "officer", **over) -> dict:  # noqa: ANN001, ANN003
    """A stored visit; the answer."""
    r = api.post("/visits", user, json=visit_body(day, **over))
    assert r.status_code == 201, r.text
    return r.json()
