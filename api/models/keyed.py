"""Located, client-keyed, versioned rows (places and records) and the two rules they share.

Such a row is keyed by the client's UUID (ODK Central style), so a tablet can send it again
until it hears back; ``content_hash`` (of the client's payload) tells a harmless resend from a
conflicting reuse of the id, and ``version`` guards updates against lost changes. The rules:

- ``create_or_resend`` / ``resend_of``: a stored id answers the stored row when the content
  matches and the caller may see it; 409 otherwise, with ``current`` the row as the caller sees
  it, or ``null`` when the caller may not see it (whatever the content: nothing about it leaks).
- ``stale`` / ``commit_versioned``: an update at a version that is not the row's, or one that a
  concurrent update beat, is a 409 with ``current``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from geoalchemy2 import WKTElement
from pydantic import BaseModel
from sqlalchemy import Float, Integer, String, Uuid
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from api.errors import Conflict
from api.models.base import SRID, UTCDateTime, geometry, utcnow


class Keyed:
    """Columns of a client-keyed, versioned row (places, records, and the register's
    households and persons, which have no point of their own)."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the ORM adds "WHERE version = :seen" to every UPDATE and bumps it: no lost updates
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - a declarative class attribute
        """Version every UPDATE by the ``version`` column."""
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class KeyedPoint(Keyed):
    """Columns of a located (point, cell, community), client-keyed, versioned row.

    ``cell_code``, ``h3`` and ``author_id`` are the classes' own: they are indexed differently
    (places are listed by cell, records by bin and author), and keeping each table's indexes
    as they are needs no migration.
    """

    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    geom = mapped_column(geometry("POINT"), nullable=False)
    community_code: Mapped[str] = mapped_column(String(12), index=True)


Row = TypeVar("Row", bound=Keyed)


@dataclass(frozen=True)
class Shown(Generic[Row]):
    """How one caller sees rows of ``model``: whether at all (``sees``) and as what (``show``,
    the JSON a 409's ``current`` carries)."""

    model: type[Row]
    sees: Callable[[Row], bool]
    show: Callable[[Row], dict[str, Any]]

    @property
    def name(self) -> str:
        """The row's name in messages ("place", "record")."""
        return str(self.model.__tablename__).removesuffix("s")  # type: ignore[attr-defined]


def content_hash(body: BaseModel) -> str:
    """A hash of the client's payload: equal for a harmless resend, different for a conflict.
    Fields a model added later (``hash_omits_unset``) count only when set, so hashes of rows
    stored before them stay valid."""
    dumped = body.model_dump(mode="json")
    for name in getattr(body, "hash_omits_unset", ()):
        if dumped.get(name) is None:
            dumped.pop(name, None)
    data = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def point_wkt(lon: float, lat: float) -> WKTElement:
    """A WGS84 point for a ``geom`` column."""
    return WKTElement(f"POINT({lon!r} {lat!r})", srid=SRID)


def resend_of(session: Session, view: Shown[Row], row_id: uuid.UUID, digest: str) -> Row | None:
    """The row stored under a resent id when the caller sees it and the content matches; None
    when the id is free; else 409 with ``current`` (as shown, or null for a row not seen)."""
    row = session.get(view.model, row_id)
    if row is None:
        return None
    visible = view.sees(row)
    if visible and row.content_hash == digest:
        return row
    raise Conflict(
        f"{view.name} {row_id} already exists"
        + (" with different content" if visible else ", outside your cells/communities"),
        ("body", "id"),
        extra={"current": view.show(row) if visible else None},
    )


def create_or_resend(
    session: Session, view: Shown[Row], row_id: uuid.UUID, digest: str, write: Callable[[], Row]
) -> tuple[Row, bool]:
    """Add a new row with ``write`` (which may flush) and commit it (True); when the id is taken
    (a resend, or the same id arriving concurrently) answer by ``resend_of`` (False).

    The insert is tried first because resends are rare and a pre-check would cost every write
    a round trip; every check must have run before ``write``."""
    try:
        row = write()
        session.commit()
    except IntegrityError:
        session.rollback()
        found = resend_of(session, view, row_id, digest)
        if found is None:
            raise
        return found, False
    return row, True


def stale(view: Shown[Row], row: Row, seen: int) -> None:
    """409 with the current row when the client's ``seen`` version is not the row's."""
    if row.version != seen:
        raise Conflict(
            f"{view.name} changed since version {seen}; it is at version {row.version}",
            ("body", "version"),
            extra={"current": view.show(row)},
        )


def commit_versioned(
    session: Session,
    view: Shown[Row],
    row_id: uuid.UUID | int,
    then: Callable[[], object] | None = None,
) -> None:
    """Commit, turning a concurrent update that won the race into a 409 with the current row;
    ``then`` runs after the versioned update is flushed, in the same transaction (e.g. a
    count that depends on the row)."""
    try:
        if then is not None:
            session.flush()
            then()
        session.commit()
    except StaleDataError as e:
        session.rollback()
        fresh = session.get(view.model, row_id, populate_existing=True)
        raise Conflict(
            f"{view.name} was changed concurrently",
            ("body", "version"),
            extra={"current": view.show(fresh) if fresh is not None else None},
        ) from e
