"""Accounts, the audit log and the vocabulary lookup table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, utcnow


class User(Base):
    """A person who signs in: argon2 password hash, role from ``grid.domain.caseflow.Role``,
    scope."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(ForeignKey("roles.code"))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # street staff work for one street office; police and admin see the whole district
    street_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """One create, update or transition: who, when, what, and the changed fields."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Role(Base):
    """Lookup of account roles, seeded from ``grid.domain.caseflow.Role``."""

    __tablename__ = "roles"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)


class Term(Base):
    """Lookup of every coded term (kinds, categories, statuses, priorities...), seeded from
    grid/."""

    __tablename__ = "terms"
    vocabulary: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent: Mapped[str] = mapped_column(String(32), primary_key=True, default="")
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    zh: Mapped[str] = mapped_column(Text)
    en: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiKey(Base):
    """A long-lived key of a service account (a city platform's GDAL job, a QGIS desk) for the
    read-only OGC API: only its SHA-256 is stored; revoking sets ``revoked_at``."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
