"""Register search: an ID number, a foreigner's document number or a phone by exact match
through its blind index (never the plain value), a name among the residents in the caller's
scope, an address through the normaliser to its building."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from api.models import Building, Person, RegisterAddress
from api.register.rules import document_shaped
from api.register.view import Reader
from grid.register.addresses import normalise_address
from grid.register.idnumbers import id_number_error, normalise_id
from grid.register.phones import normalise_phone, phone_error

LIMIT = 50
NAME_SCAN = 20_000  # residents decrypted at most for one name search (narrow the scope beyond)


def kind_of(q: str) -> str:
    """What ``q`` looks like: ``id_number``, ``phone``, ``document`` (a foreigner's document
    number: letters and digits with at least one digit) or ``text`` (a name or an address)."""
    if id_number_error(q) is None:
        return "id_number"
    if phone_error(q) is None:
        return "phone"
    number = normalise_id(q)
    if document_shaped(number) and any(c.isdigit() for c in number):
        return "document"
    return "text"


def _by_index(reader: Reader, column: Any, value: str) -> list[Person]:
    """Residents in scope whose blind index in ``column`` matches ``value``."""
    q = select(Person).where(column == reader.cipher.index(value), Person.moved_out.is_(None))
    return list(reader.session.scalars(reader.scope.visible(q, Person).limit(LIMIT)))


def _by_name(reader: Reader, name: str) -> list[Person]:
    """Residents in scope whose name contains ``name`` (decrypted in the server, in scope only)."""
    q = reader.scope.visible(select(Person).where(Person.moved_out.is_(None)), Person)
    found = []
    for p in reader.session.scalars(q.limit(NAME_SCAN)):
        plain = reader.cipher.decrypt("name", p.name) or ""
        if name in plain:
            found.append(p)
            if len(found) >= LIMIT:
                break
    return found


def _buildings(reader: Reader, text: str) -> list[dict[str, Any]]:
    """Buildings in scope whose standard address (or name) starts with the normalised text."""
    key = normalise_address(text)
    if not key:
        return []
    q = (
        select(Building, RegisterAddress.address)
        .join(RegisterAddress, RegisterAddress.building_id == Building.id, isouter=True)
        .where(or_(RegisterAddress.address.startswith(key, autoescape=True), Building.name == text))
    )
    rows = reader.session.execute(reader.scope.visible(q, Building).limit(LIMIT)).all()
    seen: dict[int, dict[str, Any]] = {}
    for b, address in rows:
        seen.setdefault(
            b.id, {"id": b.id, "name": b.name, "cell_code": b.cell_code, "address": address or ""}
        )
    return list(seen.values())


def search(reader: Reader, q: str) -> dict[str, Any]:
    """Persons and buildings matching ``q`` within the caller's scope."""
    text = q.strip()
    by = kind_of(text)
    if by == "id_number":
        persons = _by_index(reader, Person.id_index, normalise_id(text))
        buildings: list[dict[str, Any]] = []
    elif by == "phone":
        persons = _by_index(reader, Person.phone_index, normalise_phone(text))
        buildings = []
    elif by == "document":  # exact, through the same blind index as ID card numbers
        persons = _by_index(reader, Person.id_index, normalise_id(text))
        buildings = _buildings(reader, text)
    else:
        persons = _by_name(reader, text)
        buildings = _buildings(reader, text)
    return {"q": q, "by": by, "persons": reader.persons(persons), "buildings": buildings}
