"""The hazard attributes the rectification loop owns (整改期限, 整改状态;
``grid.domain.rectification``): written from the loop at each of its steps, shown with "overdue"
read from the deadline day, and refused as hand edits once the hazard has a rectification, so
the place never contradicts it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.errors import InvalidInput
from api.models import Place, Rectification, utcnow
from grid.domain import rectification as loop

RECTIFIED = frozenset(k.value for k in loop.RECTIFIED_KINDS)


def shown(kind: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` of a place of ``kind`` as answered: a hazard still open past its deadline day
    shows "overdue" (computed, never stored)."""
    if kind not in RECTIFIED or attrs.get(loop.STATUS_ATTR) is None:
        return attrs
    status = loop.shown_status(attrs, loop.local_today(utcnow()))
    return {**attrs, loop.STATUS_ATTR: status}


def sync_place(session: Session, rect: Rectification, user_id: int) -> None:
    """Write the rectification's stage and deadline into its hazard place's attributes (the one
    place they are set once a loop exists), audited as a change of the place."""
    place = session.get(Place, rect.place_id)
    assert place is not None  # a rectification's place is never deleted
    derived = loop.loop_attrs(rect.stage, rect.deadline)
    attrs = {k: v for k, v in place.attrs.items() if k not in loop.LOOP_ATTRS}
    attrs.update({k: v for k, v in derived.items() if v is not None})
    before = {k: place.attrs.get(k) for k in loop.LOOP_ATTRS}
    after = {k: attrs.get(k) for k in loop.LOOP_ATTRS}
    if before == after:
        return
    place.attrs, place.updated_at = attrs, utcnow()
    diff = {k: [before[k], after[k]] for k in loop.LOOP_ATTRS if before[k] != after[k]}
    audit(session, user_id, "update", "place", place.id, {**diff, "by": "rectification"})


def keep_loop_attrs(session: Session, place: Place, sent: dict[str, Any]) -> dict[str, Any]:
    """``sent`` attributes of a place's update with the loop-owned ones kept as stored once the
    hazard has a rectification: sending back what was stored or shown is fine, anything else is
    refused (422 naming the attribute), since only the loop's steps change them."""
    if place.kind not in RECTIFIED:
        return sent
    has_loop = session.scalar(
        select(Rectification.id).where(Rectification.place_id == place.id).limit(1)
    )
    if has_loop is None:
        return sent
    seen = shown(place.kind, place.attrs)
    out = {k: v for k, v in sent.items() if k not in loop.LOOP_ATTRS}
    for code in loop.LOOP_ATTRS:
        value = sent.get(code)
        if value is not None and value not in (place.attrs.get(code), seen.get(code)):
            raise InvalidInput(
                f"'{code}' is set by the hazard's rectification loop (order, re-inspect, close); "
                "it cannot be typed by hand",
                ("body", "attrs", code),
            )
        if place.attrs.get(code) is not None:
            out[code] = place.attrs[code]
    return out
