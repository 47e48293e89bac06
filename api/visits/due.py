"""Due visits (``GET /visits/due``): the key-group members of the caller's cells, their tags
and the visits that closed their items, put through ``grid.register.visits.due_items``.

Names follow the register's rule (``api.register.masking``) per group: masked unless the caller
reads with a purpose and the group's access rule lets their role see identities (then each person
shown in full is audited). The police get counts per cell for every group and items only for the
groups whose access rule names them.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.errors import InvalidInput
from api.models import Building, Cell, Person, PersonTag
from api.models.visits import Visit, VisitPerson
from api.periods import ZONE
from api.register.masking import mask_name, may_see_identity
from api.register.view import Reader
from grid.domain.caseflow import Role
from grid.register import catalog
from grid.register.visits import VISIT_PURPOSES, DueItem, TagSpan, due_items

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Member:
    """A key-group member as the due list needs them (no personal field)."""

    id: uuid.UUID
    household_id: uuid.UUID
    building_id: int
    cell_code: str
    community_code: str | None
    moved_in: date | None
    moved_out: date | None


def members(
    s: Session, cells: Collection[str], start: date, end: date
) -> tuple[dict[uuid.UUID, Member], list[TagSpan]]:
    """The persons of ``cells`` living there at some day of [start, end) with a tag, and their
    tags."""
    q = (
        select(
            Person.id,
            Person.household_id,
            Person.building_id,
            Person.cell_code,
            Person.community_code,
            Person.moved_in,
            Person.moved_out,
            PersonTag.group,
            PersonTag.start,
            PersonTag.end,
            PersonTag.reoffended_on,
        )
        .join(PersonTag, PersonTag.person_id == Person.id)
        .where(
            Person.cell_code.in_(sorted(cells)),
            or_(Person.moved_in.is_(None), Person.moved_in < end),
            or_(Person.moved_out.is_(None), Person.moved_out > start),
        )
    )
    people: dict[uuid.UUID, Member] = {}
    spans: list[TagSpan] = []
    for pid, hid, bid, cell, comm, moved_in, moved_out, group, since, stop, again in s.execute(q):
        if pid not in people:
            people[pid] = Member(pid, hid, bid, cell or "", comm, moved_in, moved_out)
        spans.append(TagSpan(pid, group, since, stop, again))
    return people, spans


def closing_days(
    s: Session, people: dict[uuid.UUID, Member], until: datetime
) -> dict[Hashable, list[date]]:
    """Each member's local days of visits before ``until`` that close their items: those they
    were met on, and key-group follow-ups (purposes whose rule says so) to their household
    while they lived there."""
    out: dict[Hashable, list[date]] = defaultdict(list)
    ids = sorted(people)
    for i in range(0, len(ids), 500):
        q = (
            select(VisitPerson.person_id, Visit.visited_at)
            .join(Visit, Visit.id == VisitPerson.visit_id)
            .where(VisitPerson.person_id.in_(ids[i : i + 500]), Visit.visited_at < until)
        )
        for pid, at in s.execute(q):
            out[pid].append(at.astimezone(ZONE).date())
    by_home: dict[uuid.UUID, list[Member]] = defaultdict(list)
    for m in people.values():
        by_home[m.household_id].append(m)
    homes = sorted(by_home)
    closing = [p.code for p in VISIT_PURPOSES if p.household_closes]
    for i in range(0, len(homes), 500):
        q2 = select(Visit.household_id, Visit.visited_at).where(
            Visit.household_id.in_(homes[i : i + 500]),
            Visit.purpose.in_(closing),
            Visit.visited_at < until,
        )
        for hid, at in s.execute(q2):
            if hid is None:
                continue
            day = at.astimezone(ZONE).date()
            for m in by_home[hid]:
                if (m.moved_in is None or m.moved_in <= day) and (
                    m.moved_out is None or day < m.moved_out
                ):
                    out[m.id].append(day)
    return out


def reach(reader: Reader, cell: str | None) -> list[str]:
    """The current cells the caller may see (one when ``cell`` is given)."""
    s, scope = reader.session, reader.scope
    q = scope.visible(select(Cell.code).where(Cell.valid_to.is_(None)), Cell, "code")
    codes = sorted(set(s.scalars(q)))
    if cell is not None:
        if cell not in codes:
            raise InvalidInput(f"no cell {cell} in your reach", ("query", "cell"))
        return [cell]
    return codes


def points(s: Session, building_ids: Collection[int]) -> dict[int, tuple[float, float]]:
    """A point on each building's surface."""
    p = func.ST_PointOnSurface(Building.geom)
    q = select(Building.id, func.ST_X(p), func.ST_Y(p)).where(Building.id.in_(sorted(building_ids)))
    return {b: (float(x), float(y)) for b, x, y in s.execute(q)} if building_ids else {}


def _names(reader: Reader, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The decrypted names of ``ids``."""
    rows = reader.session.execute(select(Person.id, Person.name).where(Person.id.in_(sorted(ids))))
    return {pid: reader.cipher.decrypt("name", blob) or "" for pid, blob in rows}


def due_list(reader: Reader, cell: str | None, within_days: int, on: date) -> dict[str, Any]:
    """The due visits of the caller's cells on day ``on`` (``DueOut``)."""
    s, scope = reader.session, reader.scope
    cells = reach(reader, cell)
    people, spans = members(s, cells, on, on + ONE_DAY)
    until = datetime.combine(on + ONE_DAY, time(), ZONE)
    items = due_items(spans, closing_days(s, people, until), on, within_days)
    per_cell: dict[str, Counter[str]] = {c: Counter() for c in cells}
    for it in items:
        per_cell[people[it.person_id].cell_code][it.state] += 1  # type: ignore[index]
    police = scope.role == Role.POLICE
    shown = [
        it for it in items if not police or it.group in catalog.identity_groups(Role.POLICE.value)
    ]
    names = _names(reader, {it.person_id for it in shown})  # type: ignore[misc]
    where = points(s, {people[it.person_id].building_id for it in shown})  # type: ignore[index]
    out = [_item(reader, people[it.person_id], it, names, where) for it in shown]  # type: ignore[index]
    reader.finish()
    total = Counter(it.state for it in items)
    return {
        "on": on.isoformat(),
        "within_days": within_days,
        "items": out,
        "counts": {"overdue": total["overdue"], "due": total["due"]},
        "cells": [
            {"cell_code": c, "overdue": n["overdue"], "due": n["due"]}
            for c, n in sorted(per_cell.items())
        ],
    }


def _item(
    reader: Reader,
    m: Member,
    it: DueItem,
    names: dict[uuid.UUID, str],
    where: dict[int, tuple[float, float]],
) -> dict[str, Any]:
    """One due item with the name as the caller may see it (audited when in full)."""
    name = names.get(m.id, "")
    full = bool(reader.purpose) and may_see_identity(
        reader.scope, m.cell_code, m.community_code, {it.group}
    )
    if full and m.id not in reader.unmasked:
        audit(
            reader.session,
            reader.scope.user_id,
            "read_personal",
            "person",
            m.id,
            {"purpose": reader.purpose, "via": "visits_due"},
        )
        reader.unmasked.append(m.id)
    lon, lat = where.get(m.building_id, (None, None))
    return {
        "person_id": str(m.id),
        "name": name if full else mask_name(name),
        "group": it.group,
        "household_id": str(m.household_id),
        "building_id": m.building_id,
        "cell_code": m.cell_code,
        "lon": lon,
        "lat": lat,
        "due_on": it.due_on.isoformat(),
        "last_visit": it.last_visit.isoformat() if it.last_visit else None,
        "state": it.state,
    }
