"""Response models of mediation and screening, for the OpenAPI document (they only describe)."""

from __future__ import annotations

import datetime as dt

from api.edge.responses import Out


class SessionOut(Out):
    """One mediation session."""

    at: dt.datetime | None
    note: str


class MediationOut(Out):
    """A dispute's mediation."""

    record_id: str
    mediator: str | None
    mediator_name: str
    outcome: str | None
    referred_to: str | None
    agreement: str
    agreement_photo: str | None
    mass_incident: bool
    headcount: int
    ended_at: dt.datetime | None
    sessions: list[SessionOut]


class ScreeningOut(Out):
    """A screening round of a cell."""

    id: str
    cell_code: str
    community_code: str
    at: dt.datetime | None
    disputes_found: int
    nothing_found: bool
    note: str
