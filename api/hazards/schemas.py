"""Request bodies of hazard rectification: shapes and types; rules in the service."""

from __future__ import annotations

import uuid

from pydantic import Field, StrictInt

from api.schemas import Sha256, Strict


class RectificationIn(Strict):
    """A hazard found at a place: opens its rectification (client-made id, so a resend is
    harmless); the severity defaults to the place's ``severity`` attribute."""

    id: uuid.UUID
    severity: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", max_length=2000)


class StepIn(Strict):
    """A rectification action at the version the client saw, with the re-inspection's photos
    and, for an escalation, where it goes."""

    action: str = Field(min_length=1, max_length=32)
    version: StrictInt = Field(ge=1)
    note: str = Field(default="", max_length=2000)
    photos: list[Sha256] = Field(default_factory=list, max_length=20)
    escalated_to: str | None = Field(default=None, max_length=32)
