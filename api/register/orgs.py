"""Organisations (实有单位): client-keyed, versioned, located by their building or a point; the
contact person's name and phone encrypted and masked like residents'."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from api.accounts.audit import audit
from api.checks import check_point
from api.errors import InvalidInput, NotFound
from api.models import Organisation, Place, utcnow
from api.models.keyed import Shown, commit_versioned, create_or_resend, resend_of, stale
from api.register import rules
from api.register.masking import kept_if_masked, masked, may_see_identity
from api.register.schemas import OrganisationIn, OrganisationPatch
from api.register.view import Reader, visible_building
from api.store import Store

CONTACT = ("contact", "phone")


def organisation_json(reader: Reader, o: Organisation) -> dict[str, Any]:
    """An organisation as ``reader`` may see it: its contact in full only with a purpose and
    to a role that may see people there (audited), else masked."""
    plain = {f: reader.cipher.decrypt(f, getattr(o, f)) for f in CONTACT}
    full = bool(reader.purpose) and may_see_identity(
        reader.scope, o.cell_code, o.community_code, ()
    )
    if full and any(plain.values()):
        audit(
            reader.session,
            reader.scope.user_id,
            "read_personal",
            "organisation",
            o.id,
            {"purpose": reader.purpose},
        )
        reader.unmasked.append(o.id)
    return {
        "id": str(o.id),
        "name": o.name,
        "credit_code": o.credit_code,
        "org_type": o.org_type,
        "address": o.address,
        **(plain if full else masked(plain)),
        "employees": o.employees,
        "building_id": o.building_id,
        "place_id": str(o.place_id) if o.place_id else None,
        "lon": o.lon,
        "lat": o.lat,
        "cell_code": o.cell_code,
        "community_code": o.community_code,
        "masked": not full,
        "version": o.version,
    }


def view(reader: Reader) -> Shown[Organisation]:
    """How a caller sees organisations: in its cells/communities, or written by it."""
    scope = reader.scope
    return Shown(
        Organisation,
        lambda o: o.author_id == scope.user_id or scope.sees_cell(o.cell_code, o.community_code),
        lambda o: organisation_json(reader, o),
    )


def _content(reader: Reader, body: OrganisationIn) -> str:
    """The keyed content hash of a body (it covers the contact's personal data)."""
    return reader.cipher.digest(body.model_dump_json())


def _where(
    reader: Reader, store: Store, body: OrganisationIn
) -> tuple[str, str, float | None, float | None]:
    """The cell, community and point of a new organisation: from its building, else its point."""
    if body.building_id is not None:
        b = visible_building(reader.session, reader.scope, body.building_id)
        if b.cell_code is None or b.community_code is None:
            raise InvalidInput(f"building {b.id} lies in no cell", ("body", "building_id"))
        return b.cell_code, b.community_code, body.lon, body.lat
    if body.lon is None and body.lat is None:
        raise InvalidInput("give building_id or lon and lat", ("body", "building_id"))
    lon, lat = check_point(body.lon, body.lat)
    where = store.cells.locate(lon, lat, utcnow(), ("body", "lon"))
    return where.cell_code, where.community_code, lon, lat


def create_organisation(
    reader: Reader, store: Store, body: OrganisationIn
) -> tuple[Organisation, bool]:
    """Store a new organisation (True) or answer the identical resend (False)."""
    s, scope, cipher = reader.session, reader.scope, reader.cipher
    scope.require_write()
    digest = _content(reader, body)
    found = resend_of(s, view(reader), body.id, digest)
    if found is not None:
        return found, False
    rules.check_code("org_type", body.org_type, ("body", "org_type"))
    code = rules.check_credit_code(body.credit_code, ("body", "credit_code"))
    phone = rules.check_phone(body.phone, ("body", "phone"))
    if body.place_id is not None and s.get(Place, body.place_id) is None:
        raise InvalidInput(f"no place {body.place_id}", ("body", "place_id"))
    cell, comm, lon, lat = _where(reader, store, body)
    scope.require_cell(cell, comm, ("body", "building_id"))

    def write() -> Organisation:
        now = utcnow()
        o = Organisation(
            id=body.id,
            name=body.name,
            credit_code=code,
            org_type=body.org_type,
            address=body.address,
            contact=cipher.encrypt("contact", body.contact or None),
            phone=cipher.encrypt("phone", phone),
            employees=body.employees,
            place_id=body.place_id,
            building_id=body.building_id,
            lon=lon,
            lat=lat,
            cell_code=cell,
            community_code=comm,
            author_id=scope.user_id,
            created_at=now,
            updated_at=now,
            content_hash=digest,
        )
        s.add(o)
        audit(s, scope.user_id, "create", "organisation", o.id, {"name": o.name})
        return o

    return create_or_resend(s, view(reader), body.id, digest, write)


def patch_organisation(reader: Reader, org_id: uuid.UUID, body: OrganisationPatch) -> Organisation:
    """Change an organisation at the version the client saw."""
    s, scope, cipher = reader.session, reader.scope, reader.cipher
    scope.require_write()
    o = s.get(Organisation, org_id)
    if o is None or not scope.sees_cell(o.cell_code, o.community_code):
        raise NotFound(f"no organisation {org_id}", ("path", "id"))
    scope.require_cell(o.cell_code or "", o.community_code or "", ("path", "id"))
    stale(view(reader), o, body.version)
    if body.name is not None:
        o.name = body.name
    if body.org_type is not None:
        o.org_type = rules.check_code("org_type", body.org_type, ("body", "org_type"))
    if body.address is not None:
        o.address = body.address
    if body.employees is not None:
        o.employees = body.employees
    if body.contact is not None:
        sent = kept_if_masked("contact", body.contact, cipher.decrypt("contact", o.contact))
        o.contact = cipher.encrypt("contact", sent or None)
    if body.phone is not None:
        sent = kept_if_masked("phone", body.phone, cipher.decrypt("phone", o.phone))
        o.phone = cipher.encrypt("phone", rules.check_phone(sent, ("body", "phone")))
    o.updated_at = utcnow()
    changed = sorted(k for k, v in body.model_dump().items() if v is not None and k != "version")
    audit(s, scope.user_id, "update", "organisation", o.id, {"fields": changed})
    commit_versioned(s, view(reader), org_id)
    return o


def list_organisations(reader: Reader, cell: str | None) -> list[dict[str, Any]]:
    """Organisations visible to the caller, optionally in one cell."""
    q = reader.scope.visible(select(Organisation), Organisation)
    if cell:
        q = q.where(Organisation.cell_code == cell)
    rows = reader.session.scalars(q.order_by(Organisation.name).limit(5000))
    return [organisation_json(reader, o) for o in rows]
