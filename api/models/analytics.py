"""Tables behind the analytics: the heat pre-aggregate, service centres and the road network.

``heat_counts`` holds record counts per (fine H3 cell, cell, kind, category, local day, local hour),
kept current by ``api.heatagg`` in the same transaction as every record write, so heat queries never
read raw records. ``centres`` and ``roads`` feed the coverage and siting analyses.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, geometry


class HeatCount(Base):
    """Records of one kind and category in one fine H3 bin and cell during one local hour of a day."""

    __tablename__ = "heat_counts"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    h3: Mapped[str] = mapped_column(String(16), primary_key=True)
    cell_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday; a function of ``day``
    count: Mapped[int] = mapped_column(Integer)


class Centre(Base):
    """A service centre (street or county centre, community station) with its radius and capacity."""

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


class Road(Base):
    """A road centreline used for walking distances (coverage by the 10-/15-minute circles)."""

    __tablename__ = "roads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    highway: Mapped[str | None] = mapped_column(String(32), nullable=True)
    geom = mapped_column(geometry("LINESTRING"), nullable=False)
