"""The base of every request body; each package's ``schemas.py`` holds its own bodies.
Shapes and types are checked here; domain rules (categories, cells) in
services.

Types are strict (JSON's own: a number is never taken from a string, NaN and Infinity are
refused, an int is accepted where a number is expected), text follows ``api.edge.text_rules`` and
coordinates sent in another datum (``crs``) are converted to WGS84 here, before any check or cell
lookup, so every write path sees WGS84 only.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from api.edge.text_rules import check_free_json, check_text
from grid.input.shift import TO_WGS84, in_china

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Float = Annotated[float, Field(strict=True, allow_inf_nan=False)]  # ints pass, strings do not
FreeJson = Annotated[dict[str, Any], AfterValidator(check_free_json)]

WGS84 = "wgs84"
CRS_NAMES = (WGS84, *TO_WGS84)  # the datums grid.input.shift converts from, as the CLI's --crs


def _known_crs(name: str) -> str:
    """``name`` when it is a datum we convert from."""
    if name not in CRS_NAMES:
        raise ValueError(f"crs must be one of {', '.join(CRS_NAMES)}")
    return name


Crs = Annotated[
    str,
    AfterValidator(_known_crs),
    # stored data is WGS84 whatever was sent: the content hash of a resend ignores the datum
    Field(exclude=True, json_schema_extra={"enum": list(CRS_NAMES)}),
]


def to_wgs84(crs: str, lon: list[float], lat: list[float]) -> tuple[list[float], list[float]]:
    """Points (``lon``, ``lat``) in datum ``crs`` as WGS84; points outside China (where no shift
    applies, and where out-of-range values are left for the range check) stay as they are."""
    if crs == WGS84 or not lon:
        return lon, lat
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = in_china(x, y)
    if inside.any():
        x[inside], y[inside] = TO_WGS84[crs](x[inside], y[inside])
    return x.tolist(), y.tolist()


def field_error(model: BaseModel, loc: tuple[str | int, ...], msg: str) -> ValidationError:
    """A validation error at ``loc`` inside ``model`` (raised from a model validator, it keeps
    that loc, so the 422 names the field rather than the whole body)."""
    error = InitErrorDetails(type=PydanticCustomError("value_error", msg), loc=loc, input=None)
    return ValidationError.from_exception_data(type(model).__name__, [error])


class Strict(BaseModel):
    """Unknown fields are refused so a typo never passes silently, and so is text that could not
    be stored or answered on both backends (``api.edge.text_rules``: NUL, lone surrogates, deep
    nesting), each as a 422 naming the field."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        """Refuse a field holding unstorable text or nested too deep."""
        return check_text(value)


class Located(Strict):
    """A body with an optional point (``lon``, ``lat``) in datum ``crs``, converted to WGS84."""

    crs: Crs = WGS84
    lon: Float | None = None
    lat: Float | None = None

    @model_validator(mode="after")
    def _in_wgs84(self) -> Self:
        """The body with its coordinates converted from ``crs`` to WGS84 (and ``crs`` WGS84)."""
        if self.crs != WGS84:
            self._convert(self.crs)
            self.crs = WGS84
        return self

    def _convert(self, crs: str) -> None:
        """Turn ``lon``/``lat`` (both, or neither, outside WGS84) from ``crs`` into WGS84."""
        if self.lon is None and self.lat is None:
            return
        if self.lon is None or self.lat is None:
            missing = "lon" if self.lon is None else "lat"
            raise field_error(self, (missing,), f"with crs {crs}, send both lon and lat")
        (self.lon,), (self.lat,) = to_wgs84(crs, [self.lon], [self.lat])
