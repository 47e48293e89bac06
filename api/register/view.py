"""How the register is answered: persons masked or (with a purpose, to a role that may) in full
with an audit row per person, households with their room, and a building's register as units →
floors → rooms → households → persons."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.accounts.audit import audit
from api.errors import NotFound
from api.models import Building, Household, Person, PersonTag, Room
from api.register.crypto import DataCipher
from api.register.masking import masked, may_see_identity
from api.register.rules import today
from grid.register.visits import TagSpan, active, visit_rules

PERSONAL = ("name", "id_number", "phone", "birth_date")


def _iso(d: date | None) -> str | None:
    """A date as ``YYYY-MM-DD`` (None stays None)."""
    return d.isoformat() if d else None


def plain_fields(cipher: DataCipher, p: Person) -> dict[str, str | None]:
    """A person's personal fields decrypted."""
    return {f: cipher.decrypt(f, getattr(p, f)) for f in PERSONAL}


def tag_json(t: PersonTag) -> dict[str, Any]:
    """A key-group tag as answered."""
    return {
        "id": t.id,
        "group": t.group,
        "start": _iso(t.start),
        "end": _iso(t.end),
        "reoffended_on": _iso(t.reoffended_on),
    }


def current_groups(tags: Iterable[PersonTag], on: date) -> set[str]:
    """The key groups a person belongs to on day ``on`` (a group's term may end a tag sooner)."""
    rules = visit_rules()
    return {t.group for t in tags if active(span(t), rules.get(t.group), on)}


def span(t: PersonTag) -> TagSpan:
    """A stored tag as grid's rules take it."""
    return TagSpan(t.person_id, t.group, t.start, t.end, t.reoffended_on)


def tags_of(session: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PersonTag]]:
    """The tags of each of ``person_ids``."""
    out: dict[uuid.UUID, list[PersonTag]] = defaultdict(list)
    for i in range(0, len(person_ids), 500):
        chunk = person_ids[i : i + 500]
        for t in session.scalars(select(PersonTag).where(PersonTag.person_id.in_(chunk))):
            out[t.person_id].append(t)
    return out


@dataclass
class Reader:
    """Reads personal data for one request: masked unless a ``purpose`` is given and the role
    may see the person (``api.register.masking``); every read in full adds an audit row (who,
    when, which person, purpose) to the session, which the endpoint commits."""

    session: Session
    scope: Scope
    cipher: DataCipher
    purpose: str | None = None
    unmasked: list[uuid.UUID] = field(default_factory=list)

    def person(self, p: Person, tags: list[PersonTag]) -> dict[str, Any]:
        """A person as this reader may see them."""
        plain = plain_fields(self.cipher, p)
        groups = current_groups(tags, today())
        full = bool(self.purpose) and may_see_identity(
            self.scope, p.cell_code, p.community_code, groups
        )
        if full:
            audit(
                self.session,
                self.scope.user_id,
                "read_personal",
                "person",
                p.id,
                {"purpose": self.purpose},
            )
            self.unmasked.append(p.id)
        return {
            "id": str(p.id),
            "household_id": str(p.household_id),
            "building_id": p.building_id,
            "cell_code": p.cell_code,
            "person_type": p.person_type,
            "relation": p.relation,
            "moved_in": _iso(p.moved_in),
            "moved_out": _iso(p.moved_out),
            **(plain if full else masked(plain)),
            "masked": not full,
            # key-group membership is personal too: shown only with the identity
            "tags": [tag_json(t) for t in tags] if full else None,
            "version": p.version,
        }

    def persons(self, rows: list[Person]) -> list[dict[str, Any]]:
        """Several persons, their tags read at once."""
        tags = tags_of(self.session, [p.id for p in rows])
        return [self.person(p, tags.get(p.id, [])) for p in rows]

    def finish(self) -> None:
        """Commit the audit rows of the reads in full (nothing else is pending on a read)."""
        if self.unmasked:
            self.session.commit()


def household_json(h: Household, room: Room, persons: list[dict[str, Any]] | None) -> dict:
    """A household with its room, and its persons when given."""
    return {
        "id": str(h.id),
        "building_id": h.building_id,
        "room_id": room.id,
        "unit": room.unit,
        "floor": room.floor,
        "room": room.room,
        "use": room.use,
        "household_no": h.household_no,
        "cell_code": h.cell_code,
        "moved_in": _iso(h.moved_in),
        "moved_out": _iso(h.moved_out),
        "version": h.version,
        "persons": persons,
    }


def visible_building(session: Session, scope: Scope, building_id: int) -> Building:
    """The building when it exists and the caller may see it (404 otherwise)."""
    b = session.get(Building, building_id)
    if b is None or not scope.sees_cell(b.cell_code, b.community_code):
        raise NotFound(f"no building {building_id}", ("path", "id"))
    return b


def _sort_key(text: str) -> tuple[int, int, str]:
    """Numbers in numeric order, then other text (unit 2 before unit 10)."""
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _room_key(room: dict[str, Any]) -> tuple[int, int, str]:
    """Rooms in number order."""
    return _sort_key(str(room["room"]))


def building_register(reader: Reader, building_id: int) -> dict[str, Any]:
    """A building's rooms and the households and persons living there now, as units → floors
    → rooms → households → persons; vacant rooms are listed with no households."""
    s = reader.session
    b = visible_building(s, reader.scope, building_id)
    rooms = list(s.scalars(select(Room).where(Room.building_id == b.id)))
    homes = list(
        s.scalars(
            select(Household).where(Household.building_id == b.id, Household.moved_out.is_(None))
        )
    )
    people = list(
        s.scalars(
            select(Person)
            .where(Person.building_id == b.id, Person.moved_out.is_(None))
            .order_by(Person.created_at)
        )
    )
    shown = dict(zip((p.id for p in people), reader.persons(people), strict=True))
    by_home: dict[uuid.UUID, list[dict]] = defaultdict(list)
    for p in people:
        by_home[p.household_id].append(shown[p.id])
    by_room: dict[int, list[dict]] = defaultdict(list)
    room_of = {r.id: r for r in rooms}
    for h in homes:
        by_room[h.room_id].append(household_json(h, room_of[h.room_id], by_home[h.id]))
    tree: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in rooms:
        tree[r.unit][r.floor].append(
            {"id": r.id, "room": r.room, "use": r.use, "households": by_room[r.id]}
        )
    units: list[dict[str, Any]] = []
    for u in sorted(tree, key=_sort_key):
        floors: list[dict[str, Any]] = []
        for f in sorted(tree[u], key=_sort_key):
            rooms_here: list[dict[str, Any]] = sorted(tree[u][f], key=_room_key)
            floors.append({"floor": f, "rooms": rooms_here})
        units.append({"unit": u, "floors": floors})
    return {
        "building_id": b.id,
        "name": b.name,
        "cell_code": b.cell_code,
        "households": len(homes),
        "persons": len(people),
        "units": units,
    }
