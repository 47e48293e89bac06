"""Request bodies of the roster: shapes and types; rules in ``api.roster.service``."""

from __future__ import annotations

from pydantic import AwareDatetime, Field, StrictInt

from api.schemas import Strict

PHONE = r"^[0-9+\- ]{3,32}$"
MAX_ID = 2**31 - 1  # the INTEGER columns of both backends


class MemberIn(Strict):
    """A new holder of a roster role: an account (``user_id``) or a named contact."""

    role: str = Field(min_length=1, max_length=32)
    user_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID)
    contact_name: str | None = Field(default=None, min_length=1, max_length=100)
    duty_phone: str | None = Field(default=None, pattern=PHONE)
    building_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID)
    unit: StrictInt | None = Field(default=None, ge=1, le=99)
    started_at: AwareDatetime | None = None


class MemberEnd(Strict):
    """The end of a roster entry (it is kept, closed, in the history)."""

    ended_at: AwareDatetime


class AbsenceIn(Strict):
    """A leader's absence from ``from`` to ``to``, during which the backup covers the cell."""

    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime
    reason: str = Field(default="", max_length=200)
