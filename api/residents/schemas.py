"""Request bodies of residents' reports and ratings: shapes and types; rules in the service."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Located, Strict

PHONE = r"^\+?[0-9][0-9\- ]{5,30}$"
PHOTO_TOKEN = r"^[0-9a-f]{64}\.[0-9a-f]{32}$"


class ReportIn(Located):
    """A resident's report from the public page: category, location, description, photos (as
    the tokens ``POST /public/photos`` gave) and an optional phone for a call-back."""

    category: str = Field(min_length=1, max_length=32)
    description: str = Field(default="", max_length=2000)
    phone: str | None = Field(default=None, max_length=32, pattern=PHONE)
    photos: list[str] = Field(default_factory=list, max_length=5)
    cell: str | None = Field(default=None, pattern=r"^[0-9]{15}$")


class RatingIn(Strict):
    """A satisfaction rating (``grid.domain.residents.RATINGS``) with an optional note."""

    rating: str = Field(min_length=1, max_length=16)
    note: str = Field(default="", max_length=1000)
