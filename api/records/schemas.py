"""Request bodies of records: shapes and types; rules in the service."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import AwareDatetime, Field, StrictInt

from api.schemas import Float, Located, Sha256, Strict, to_wgs84
from grid.domain.caseflow import Priority
from grid.domain.catalog import RecordKind


class PartyIn(Strict):
    """A dispute party or tenant."""

    role: str = Field(default="party", max_length=32)
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]{3,32}$")
    id_number: str | None = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z]{6,32}$")


class CheckinIn(Strict):
    """A patrol's visit to a place or a building, in the datum of its record."""

    place_id: uuid.UUID | None = None
    building_id: StrictInt | None = None
    at: AwareDatetime
    lon: Float
    lat: Float


class RecordIn(Located):
    """A new record as the tablet sends it (CONTRACTS.md, ``POST /records``)."""

    id: uuid.UUID
    kind: RecordKind
    category: str = Field(min_length=1, max_length=32)
    priority: Priority | None = None
    description: str = Field(default="", max_length=5000)
    occurred_at: AwareDatetime
    photos: list[Sha256] = Field(default_factory=list, max_length=20)
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)
    track: list[tuple[Float, Float, AwareDatetime]] | None = Field(default=None, max_length=20000)
    checkins: list[CheckinIn] = Field(default_factory=list, max_length=500)
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    #: Fields added after records were first stored: left out of the content hash while unset,
    #: so a tablet's resend of a record stored before they existed still matches (not a 409).
    hash_omits_unset: ClassVar[tuple[str, ...]] = ("floor", "unit")
    #: In a tall building: the floor and entrance unit, which put the record in its vertical cell.
    floor: StrictInt | None = Field(default=None, ge=-10, le=300)
    unit: StrictInt | None = Field(default=None, ge=1, le=99)

    def _convert(self, crs: str) -> None:
        """The point, the track and the check-ins converted from ``crs`` to WGS84."""
        super()._convert(crs)
        if self.track:
            lon, lat = to_wgs84(crs, [p[0] for p in self.track], [p[1] for p in self.track])
            self.track = [(x, y, p[2]) for x, y, p in zip(lon, lat, self.track, strict=True)]
        if self.checkins:
            lon, lat = to_wgs84(crs, [c.lon for c in self.checkins], [c.lat for c in self.checkins])
            for c, x, y in zip(self.checkins, lon, lat, strict=True):
                c.lon, c.lat = x, y


class RecordPatch(Located):
    """Changes to a record; ``version`` is the one the client last saw."""

    version: StrictInt = Field(ge=1)
    category: str | None = Field(default=None, min_length=1, max_length=32)
    priority: Priority | None = None
    description: str | None = Field(default=None, max_length=5000)
    occurred_at: AwareDatetime | None = None
    parties: list[PartyIn] | None = Field(default=None, max_length=50)


class TransitionIn(Strict):
    """A case-loop action on a record at the version the client saw."""

    action: str = Field(min_length=1, max_length=32)
    version: StrictInt = Field(ge=1)
    note: str = Field(default="", max_length=2000)
    receiver: str | None = Field(default=None, min_length=1, max_length=64)
