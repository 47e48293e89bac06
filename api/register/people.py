"""Households and persons: the one write path (API, tablet outbox, and the import through
``person_values``).

Writes are keyed by client UUIDs like records (``api.models.keyed``): the same id and content
again answers 200 with the stored row, other content 409 with ``current``. Moving out closes a
row (``moved_out``), nothing is deleted. Every household write recounts its building's and
cell's households (``api.register.counts.refresh_households``) in the same transaction. A
person's content hash is keyed (HMAC), so it reveals nothing of the personal data it covers.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.errors import InvalidInput, NotFound
from api.models import Household, Person, Room, utcnow
from api.models.keyed import (
    Shown,
    commit_versioned,
    content_hash,
    create_or_resend,
    resend_of,
    stale,
)
from api.register import rules
from api.register.counts import refresh_households
from api.register.crypto import DataCipher
from api.register.masking import kept_if_masked
from api.register.schemas import HouseholdIn, HouseholdPatch, PersonIn, PersonPatch, TagIn
from api.register.view import Reader, household_json, plain_fields, visible_building
from api.visits.tags import replace_tags
from grid.register.idnumbers import birth_date


def household_view(reader: Reader) -> Shown[Household]:
    """How a caller sees households: in its cells/communities, or written by it."""
    s, scope = reader.session, reader.scope
    return Shown(
        Household,
        lambda h: h.author_id == scope.user_id or scope.sees_cell(h.cell_code, h.community_code),
        lambda h: household_json(h, s.get_one(Room, h.room_id), None),
    )


def person_view(reader: Reader) -> Shown[Person]:
    """How a caller sees persons (masked in a 409's ``current``: no purpose was given)."""
    scope = reader.scope
    return Shown(
        Person,
        lambda p: p.author_id == scope.user_id or scope.sees_cell(p.cell_code, p.community_code),
        lambda p: reader.persons([p])[0],
    )


def _room(s: Session, b_id: int, body: HouseholdIn, cell: str | None, comm: str | None) -> Room:
    """The room of a new household: the stored one, else a new one."""
    room = s.scalar(
        select(Room).where(
            Room.building_id == b_id,
            Room.unit == body.unit,
            Room.floor == body.floor,
            Room.room == body.room,
        )
    )
    if room is None:
        room = Room(
            building_id=b_id,
            unit=body.unit,
            floor=body.floor,
            room=body.room,
            use="own",
            cell_code=cell,
            community_code=comm,
        )
        s.add(room)
    if body.use is not None:
        room.use = body.use
    return room


def create_household(reader: Reader, body: HouseholdIn) -> tuple[Household, bool]:
    """Store a new household (True) or answer the identical resend (False)."""
    s, scope = reader.session, reader.scope
    scope.require_write()
    if body.use is not None:
        rules.check_code("use", body.use, ("body", "use"))
    rules.check_day(body.moved_in, ("body", "moved_in"))
    b = visible_building(s, scope, body.building_id)
    if b.cell_code is None or b.community_code is None:
        raise InvalidInput(f"building {b.id} lies in no cell", ("body", "building_id"))
    scope.require_cell(b.cell_code, b.community_code, ("body", "building_id"))
    digest = content_hash(body)

    def write() -> Household:
        room = _room(s, b.id, body, b.cell_code, b.community_code)
        s.flush()
        now = utcnow()
        h = Household(
            id=body.id,
            room_id=room.id,
            building_id=b.id,
            household_no=body.household_no,
            cell_code=b.cell_code,
            community_code=b.community_code,
            moved_in=body.moved_in,
            author_id=scope.user_id,
            created_at=now,
            updated_at=now,
            content_hash=digest,
        )
        s.add(h)
        s.flush()
        refresh_households(s, [b.id])
        audit(s, scope.user_id, "create", "household", h.id, {"building_id": b.id})
        return h

    return create_or_resend(s, household_view(reader), body.id, digest, write)


def visible_household(reader: Reader, household_id: uuid.UUID) -> Household:
    """The household when it exists and the caller may see it (404 otherwise)."""
    h = reader.session.get(Household, household_id)
    if h is None or not reader.scope.sees_cell(h.cell_code, h.community_code):
        raise NotFound(f"no household {household_id}", ("path", "id"))
    return h


def patch_household(reader: Reader, household_id: uuid.UUID, body: HouseholdPatch) -> Household:
    """Change a household at the version the client saw; ``moved_out`` closes it and its
    persons still living there."""
    s, scope = reader.session, reader.scope
    scope.require_write()
    h = visible_household(reader, household_id)
    scope.require_cell(h.cell_code or "", h.community_code or "", ("path", "id"))
    view = household_view(reader)
    stale(view, h, body.version)
    if h.moved_out is not None:
        raise InvalidInput("the household has moved out; register a new one", ("body",))
    room = s.get_one(Room, h.room_id)
    if body.use is not None:
        room.use = rules.check_code("use", body.use, ("body", "use"))
    if body.household_no is not None:
        h.household_no = body.household_no
    if body.moved_out is not None:
        h.moved_out = rules.check_day(body.moved_out, ("body", "moved_out"), after=h.moved_in)
        for p in s.scalars(
            select(Person).where(Person.household_id == h.id, Person.moved_out.is_(None))
        ):
            p.moved_out = max(body.moved_out, p.moved_in or body.moved_out)
            p.updated_at = utcnow()
    h.updated_at = utcnow()
    audit(s, scope.user_id, "update", "household", h.id, body.model_dump(mode="json"))
    commit_versioned(s, view, household_id, lambda: refresh_households(s, [h.building_id]))
    return h


def person_content(values: dict[str, Any]) -> str:
    """The canonical text a person's content hash covers (from a body or from a stored row, so
    a key rotation can hash it again)."""
    keys = (
        "id",
        "household_id",
        "name",
        "id_number",
        "phone",
        "person_type",
        "relation",
        "moved_in",
        "tags",
    )
    return json.dumps(
        {k: values.get(k) for k in keys}, sort_keys=True, ensure_ascii=False, default=str
    )


def person_values(cipher: DataCipher, plain: dict[str, Any]) -> dict[str, Any]:
    """The stored columns of a person from its checked plain values (``id``, ``household_id``,
    ``name``, ``id_number``, ``phone``, ``person_type``, ``relation``, ``moved_in``, ``tags``):
    personal fields encrypted, blind indexes and the keyed content hash computed. The API and
    the import both store persons through it."""
    number = plain.get("id_number")
    born = _born(number, plain["person_type"])
    return {
        "name": cipher.encrypt("name", plain["name"]),
        "id_number": cipher.encrypt("id_number", number),
        "phone": cipher.encrypt("phone", plain.get("phone")),
        "birth_date": cipher.encrypt("birth_date", born.isoformat() if born else None),
        "id_index": cipher.index(number),
        "phone_index": cipher.index(plain.get("phone")),
        "content_hash": cipher.digest(person_content(plain)),
    }


def living_elsewhere(s: Session, cipher: DataCipher, number: str | None, loc: tuple) -> None:
    """Refuse a person whose ID number belongs to someone still living at another address."""
    if not number:
        return
    found = s.scalar(
        select(Person.id)
        .where(Person.id_index == cipher.index(number), Person.moved_out.is_(None))
        .limit(1)
    )
    if found is not None:
        raise InvalidInput(
            "this person is already registered as living at another address; "
            "record the move-out there first",
            loc,
        )


def _tags_plain(tags: list[TagIn]) -> list[list[str | None]]:
    """Tags in the canonical form of the content hash."""
    return sorted(
        [t.group, t.start.isoformat(), t.end.isoformat() if t.end else None] for t in tags
    )


def create_person(reader: Reader, cipher: DataCipher, body: PersonIn) -> tuple[Person, bool]:
    """Store a new resident (True) or answer the identical resend (False)."""
    s, scope = reader.session, reader.scope
    scope.require_write()
    ptype = rules.check_code("person_type", body.person_type, ("body", "person_type"))
    rules.check_code("relation", body.relation, ("body", "relation"))
    number = rules.check_id_number(body.id_number, ptype, ("body", "id_number"))
    phone = rules.check_phone(body.phone, ("body", "phone"))
    tags = rules.check_tags(body.tags, ("body", "tags"))
    plain = body.model_dump(mode="json") | {
        "id_number": number,
        "phone": phone,
        "tags": _tags_plain(tags),
    }
    values = person_values(cipher, plain)
    view = person_view(reader)
    found = resend_of(s, view, body.id, values["content_hash"])
    if found is not None:  # a resend, answered before the checks like places and records
        return found, False
    h = s.get(Household, body.household_id)
    if h is None or not scope.sees_cell(h.cell_code, h.community_code):
        raise InvalidInput(f"no household {body.household_id}", ("body", "household_id"))
    scope.require_cell(h.cell_code or "", h.community_code or "", ("body", "household_id"))
    if h.moved_out is not None:
        raise InvalidInput("the household has moved out", ("body", "household_id"))
    born = _born(number, ptype)
    rules.check_day(body.moved_in, ("body", "moved_in"), after=born)
    living_elsewhere(s, cipher, number, ("body", "id_number"))

    def write() -> Person:
        now = utcnow()
        p = Person(
            id=body.id,
            household_id=h.id,
            building_id=h.building_id,
            cell_code=h.cell_code,
            community_code=h.community_code,
            person_type=ptype,
            relation=body.relation,
            moved_in=body.moved_in,
            author_id=scope.user_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        s.add(p)
        s.flush()
        replace_tags(s, p.id, tags)
        audit(s, scope.user_id, "create", "person", p.id, {"household_id": str(h.id)})
        return p

    return create_or_resend(s, view, body.id, values["content_hash"], write)


def _born(number: str | None, ptype: str) -> date | None:
    """The birth date an ID card number carries (None for none or a foreign document)."""
    return birth_date(number) if number and ptype != rules.FOREIGN else None


def visible_person(reader: Reader, person_id: uuid.UUID) -> Person:
    """The person when they exist and the caller may see them (404 otherwise)."""
    p = reader.session.get(Person, person_id)
    if p is None or not reader.scope.sees_cell(p.cell_code, p.community_code):
        raise NotFound(f"no person {person_id}", ("path", "id"))
    return p


def patch_person(
    reader: Reader, cipher: DataCipher, person_id: uuid.UUID, body: PersonPatch
) -> Person:
    """Change a resident at the version the client saw; ``moved_out`` closes the residence."""
    s, scope = reader.session, reader.scope
    scope.require_write()
    p = visible_person(reader, person_id)
    scope.require_cell(p.cell_code or "", p.community_code or "", ("path", "id"))
    view = person_view(reader)
    stale(view, p, body.version)
    if p.moved_out is not None:
        raise InvalidInput("the person has moved out; register the new residence", ("body",))
    plain = plain_fields(cipher, p)
    if body.name is not None:
        p.name = cipher.encrypt("name", kept_if_masked("name", body.name, plain["name"])) or b""
    if body.phone is not None:
        sent = kept_if_masked("phone", body.phone, plain["phone"])
        phone = rules.check_phone(sent, ("body", "phone"))
        p.phone, p.phone_index = cipher.encrypt("phone", phone), cipher.index(phone)
    if body.person_type is not None:
        p.person_type = rules.check_code("person_type", body.person_type, ("body", "person_type"))
    if body.relation is not None:
        p.relation = rules.check_code("relation", body.relation, ("body", "relation"))
    if body.tags is not None:
        replace_tags(s, p.id, rules.check_tags(body.tags, ("body", "tags")))
    if body.moved_out is not None:
        p.moved_out = rules.check_day(body.moved_out, ("body", "moved_out"), after=p.moved_in)
    p.updated_at = utcnow()
    changed = sorted(k for k, v in body.model_dump().items() if v is not None and k != "version")
    audit(s, scope.user_id, "update", "person", p.id, {"fields": changed})
    commit_versioned(s, view, person_id)
    return p
