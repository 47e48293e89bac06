"""Request bodies of mediation and screening: shapes and types; rules in the service."""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime, Field, StrictBool, StrictInt

from api.schemas import Sha256, Strict


class MediationIn(Strict):
    """A dispute's mediation as it stands: mediator (an account, or a name), outcome and where
    it was referred, the agreement and its photo, the mass-incident flag and headcount."""

    mediator: str | None = Field(default=None, max_length=64)
    mediator_name: str = Field(default="", max_length=100)
    outcome: str | None = Field(default=None, max_length=16)
    referred_to: str | None = Field(default=None, max_length=32)
    agreement: str = Field(default="", max_length=5000)
    agreement_photo: Sha256 | None = None
    mass_incident: StrictBool = False
    headcount: StrictInt = Field(default=0, ge=0, le=100000)


class SessionIn(Strict):
    """One mediation session."""

    at: AwareDatetime
    note: str = Field(default="", max_length=2000)


class ScreeningIn(Strict):
    """A screening round of a cell (client-made id); ``disputes_found`` 0 is "nothing found"."""

    id: uuid.UUID
    cell_code: str = Field(pattern=r"^[0-9]{15}$")
    at: AwareDatetime
    disputes_found: StrictInt = Field(ge=0, le=10000)
    note: str = Field(default="", max_length=2000)
