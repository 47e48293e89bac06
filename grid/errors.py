"""Domain errors raised by the grid library, each naming what was wrong and where.

The CLI prints them as ``file: row/feature: reason``; the API maps them to HTTP 4xx through its
single error table. Nothing in grid/ raises a bare ValueError for bad user input.
"""

from __future__ import annotations


class GridError(Exception):
    """Base class for errors about user input or data that the grid library refuses."""

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        feature: object | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.feature = feature
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The full message: source, feature and field when known, then the reason."""
        where = []
        if self.source:
            where.append(str(self.source))
        if self.feature is not None:
            where.append(f"feature {self.feature}")
        if self.field:
            where.append(f"field '{self.field}'")
        return (": ".join(where) + ": " if where else "") + self.reason


class InputError(GridError):
    """Input that cannot be read or used: bad file, bad geometry, bad field, bad coordinates."""


class CoordinateError(InputError):
    """Coordinates out of range, apparently swapped, or in an undeclared shifted system."""


class PartitionError(GridError):
    """A partition that cannot be made from the given input."""
