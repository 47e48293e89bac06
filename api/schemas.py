"""Request bodies. Shapes and types are checked here; domain rules (categories, cells) in
services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from grid.domain.caseflow import Priority
from grid.domain.catalog import PlaceKind, RecordKind, RiskLevel

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _has_nul(value: Any) -> bool:
    """Whether a string anywhere in ``value`` (nested lists, tuples, dict keys and values) holds
    the NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class Strict(BaseModel):
    """Unknown fields are refused so a typo never passes silently, and so is text holding the NUL
    character, which PostgreSQL cannot store (it would fail as a server error, and only there)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """Refuse a field whose text holds NUL (``\\u0000``)."""
        if _has_nul(value):
            raise ValueError("text must not contain the NUL character (\\u0000)")
        return value


class PartyIn(Strict):
    """A dispute party or tenant."""

    role: str = Field(default="party", max_length=32)
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]{3,32}$")
    id_number: str | None = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z]{6,32}$")


class CheckinIn(Strict):
    """A patrol's visit to a place or a building."""

    place_id: uuid.UUID | None = None
    building_id: int | None = None
    at: AwareDatetime
    lon: float
    lat: float


class RecordIn(Strict):
    """A new record as the tablet sends it (CONTRACTS.md, ``POST /records``)."""

    id: uuid.UUID
    kind: RecordKind
    category: str = Field(min_length=1, max_length=32)
    priority: Priority | None = None
    description: str = Field(default="", max_length=5000)
    occurred_at: AwareDatetime
    lon: float | None = None
    lat: float | None = None
    photos: list[Sha256] = Field(default_factory=list, max_length=20)
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)
    track: list[tuple[float, float, AwareDatetime]] | None = Field(default=None, max_length=20000)
    checkins: list[CheckinIn] = Field(default_factory=list, max_length=500)
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None


class RecordPatch(Strict):
    """Changes to a record; ``version`` is the one the client last saw."""

    version: int = Field(ge=1)
    category: str | None = Field(default=None, min_length=1, max_length=32)
    priority: Priority | None = None
    description: str | None = Field(default=None, max_length=5000)
    occurred_at: AwareDatetime | None = None
    lon: float | None = None
    lat: float | None = None
    parties: list[PartyIn] | None = Field(default=None, max_length=50)


class TransitionIn(Strict):
    """A case-loop action on a record at the version the client saw."""

    action: str = Field(min_length=1, max_length=32)
    version: int = Field(ge=1)
    note: str = Field(default="", max_length=2000)


class PlaceIn(Strict):
    """A new place (CONTRACTS.md, ``POST /places``)."""

    id: uuid.UUID
    kind: PlaceKind
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    lon: float
    lat: float
    risk_level: RiskLevel = RiskLevel.NORMAL
    attrs: dict[str, Any] = Field(default_factory=dict)


class PlacePatch(Strict):
    """Changes to a place at the version the client saw."""

    version: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    lon: float | None = None
    lat: float | None = None
    risk_level: RiskLevel | None = None
    attrs: dict[str, Any] | None = None
