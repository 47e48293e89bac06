"""Who may see and change what: each user's scope of cells, and the personal-data masking table.

Scopes: admin and police see the whole district, street staff their street office's communities,
officers the cells they currently lead. Police never write. Writes by officers must fall in their
cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Forbidden
from api.models import Cell, Community, LeaderAssignment, User
from grid.caseflow import Role


class Sight(StrEnum):
    """How a personal-data field is shown to a role."""

    FULL = "full"
    OWN_CELLS = "own_cells"  # in full for records in the user's own cells, masked elsewhere
    MASKED = "masked"


# Personal data of dispute parties and tenants, per role. Street staff handle disputes and need
# names and phones but not ID numbers; officers only in their own cells; police liaisons read
# records for context and get masked data (they use their own systems for identities).
PERSONAL_DATA: dict[Role, dict[str, Sight]] = {
    Role.ADMIN: {"name": Sight.FULL, "phone": Sight.FULL, "id_number": Sight.FULL},
    Role.STREET: {"name": Sight.FULL, "phone": Sight.FULL, "id_number": Sight.MASKED},
    Role.OFFICER: {"name": Sight.OWN_CELLS, "phone": Sight.OWN_CELLS, "id_number": Sight.MASKED},
    Role.POLICE: {"name": Sight.MASKED, "phone": Sight.MASKED, "id_number": Sight.MASKED},
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

    def require_cell(self, cell_code: str, community_code: str, loc: tuple[str, ...]) -> None:
        """Refuse a write located in a cell outside the user's cells or communities."""
        if not self.sees_cell(cell_code, community_code):
            mine = ", ".join(sorted(self.cells or self.communities or ())) or "none"
            raise Forbidden(
                f"the point is in cell {cell_code}, outside your cells/communities ({mine})", loc
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
    cells = session.scalars(
        select(LeaderAssignment.cell_code).where(
            LeaderAssignment.user_id == user.id, LeaderAssignment.ended_at.is_(None)
        )
    ).all()
    comms = (
        session.scalars(
            select(Cell.community_code)
            .where(Cell.code.in_(cells), Cell.valid_to.is_(None))
            .distinct()
        ).all()
        if cells
        else []
    )
    return Scope(user.id, user.username, role, frozenset(cells), frozenset(comms))


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


_MASKERS = {"name": mask_name, "phone": mask_phone, "id_number": mask_id_number}


def show_person(scope: Scope, person: dict[str, str | None], cell_code: str | None) -> dict:
    """``person`` (name, phone, id_number...) as ``scope`` may see it in ``cell_code``."""
    table = PERSONAL_DATA[scope.role]
    out = dict(person)
    own = scope.cells is None or cell_code in scope.cells
    for field, sight in table.items():
        if out.get(field) is None:
            continue
        if sight == Sight.MASKED or (sight == Sight.OWN_CELLS and not own):
            out[field] = _MASKERS[field](out[field])
    return out
