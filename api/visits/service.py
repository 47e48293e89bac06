"""Visits: the one write path (``POST /visits``, resend-safe like records) and how a visit is
answered, with the due items it closes.

A visit names exactly one target (household, building or place); its cell and community are the
target's, which must lie in the caller's reach at the visit's time (``Scope.covers_at``), else
the same 422 as an unknown id, so a refusal does not tell which ids exist. The persons met must
be in reach too. Its point is the one sent, else the target's.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.accounts.audit import audit
from api.checks import check_photos, check_point, check_time, check_visit
from api.errors import InvalidInput
from api.models import Building, Household, Person, PersonTag, Place, User, utcnow
from api.models.keyed import Shown, content_hash, create_or_resend, point_wkt, resend_of
from api.models.visits import Visit, VisitNeed, VisitPerson
from api.periods import ZONE
from api.register.view import span
from api.store import Store
from api.visits.schemas import VisitIn
from grid.register.catalog import identity_groups
from grid.register.visits import VISIT_PURPOSES, active, purpose, visit_rules

TARGETS = ("household_id", "building_id", "place_id")


def local_day(v: Visit) -> date:
    """The local (Asia/Shanghai) day of a visit."""
    return v.visited_at.astimezone(ZONE).date()


def closes(s: Session, visits: list[Visit]) -> dict[uuid.UUID, list[dict[str, str]]]:
    """The due items each visit closes: the scheduled memberships, on the visit's day, of the
    persons met, and on a purpose that says so (a key-group follow-up) of every person living
    in the household visited."""
    met = met_persons(s, visits)
    rules = visit_rules()
    people: dict[uuid.UUID, set[uuid.UUID]] = {v.id: set(met.get(v.id, ())) for v in visits}
    homes = {v.household_id for v in visits if v.household_id and household_closes(v.purpose)}
    if homes:
        rows = s.execute(
            select(Person.id, Person.household_id, Person.moved_in, Person.moved_out).where(
                Person.household_id.in_(homes)
            )
        ).all()
        for v in visits:
            if v.household_id in homes:
                day = local_day(v)
                people[v.id] |= {
                    pid
                    for pid, hid, moved_in, moved_out in rows
                    if hid == v.household_id
                    and (moved_in is None or moved_in <= day)
                    and (moved_out is None or day < moved_out)
                }
    ids = sorted({p for ps in people.values() for p in ps})
    tags: dict[uuid.UUID, list[PersonTag]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        for t in s.scalars(select(PersonTag).where(PersonTag.person_id.in_(ids[i : i + 500]))):
            tags[t.person_id].append(t)
    out: dict[uuid.UUID, list[dict[str, str]]] = {}
    for v in visits:
        day, found = local_day(v), set()
        for pid in people[v.id]:
            for t in tags.get(pid, []):
                rule = rules.get(t.group)
                if rule and rule.every_days and active(span(t), rule, day):
                    found.add((str(pid), t.group))
        out[v.id] = [{"person_id": p, "group": g} for p, g in sorted(found)]
    return out


def household_closes(code: str) -> bool:
    """Whether a visit of purpose ``code`` to a household closes its members' due items."""
    try:
        return purpose(code).household_closes
    except KeyError:
        return False


def met_persons(s: Session, visits: Iterable[Visit]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The persons met on each visit."""
    ids = [v.id for v in visits]
    out: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        q = select(VisitPerson).where(VisitPerson.visit_id.in_(ids[i : i + 500]))
        for vp in s.scalars(q):
            out[vp.visit_id].append(vp.person_id)
    return out


def visits_json(s: Session, scope: Scope, visits: list[Visit]) -> list[dict[str, Any]]:
    """Visits as answered (``VisitOut``) to ``scope``, their persons, needs, authors and closings
    read at once. Key-group membership is personal: ``closes`` names only the groups whose
    access rule lets the caller's role see identities (the police: not 独居老人, 低保...)."""
    if not visits:
        return []
    met, closed = met_persons(s, visits), closes(s, visits)
    groups = identity_groups(scope.role.value)
    needs: dict[uuid.UUID, list[VisitNeed]] = defaultdict(list)
    for n in s.scalars(
        select(VisitNeed)
        .where(VisitNeed.visit_id.in_([v.id for v in visits]))
        .order_by(VisitNeed.n)
    ):
        needs[n.visit_id].append(n)
    authors = dict(
        s.execute(
            select(User.id, User.username).where(User.id.in_({v.author_id for v in visits}))
        ).all()
    )
    return [
        {
            "id": str(v.id),
            "cell_code": v.cell_code,
            "community_code": v.community_code,
            "household_id": str(v.household_id) if v.household_id else None,
            "building_id": v.building_id,
            "place_id": str(v.place_id) if v.place_id else None,
            "person_ids": sorted(str(p) for p in met.get(v.id, [])),
            "purpose": v.purpose,
            "visited_at": v.visited_at.isoformat(),
            "notes": v.notes,
            "needs": [
                {
                    "n": n.n,
                    "text": n.text,
                    "follow_up": n.follow_up,
                    "record_id": str(n.record_id) if n.record_id else None,
                }
                for n in needs.get(v.id, [])
            ],
            "photos": list(v.photos),
            "lon": v.lon,
            "lat": v.lat,
            "author": authors.get(v.author_id),
            "closes": [c for c in closed[v.id] if c["group"] in groups],
            "version": v.version,
        }
        for v in visits
    ]


def shown(s: Session, scope: Scope) -> Shown[Visit]:
    """How ``scope`` sees visits: in its cells/communities, or written by it."""
    return Shown(
        Visit,
        lambda v: v.author_id == scope.user_id or scope.sees_cell(v.cell_code, v.community_code),
        lambda v: visits_json(s, scope, [v])[0],
    )


def _target(s: Session, scope: Scope, body: VisitIn) -> tuple[Any, float, float]:
    """The household, building or place visited, in the caller's reach at the visit's time,
    with its point (a building's: a point on its surface)."""
    given = [name for name in TARGETS if getattr(body, name) is not None]
    if len(given) != 1:
        raise InvalidInput(
            "give exactly one of household_id, building_id and place_id", ("body", "household_id")
        )
    at = body.visited_at
    if body.household_id is not None:
        h = s.get(Household, body.household_id)
        if h is None or h.cell_code is None or h.community_code is None:
            raise InvalidInput("no such household", ("body", "household_id"))
        if not scope.covers_at(h.cell_code, h.community_code, at):
            raise InvalidInput("no such household", ("body", "household_id"))
        return h, *_building_point(s, h.building_id)
    target = check_visit(s, scope, body.place_id, body.building_id, at, ("body",))
    if target.cell_code is None or target.community_code is None:
        raise InvalidInput("the building lies in no cell", ("body", "building_id"))
    if isinstance(target, Place):
        return target, target.lon, target.lat
    return target, *_building_point(s, target.id)


def _building_point(s: Session, building_id: int) -> tuple[float, float]:
    """A point on a building's surface (lon, lat)."""
    p = func.ST_PointOnSurface(Building.geom)
    x, y = s.execute(select(func.ST_X(p), func.ST_Y(p)).where(Building.id == building_id)).one()
    return float(x), float(y)


def _met(s: Session, scope: Scope, body: VisitIn) -> list[uuid.UUID]:
    """The persons met, each in the caller's reach at the visit's time (an unknown id and one
    out of reach get the same answer)."""
    seen: set[uuid.UUID] = set()
    for i, pid in enumerate(body.person_ids):
        loc = ("body", "person_ids", i)
        if pid in seen:
            raise InvalidInput("this person is listed twice", loc)
        seen.add(pid)
        p = s.get(Person, pid)
        if p is None or not scope.covers_at(p.cell_code, p.community_code, body.visited_at):
            raise InvalidInput("no such person", loc)
    return list(body.person_ids)


def create_visit(s: Session, store: Store, scope: Scope, body: VisitIn) -> tuple[Visit, bool]:
    """Store a new visit (True) or answer the identical resend (False); every check runs before
    the first write."""
    scope.require_write()
    digest = content_hash(body)
    view = shown(s, scope)
    found = resend_of(s, view, body.id, digest)
    if found is not None:
        return found, False
    if body.purpose not in {p.code for p in VISIT_PURPOSES}:
        allowed = ", ".join(p.code for p in VISIT_PURPOSES)
        raise InvalidInput(
            f"unknown purpose {body.purpose!r}; one of {allowed}", ("body", "purpose")
        )
    now = utcnow()
    skew = timedelta(minutes=store.settings.max_future_minutes)
    visited_at = check_time(body.visited_at, "visited_at", now, skew)
    target, lon, lat = _target(s, scope, body)
    if body.lon is not None or body.lat is not None:
        lon, lat = check_point(body.lon, body.lat)
    met = _met(s, scope, body)
    check_photos(s, scope, body.photos)
    photos = list(dict.fromkeys(body.photos))

    def write() -> Visit:
        v = Visit(
            id=body.id,
            lon=lon,
            lat=lat,
            geom=point_wkt(lon, lat),
            cell_code=target.cell_code,
            community_code=target.community_code,
            household_id=body.household_id,
            building_id=body.building_id,
            place_id=body.place_id,
            purpose=body.purpose,
            visited_at=visited_at,
            notes=body.notes,
            photos=photos,
            author_id=scope.user_id,
            created_at=now,
            updated_at=now,
            content_hash=digest,
        )
        s.add(v)
        s.flush()
        s.add_all(VisitPerson(visit_id=v.id, person_id=p) for p in met)
        s.add_all(
            VisitNeed(visit_id=v.id, n=i, text=n.text, follow_up=n.follow_up)
            for i, n in enumerate(body.needs)
        )
        audit(s, scope.user_id, "create", "visit", v.id, {"cell_code": v.cell_code})
        return v

    return create_or_resend(s, view, body.id, digest, write)
