"""Request bodies of places: shapes and types; rules in the service."""

from __future__ import annotations

import uuid

from pydantic import Field, StrictInt

from api.schemas import Float, FreeJson, Located
from grid.domain.catalog import PlaceKind, RiskLevel


class PlaceIn(Located):
    """A new place (CONTRACTS.md, ``POST /places``)."""

    id: uuid.UUID
    kind: PlaceKind
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    lon: Float
    lat: Float
    risk_level: RiskLevel = RiskLevel.NORMAL
    attrs: FreeJson = Field(default_factory=dict)


class PlacePatch(Located):
    """Changes to a place at the version the client saw."""

    version: StrictInt = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    risk_level: RiskLevel | None = None
    attrs: FreeJson | None = None
