"""Response models of hazard rectification, for the OpenAPI document (they only describe)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from api.edge.responses import Out


class RectStepOut(Out):
    """One step of a rectification."""

    action: str
    from_: str = Field(alias="from")
    to: str
    by: str | None
    at: dt.datetime | None
    note: str
    photos: list[str]


class RectificationOut(Out):
    """A hazard's rectification with its history."""

    id: str
    place_id: str
    cell_code: str
    community_code: str
    severity: str
    stage: str
    found_at: dt.datetime | None
    ordered_at: dt.datetime | None
    deadline: dt.datetime | None
    closed_at: dt.datetime | None
    escalated_to: str | None
    version: int
    overdue: bool
    allowed_actions: list[str]
    steps: list[RectStepOut]
