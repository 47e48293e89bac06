"""Who may see and change what: each user's scope of cells, and the personal-data masking table.

Scopes: admin and police see the whole district, street staff their street office's communities,
officers the cells they currently lead. Police never write. Writes by officers must fall in their
cells; a new record in a cell they led at its ``occurred_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from api.errors import Forbidden, Loc
from api.models import (
    Cell,
    Community,
    LeaderAssignment,
    Photo,
    PhotoUpload,
    Place,
    Record,
    RecordPhoto,
    User,
)
from api.models.areas import in_force
from api.models.cases import Mediation, Rectification, RectificationStep
from api.models.visits import Visit
from grid.domain.caseflow import Role
from grid.domain.catalog import AttrType, Personal, place_attrs


class Sight(StrEnum):
    """How a personal-data field is shown to a role."""

    FULL = "full"
    OWN_CELLS = "own_cells"  # in full for records in the user's own cells, masked elsewhere
    MASKED = "masked"


_NAME, _PHONE, _ID = Personal.NAME, Personal.PHONE, Personal.ID_NUMBER

# Personal data of dispute parties, tenants and the personal attributes of places (landlord,
# phones; grid.domain.catalog.PLACE_ATTRS marks them), per role. Street staff handle disputes and
# need names and phones but not ID numbers; officers only in their own cells; police liaisons read
# records for context and get masked data (they use their own systems for identities).
PERSONAL_DATA: dict[Role, dict[str, Sight]] = {
    Role.ADMIN: {_NAME: Sight.FULL, _PHONE: Sight.FULL, _ID: Sight.FULL},
    Role.STREET: {_NAME: Sight.FULL, _PHONE: Sight.FULL, _ID: Sight.MASKED},
    Role.OFFICER: {_NAME: Sight.OWN_CELLS, _PHONE: Sight.OWN_CELLS, _ID: Sight.MASKED},
    Role.POLICE: {_NAME: Sight.MASKED, _PHONE: Sight.MASKED, _ID: Sight.MASKED},
}

WRITERS = frozenset({Role.ADMIN, Role.STREET, Role.OFFICER})


@dataclass(frozen=True)
class Scope:
    """A user's reach: ``None`` means no restriction on that axis."""

    user_id: int
    username: str
    role: Role
    cells: frozenset[str] | None
    communities: frozenset[str] | None
    # officers: every leader assignment they held, (cell_code, started_at, ended_at or None)
    led: tuple[tuple[str, datetime, datetime | None], ...] = ()

    def visible(self, q: Any, model: Any, cell_col: str = "cell_code") -> Any:
        """``q`` limited to the rows of ``model`` this user may see: the one place where the
        read scope turns into SQL (cells for officers, communities for street staff)."""
        if self.cells is not None:
            q = q.where(getattr(model, cell_col).in_(sorted(self.cells)))
        if self.communities is not None:
            q = q.where(model.community_code.in_(sorted(self.communities)))
        return q

    @property
    def can_write(self) -> bool:
        """Whether the role may create and change records and places."""
        return self.role in WRITERS

    def sees_cell(self, cell_code: str | None, community_code: str | None) -> bool:
        """Whether an object in this cell and community is visible to the user."""
        if self.cells is not None and cell_code not in self.cells:
            return False
        return self.communities is None or community_code in self.communities

    def require_write(self) -> None:
        """Refuse read-only roles."""
        if not self.can_write:
            raise Forbidden(f"role '{self.role.value}' is read-only", ("body",))

    def require_cell(self, cell_code: str, community_code: str, loc: Loc) -> None:
        """Refuse a write located in a cell outside the user's cells or communities."""
        if not self.sees_cell(cell_code, community_code):
            mine = ", ".join(sorted(self.cells or self.communities or ())) or "none"
            raise Forbidden(
                f"the point is in cell {cell_code}, outside your cells/communities ({mine})", loc
            )

    def led_at(self, cell_code: str, at: datetime) -> bool:
        """Whether the officer led ``cell_code`` at time ``at``."""
        return any(c == cell_code and in_force(start, end, at) for c, start, end in self.led)

    def covers_at(self, cell_code: str | None, community_code: str | None, at: datetime) -> bool:
        """Whether the user could write in this cell at time ``at``.

        Officers may write in a cell they led at ``at`` (a record queued offline across a leader
        change or a redraw stays theirs to send) or lead now (a new leader reporting what
        happened in their cell before they took it over); other roles by their scope.
        """
        if self.cells is None:
            return self.sees_cell(cell_code, community_code)
        return cell_code is not None and (self.led_at(cell_code, at) or cell_code in self.cells)

    def require_cell_at(self, cell_code: str, community_code: str, at: datetime, loc: Loc) -> None:
        """Refuse a record dated ``at`` in a cell the user could not write in at that time
        (``covers_at``)."""
        if self.covers_at(cell_code, community_code, at):
            return
        if self.cells is None:
            self.require_cell(cell_code, community_code, loc)
        else:
            raise Forbidden(
                f"the point is in cell {cell_code}, outside your cells at {at.isoformat()}",
                loc,
            )


def load_scope(session: Session, user: User) -> Scope:
    """The scope of ``user`` from their role, street office and current leader assignments."""
    role = Role(user.role)
    if role in (Role.ADMIN, Role.POLICE):
        return Scope(user.id, user.username, role, None, None)
    if role == Role.STREET:
        comms = session.scalars(
            select(Community.code).where(Community.street_code == user.street_code)
        ).all()
        return Scope(user.id, user.username, role, None, frozenset(comms))
    led = tuple(
        (c, start, end)
        for c, start, end in session.execute(
            select(
                LeaderAssignment.cell_code, LeaderAssignment.started_at, LeaderAssignment.ended_at
            ).where(LeaderAssignment.user_id == user.id)
        ).all()
    )
    cells = sorted({c for c, _, end in led if end is None})
    comms = (
        session.scalars(
            select(Cell.community_code).where(Cell.code.in_(cells), Cell.latest()).distinct()
        ).all()
        if cells
        else []
    )
    return Scope(user.id, user.username, role, frozenset(cells), frozenset(comms), led)


def visible_photos(session: Session, scope: Scope, hashes: Collection[str]) -> set[str]:
    """Those of ``hashes`` that are stored photos ``scope`` may see: the one rule for reading a
    photo and for linking it to a record. Admin sees all, every uploader their own (any user who
    sent the bytes, so an upload not yet linked shows on each tablet that took it), anyone else
    only a photo that belongs to a record or place they may see (a place's photos are SHA-256
    hashes inside its ``attrs``), or to a hazard's rectification step or a dispute's mediation
    agreement they may see."""
    wanted = sorted(set(hashes))
    if not wanted:
        return set()
    stored = set(session.scalars(select(Photo.sha256).where(Photo.sha256.in_(wanted))))
    if scope.role == Role.ADMIN or not stored:
        return stored
    mine = select(PhotoUpload.sha256).where(
        PhotoUpload.user_id == scope.user_id, PhotoUpload.sha256.in_(sorted(stored))
    )
    seen = set(session.scalars(mine))
    rest = sorted(stored - seen)
    if rest:
        linked = select(RecordPhoto.sha256).join(Record, RecordPhoto.record_id == Record.id)
        seen.update(
            session.scalars(scope.visible(linked.where(RecordPhoto.sha256.in_(rest)), Record))
        )
    for sha in (s for s in rest if s not in seen):
        in_place = select(Place.id).where(cast(Place.attrs, String).like(f"%{sha}%"))
        if session.scalar(scope.visible(in_place, Place).limit(1)) is not None:
            seen.add(sha)
    seen.update(_case_photos(session, scope, [s for s in rest if s not in seen]))
    return seen


def _case_photos(session: Session, scope: Scope, hashes: list[str]) -> set[str]:
    """Those of ``hashes`` taken at a step of a rectification, kept as the agreement of a
    mediation, or taken on a visit, that ``scope`` may see (the hazard's, the dispute's or the
    visit's cell and community)."""
    if not hashes:
        return set()
    agreed = select(Mediation.agreement_photo).join(Record, Mediation.record_id == Record.id)
    out = set(
        session.scalars(scope.visible(agreed, Record).where(Mediation.agreement_photo.in_(hashes)))
    )
    steps = select(RectificationStep.id).join(
        Rectification, RectificationStep.rectification_id == Rectification.id
    )
    for sha in (s for s in hashes if s not in out):
        taken = steps.where(cast(RectificationStep.photos, String).like(f"%{sha}%"))
        if session.scalar(scope.visible(taken, Rectification).limit(1)) is not None:
            out.add(sha)
    for sha in (s for s in hashes if s not in out):
        on_visit = select(Visit.id).where(cast(Visit.photos, String).like(f"%{sha}%"))
        if session.scalar(scope.visible(on_visit, Visit).limit(1)) is not None:
            out.add(sha)
    return out


def mask_name(name: str) -> str:
    """A name with all but its first character hidden (张三丰 → 张**)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def mask_phone(phone: str | None) -> str | None:
    """A phone number with its middle digits hidden (13812345678 → 138****5678)."""
    if not phone:
        return phone
    if len(phone) <= 4:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7 if len(phone) > 7 else len(phone) - 4) + phone[-4:]


def mask_id_number(value: str | None) -> str | None:
    """An ID number showing only its region prefix and last character."""
    if not value:
        return value
    return value[:6] + "*" * max(len(value) - 7, 1) + value[-1:]


_MASKERS: dict[str, Callable[[str], str | None]] = {
    _NAME: mask_name,
    _PHONE: mask_phone,
    _ID: mask_id_number,
}


def _hidden(scope: Scope, kind: str, cell_code: str | None) -> bool:
    """Whether personal data of ``kind`` is masked for ``scope`` in ``cell_code``."""
    sight = PERSONAL_DATA[scope.role][kind]
    own = scope.cells is None or cell_code in scope.cells
    return sight == Sight.MASKED or (sight == Sight.OWN_CELLS and not own)


def show_person(scope: Scope, person: dict[str, str | None], cell_code: str | None) -> dict:
    """``person`` (name, phone, id_number...) as ``scope`` may see it in ``cell_code``."""
    out = dict(person)
    for field in PERSONAL_DATA[scope.role]:
        value = out.get(field)
        if value is not None and _hidden(scope, field, cell_code):
            out[field] = _MASKERS[field](value)
    return out


def show_attrs(scope: Scope, kind: str, attrs: dict, cell_code: str | None) -> dict:
    """A place's ``attrs`` as ``scope`` may see them: personal attributes masked by the table."""
    out = dict(attrs)
    for code, f in place_attrs(kind).items():
        if f.personal is None or out.get(code) is None:
            continue
        if f.type == AttrType.PERSONS:
            out[code] = [show_person(scope, p, cell_code) for p in out[code]]
        elif _hidden(scope, f.personal, cell_code):
            out[code] = _MASKERS[f.personal](str(out[code]))
    return out


def unmask_attrs(scope: Scope, kind: str, sent: dict, stored: dict, cell_code: str | None) -> dict:
    """``sent`` with each personal value that is exactly the masked form ``scope`` was shown put
    back to the stored value, so resending what one saw never overwrites data with asterisks."""
    shown = show_attrs(scope, kind, stored, cell_code)
    out = dict(sent)
    for code, f in place_attrs(kind).items():
        if f.personal is None or code not in out or code not in stored:
            continue
        if f.type == AttrType.PERSONS and isinstance(out[code], list):
            was, seen = stored[code], shown[code]
            out[code] = [
                was[i] if i < len(seen) and p == seen[i] and seen[i] != was[i] else p
                for i, p in enumerate(out[code])
            ]
        elif out[code] == shown[code]:
            out[code] = stored[code]
    return out
