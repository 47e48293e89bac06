"""Request bodies of visits and key-group tags: shapes and types; the rules (codes, dates,
scope) are checked in the services, each as a 422 naming the field."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import AwareDatetime, Field, StrictBool, StrictInt

from api.checks import MAX_INT32
from api.schemas import Float, Located, Sha256, Strict


class TagCreate(Strict):
    """A new key-group membership (``grid.register.catalog.KEY_GROUPS``) of a person."""

    group: str = Field(min_length=1, max_length=32)
    start: date
    end: date | None = None
    note: str = Field(default="", max_length=500)


class TagPatch(Strict):
    """Changes to a membership: its end, the day the person re-offended, its note; ``version``
    (when given) is the one the client saw."""

    end: date | None = None
    reoffended_on: date | None = None
    note: str | None = Field(default=None, max_length=500)
    version: StrictInt | None = Field(default=None, ge=1)


class NeedIn(Strict):
    """A need (诉求) raised on a visit; ``follow_up``: it asks for action (it may become a case)."""

    text: str = Field(min_length=1, max_length=2000)
    follow_up: StrictBool = False


class VisitIn(Located):
    """A visit as the tablet sends it (CONTRACTS.md, ``POST /visits``): exactly one of
    ``household_id``, ``building_id`` and ``place_id``; the point defaults to the target's."""

    id: uuid.UUID
    household_id: uuid.UUID | None = None
    building_id: StrictInt | None = Field(default=None, ge=1, le=MAX_INT32)
    place_id: uuid.UUID | None = None
    person_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    purpose: str = Field(min_length=1, max_length=32)
    visited_at: AwareDatetime
    notes: str = Field(default="", max_length=5000)
    needs: list[NeedIn] = Field(default_factory=list, max_length=20)
    photos: list[Sha256] = Field(default_factory=list, max_length=20)
    lon: Float | None = None
    lat: Float | None = None
