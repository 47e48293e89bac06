"""Tables behind the analytics: the heat pre-aggregate, service centres and the road network.

The heat pre-aggregate is two tables, kept current by ``api.analytics.heatagg`` in the same
transaction as
every record write, so heat queries never read raw records. Both hold the local hour of day as 24
count columns (``h00``..``h23``) beside their total (``count``), so a day's records of one key share
one row and an hour filter is a sum of columns:

- ``heat_counts``: per (local day, kind, category, finest H3 bin, cell) — for users limited to some
  cells or communities, per-cell counts and drill-down;
- ``heat_bins``: per (resolution, daily or monthly, local day or month's first day, kind, category,
  parent H3 bin, shard) at each of ``grid.analysis.heat.SERVING_RESOLUTIONS`` — the district-wide
  map. The shard (from the record id) splits each key over a few rows so that concurrent writes of
  one area, day and category do not queue on one row lock; queries sum over it.

``centres`` and ``roads`` feed the coverage and siting analyses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, geometry

HOURS = tuple(f"h{h:02d}" for h in range(24))  # local hour-of-day count columns


def _counts() -> list[Column]:
    """The weekday (0 = Monday, a function of the day; NULL on monthly rows), total and hours."""
    return [
        Column("weekday", SmallInteger, nullable=True),
        Column("count", Integer, nullable=False),
        *(Column(h, Integer, nullable=False, default=0) for h in HOURS),
    ]


heat_counts = Table(
    "heat_counts",
    Base.metadata,
    Column("day", Date, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("h3", String(16), primary_key=True),
    Column("cell_code", String(15), primary_key=True),
    *_counts(),
    Index("ix_heat_counts_cell_day", "cell_code", "day"),
)

heat_bins = Table(
    "heat_bins",
    Base.metadata,
    Column("res", SmallInteger, primary_key=True),
    Column("monthly", Boolean(create_constraint=False), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("h3", String(16), primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    *_counts(),
    Index("ix_heat_bins_res_day", "res", "monthly", "day"),
)


class HeatCount(Base):
    """Records of one kind and category in one finest H3 bin and cell on one local day."""

    __table__ = heat_counts


class HeatBin(Base):
    """Records of one kind and category in one H3 bin at a serving resolution, in one local day
    or month (one shard of them)."""

    __table__ = heat_bins


class Centre(Base):
    """A service centre (street or county centre, community station) with its radius and
    capacity, in service from a moment until retired."""

    __tablename__ = "centres"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    community_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    geom = mapped_column(geometry("POINT"), nullable=False)
    radius_m: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    # in service from in_service_from (null: since before it was recorded) until retired_at;
    # a retired centre is kept with who retired it, so coverage as of a past date can use it
    in_service_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Road(Base):
    """A road centreline used for walking distances (coverage by the 10-/15-minute circles)."""

    __tablename__ = "roads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    highway: Mapped[str | None] = mapped_column(String(32), nullable=True)
    geom = mapped_column(geometry("LINESTRING"), nullable=False)
