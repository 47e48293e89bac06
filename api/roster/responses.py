"""Response models of the roster, for the OpenAPI document (they only describe)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from api.edge.responses import Out


class RosterUser(Out):
    """The account holding a roster role: login and display name (never a private phone)."""

    username: str
    display_name: str


class MemberOut(Out):
    """One roster entry: the role, its holder (an account or a named contact), where it applies
    (a building, a unit), its published duty phone and the span it is in force."""

    id: int
    cell_code: str
    role: str
    user: RosterUser | None
    contact_name: str | None
    duty_phone: str | None = Field(description="the published number residents may call")
    building_id: int | None
    unit: int | None
    started_at: dt.datetime
    ended_at: dt.datetime | None


class AbsenceOut(Out):
    """A leader away from their cell, and the backup covering it."""

    id: int
    cell_code: str
    user: RosterUser | None
    from_: dt.datetime = Field(alias="from")
    to: dt.datetime
    reason: str
    covered_by: RosterUser | None


class RosterOut(Out):
    """A cell's roster at a moment: the members in role order and the leaders away then."""

    cell_code: str
    at: dt.datetime
    members: list[MemberOut]
    away: list[AbsenceOut]
