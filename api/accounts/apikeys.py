"""API keys of service accounts: a long-lived secret that signs a GDAL job or a QGIS desk in to
the read-only OGC API as one user (so with that user's scope). Only the key's SHA-256 is stored
(a 256-bit random secret needs no slow hash); the key itself is shown once, when issued."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.errors import InvalidInput
from api.models import ApiKey, User, utcnow

PREFIX = "wgk_"  # tells a key from a JWT (which never starts so)


def is_api_key(text: str) -> bool:
    """Whether ``text`` is shaped like one of our keys (not a bearer token)."""
    return text.startswith(PREFIX)


def key_hash(key: str) -> str:
    """The stored form of ``key``."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def issue_key(session: Session, username: str, name: str = "") -> tuple[ApiKey, str]:
    """A new key for ``username`` (the row, and the key to hand over once), audited."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput(f"no user '{username}'", ("username",))
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(user_id=user.id, name=name[:100], key_hash=key_hash(key), created_at=utcnow())
    session.add(row)
    session.flush()
    audit(session, None, "create", "api_key", row.id, {"user": username, "name": row.name})
    return row, key


def revoke_key(session: Session, key_id: int) -> ApiKey:
    """Revoke key ``key_id`` (it stops working at once: every use looks the key up), audited."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise InvalidInput(f"no API key {key_id}", ("id",))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit(session, None, "revoke", "api_key", row.id, {})
    return row


def list_keys(session: Session) -> list[tuple[int, str, str, str, str | None]]:
    """Every key: id, username, name, created and revoked times (never the key)."""
    rows = session.execute(
        select(ApiKey.id, User.username, ApiKey.name, ApiKey.created_at, ApiKey.revoked_at)
        .join(User, User.id == ApiKey.user_id)
        .order_by(ApiKey.id)
    ).all()
    return [
        (i, u, n, c.isoformat(), r.isoformat() if r is not None else None) for i, u, n, c, r in rows
    ]


def key_owner(session: Session, key: str) -> str | None:
    """The username of the active user holding the unrevoked ``key``, else None."""
    return session.scalar(
        select(User.username)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(
            ApiKey.key_hash == key_hash(key),
            ApiKey.revoked_at.is_(None),
            User.active.is_(True),
        )
    )
