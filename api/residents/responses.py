"""Response models of the residents' endpoints, for the OpenAPI document (they only describe)."""

from __future__ import annotations

import datetime as dt

from api.edge.responses import Out


class PublicPhotoOut(Out):
    """A resident's cleaned photo: its hash, size, type and the token a report attaches it by."""

    sha256: str
    size: int
    content_type: str
    token: str


class PublicCellOut(Out):
    """A cell as the public page centres on it (no personal data)."""

    code: str
    community_code: str
    lon: float
    lat: float
    bbox: list[float]


class StepOut(Out):
    """A step of a resident's case: the status it reached and when."""

    status: str
    at: dt.datetime | None


class TicketOut(Out):
    """A resident's ticket (``GET /public/reports/{ticket}``)."""

    ticket: str
    category: str
    description: str
    status: str
    state: str
    cell_code: str
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    closed_at: dt.datetime | None
    photos: list[str]
    history: list[StepOut]
    can_rate: bool
    rating: str | None


class RatingOut(Out):
    """One satisfaction rating."""

    source: str
    rating: str
    at: dt.datetime | None
    by: str | None
    note: str


class CaseRatingsOut(Out):
    """A case's channel, the reporter's phone (masked by role) and its ratings."""

    record_id: str
    source: str
    phone: str | None
    ratings: list[RatingOut]
