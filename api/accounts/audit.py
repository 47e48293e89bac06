"""The audit log: every create, update and transition, written in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.models import AuditEntry


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data (datetimes and UUIDs as strings)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def audit(
    session: Session,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: object,
    diff: dict[str, Any],
) -> None:
    """Add an audit row for ``action`` on ``entity``/``entity_id`` with the changed fields."""
    session.add(
        AuditEntry(
            user_id=user_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            diff=_plain(diff),
        )
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that differ between two snapshots, as ``{field: [old, new]}``."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_diff(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps about a created record."""
    return {k: values[k] for k in ("kind", "category", "cell_code")}
