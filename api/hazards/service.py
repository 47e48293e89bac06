"""Hazard rectification: open one for a hazard place, take it along the loop (deadline by
severity when ordered, photos on re-inspection, a target on escalation), list and show it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.accounts.access import Scope
from api.accounts.audit import audit
from api.checks import check_photos
from api.errors import Conflict, InvalidInput, NotFound
from api.hazards.schemas import RectificationIn, StepIn
from api.models import Place, Rectification, RectificationStep, User, utcnow
from api.places.loop_attrs import sync_place
from api.places.service import visible_place
from api.records.view import iso
from grid.domain import rectification as loop
from grid.domain.catalog import HAZARD_SEVERITIES


def _severity(place: Place, given: str | None) -> str:
    """The rectification's severity: the given one, else the place's, else the default."""
    codes = [t.code for t in HAZARD_SEVERITIES]
    value = given or (place.attrs or {}).get("severity") or loop.DEFAULT_SEVERITY
    if value not in codes:
        raise InvalidInput(
            f"unknown severity '{value}'; allowed: {', '.join(codes)}", ("body", "severity")
        )
    return str(value)


def open_rectification(
    session: Session, scope: Scope, place_id: uuid.UUID, body: RectificationIn
) -> tuple[Rectification, bool]:
    """Open the rectification of a hazard place at "found" (True), or give back the one this
    id already opened for the same place (False); one open rectification per place."""
    scope.require_write()
    place = visible_place(session, scope, place_id)
    scope.require_cell(place.cell_code, place.community_code, ("path", "id"))
    if place.kind not in {k.value for k in loop.RECTIFIED_KINDS}:
        raise InvalidInput("only hazard points are rectified", ("path", "id"))
    known = session.get(Rectification, body.id)
    if known is not None:
        if known.place_id != place.id:
            raise Conflict("this id is used by another rectification", ("body", "id"))
        return known, False
    open_stages = [s.value for s, i in loop.STAGES.items() if i.is_open]
    busy = session.scalar(
        select(Rectification.id).where(
            Rectification.place_id == place.id, Rectification.stage.in_(open_stages)
        )
    )
    if busy is not None:
        raise Conflict(f"this hazard already has an open rectification {busy}", ("path", "id"))
    now = utcnow()
    rect = Rectification(
        id=body.id,
        place_id=place.id,
        cell_code=place.cell_code,
        community_code=place.community_code,
        severity=_severity(place, body.severity),
        stage=loop.INITIAL_STAGE.value,
        found_at=now,
        officer_id=scope.user_id,
        updated_at=now,
    )
    session.add(rect)
    session.flush()
    _log(session, rect, "found", loop.INITIAL_STAGE.value, scope.user_id, body.note, [])
    sync_place(session, rect, scope.user_id)
    audit(session, scope.user_id, "create", "rectification", rect.id, {"place": str(place.id)})
    session.commit()
    return rect, True


def _log(
    session: Session,
    rect: Rectification,
    action: str,
    source: str,
    user_id: int,
    note: str,
    photos: list[str],
) -> None:
    """Add one step to the rectification's history."""
    session.add(
        RectificationStep(
            rectification_id=rect.id,
            action=action,
            from_stage=source,
            to_stage=rect.stage,
            user_id=user_id,
            at=rect.updated_at,
            note=note,
            photos=photos,
        )
    )


def visible_rectification(session: Session, scope: Scope, rid: uuid.UUID) -> Rectification:
    """The rectification if the user may see its cell (404 otherwise)."""
    rect = session.get(Rectification, rid)
    if rect is None or not scope.sees_cell(rect.cell_code, rect.community_code):
        raise NotFound(f"no rectification {rid}", ("path", "id"))
    return rect


def _check_step(session: Session, scope: Scope, step: loop.Step, body: StepIn) -> None:
    """Photos where the step needs them (visible to the user), a known target on escalation."""
    if step.photos and not body.photos:
        raise InvalidInput(f"'{step.action}' needs the re-inspection's photos", ("body", "photos"))
    check_photos(session, scope, body.photos)
    targets = [t.code for t in loop.ESCALATION_TARGETS]
    if step.escalation and body.escalated_to not in targets:
        raise InvalidInput(
            f"escalated_to must be one of: {', '.join(targets)}", ("body", "escalated_to")
        )
    if not step.escalation and body.escalated_to is not None:
        raise InvalidInput(f"'{step.action}' escalates nothing", ("body", "escalated_to"))


def take_step(session: Session, scope: Scope, rid: uuid.UUID, body: StepIn) -> Rectification:
    """Move a rectification one step; ordering sets the deadline from the severity."""
    scope.require_write()
    rect = visible_rectification(session, scope, rid)
    scope.require_cell(rect.cell_code, rect.community_code, ("path", "id"))
    if rect.version != body.version:
        raise Conflict(
            "stale version",
            ("body", "version"),
            extra={"current": rectification_json(session, scope, rect)},
        )
    try:
        step = loop.step(rect.stage, body.action, scope.role)
    except loop.StepError as e:
        raise InvalidInput(str(e), ("body", "action")) from e
    _check_step(session, scope, step, body)
    now = utcnow()
    source = rect.stage
    if step.target == loop.CLOCK_STARTS:
        rect.ordered_at = now
        rect.deadline = loop.deadline(now, rect.severity)
    if loop.STAGES[step.target].is_closed:
        rect.closed_at = now
    if step.escalation:
        rect.escalated_to = body.escalated_to
    rect.stage, rect.updated_at = step.target.value, now
    _log(session, rect, step.action, source, scope.user_id, body.note, list(body.photos))
    sync_place(session, rect, scope.user_id)
    audit(
        session,
        scope.user_id,
        "step",
        "rectification",
        rect.id,
        {"action": step.action, "stage": [source, rect.stage]},
    )
    try:
        session.commit()
    except StaleDataError as e:
        session.rollback()
        raise Conflict("changed meanwhile; read it again", ("body", "version")) from e
    return rect


def rectification_json(session: Session, scope: Scope, rect: Rectification) -> dict[str, Any]:
    """A rectification with its allowed actions, overdue flag and its history of steps."""
    steps = list(
        session.execute(
            select(RectificationStep, User.username)
            .join(User, User.id == RectificationStep.user_id)
            .where(RectificationStep.rectification_id == rect.id)
            .order_by(RectificationStep.at, RectificationStep.id)
        )
    )
    now = utcnow()
    actions = [s.action for s in loop.allowed_steps(rect.stage, scope.role)]
    return {
        "id": str(rect.id),
        "place_id": str(rect.place_id),
        "cell_code": rect.cell_code,
        "community_code": rect.community_code,
        "severity": rect.severity,
        "stage": rect.stage,
        "found_at": iso(rect.found_at),
        "ordered_at": iso(rect.ordered_at),
        "deadline": iso(rect.deadline),
        "closed_at": iso(rect.closed_at),
        "escalated_to": rect.escalated_to,
        "version": rect.version,
        "overdue": loop.is_overdue(rect.stage, rect.deadline, now),
        "allowed_actions": actions if scope.can_write else [],
        "steps": [
            {
                "action": s.action,
                "from": s.from_stage,
                "to": s.to_stage,
                "by": name,
                "at": iso(s.at),
                "note": s.note,
                "photos": list(s.photos or []),
            }
            for s, name in steps
        ],
    }


def list_rectifications(
    session: Session,
    scope: Scope,
    *,
    place_id: uuid.UUID | None = None,
    cell: str | None = None,
    stage: str | None = None,
    overdue: bool = False,
) -> list[Rectification]:
    """Rectifications the user may see, newest first, filtered."""
    q = scope.visible(select(Rectification), Rectification)
    if place_id is not None:
        q = q.where(Rectification.place_id == place_id)
    if cell:
        q = q.where(Rectification.cell_code == cell)
    if stage:
        q = q.where(Rectification.stage == stage)
    if overdue:
        open_stages = [s.value for s, i in loop.STAGES.items() if i.is_open]
        q = q.where(Rectification.deadline < utcnow(), Rectification.stage.in_(open_stages))
    return list(session.scalars(q.order_by(Rectification.found_at.desc()).limit(1000)))
