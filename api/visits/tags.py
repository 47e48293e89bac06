"""Key-group tags of a person: the one write path (``POST``/``PATCH /persons/{id}/tags``, and a
person's ``tags`` list on create/patch through ``replace_tags``).

A tag is a membership from ``start`` until ``end``; ``reoffended_on`` records a re-offence (for
the 重新犯罪率). Tags are personal data: only roles that may write in the person's cell change
them, and every change is audited (without the person's identity).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.errors import Conflict, InvalidInput, NotFound
from api.models import Person, PersonTag
from api.models.keyed import Shown, commit_versioned, stale
from api.register import rules
from api.register.schemas import TagIn
from api.register.view import Reader
from api.visits.schemas import TagCreate, TagPatch


def tag_out(t: PersonTag) -> dict[str, Any]:
    """A tag as answered (``TagOut``)."""
    return {
        "id": t.id,
        "person_id": str(t.person_id),
        "group": t.group,
        "start": t.start.isoformat(),
        "end": t.end.isoformat() if t.end else None,
        "reoffended_on": t.reoffended_on.isoformat() if t.reoffended_on else None,
        "note": t.note,
        "version": t.version,
    }


TAG_VIEW: Shown[Any] = Shown(PersonTag, lambda t: True, tag_out)


def _writable_person(reader: Reader, person_id: uuid.UUID) -> Person:
    """The person when the caller may see them and write in their cell (404 otherwise)."""
    scope = reader.scope
    scope.require_write()
    p = reader.session.get(Person, person_id)
    if p is None or not scope.sees_cell(p.cell_code, p.community_code):
        raise NotFound(f"no person {person_id}", ("path", "id"))
    scope.require_cell(p.cell_code or "", p.community_code or "", ("path", "id"))
    return p


def _end(end: date | None, start: date, loc: tuple[str, ...]) -> date | None:
    """A membership's end when it is a possible day after its start (a planned end may lie in
    the future)."""
    if end is None:
        return None
    rules.check_day(end, loc, future=True)
    if end <= start:
        raise InvalidInput(f"the end {end.isoformat()} is not after the start", loc)
    return end


def add_tag(reader: Reader, person_id: uuid.UUID, body: TagCreate) -> tuple[PersonTag, bool]:
    """Add a membership (True); the same group and start again answers the stored tag when the
    rest matches (False: a resend), else 409 with ``current``."""
    s, scope = reader.session, reader.scope
    p = _writable_person(reader, person_id)
    rules.check_code("group", body.group, ("body", "group"))
    rules.check_day(body.start, ("body", "start"))
    end = _end(body.end, body.start, ("body", "end"))
    same = s.scalar(
        select(PersonTag).where(
            PersonTag.person_id == p.id,
            PersonTag.group == body.group,
            PersonTag.start == body.start,
        )
    )
    if same is not None:
        if same.end == end and same.note == body.note:
            return same, False
        raise Conflict(
            "the person already has this group from this start",
            ("body", "start"),
            extra={"current": tag_out(same)},
        )
    tag = PersonTag(person_id=p.id, group=body.group, start=body.start, end=end, note=body.note)
    s.add(tag)
    s.flush()
    audit(s, scope.user_id, "create", "person_tag", p.id, {"tag": tag.id, "group": tag.group})
    s.commit()
    return tag, True


def patch_tag(reader: Reader, person_id: uuid.UUID, tag_id: int, body: TagPatch) -> PersonTag:
    """Change a membership's end, re-offence day or note (at the version the client saw)."""
    s, scope = reader.session, reader.scope
    p = _writable_person(reader, person_id)
    tag = s.get(PersonTag, tag_id) if 0 < tag_id <= 2**31 - 1 else None
    if tag is None or tag.person_id != p.id:
        raise NotFound(f"no tag {tag_id} of person {person_id}", ("path", "tag_id"))
    if body.version is not None:
        stale(TAG_VIEW, tag, body.version)
    if body.end is not None:
        tag.end = _end(body.end, tag.start, ("body", "end"))
    if body.reoffended_on is not None:
        rules.check_day(body.reoffended_on, ("body", "reoffended_on"), after=tag.start)
        tag.reoffended_on = body.reoffended_on
    if body.note is not None:
        tag.note = body.note
    changed = sorted(k for k, v in body.model_dump().items() if v is not None and k != "version")
    audit(s, scope.user_id, "update", "person_tag", p.id, {"tag": tag.id, "fields": changed})
    commit_versioned(s, TAG_VIEW, tag.id)
    return tag


def replace_tags(s: Session, person_id: uuid.UUID, tags: Sequence[TagIn]) -> None:
    """Make a person's tags those of a person's ``tags`` list: a tag of the same group and start
    is kept (its end updated; its re-offence day and note stay), others are removed or added."""
    wanted = {(t.group, t.start): t for t in tags}
    for old in s.scalars(select(PersonTag).where(PersonTag.person_id == person_id)):
        new = wanted.pop((old.group, old.start), None)
        if new is None:
            s.delete(old)
        elif old.end != new.end:
            old.end = new.end
    s.add_all(
        PersonTag(person_id=person_id, group=t.group, start=t.start, end=t.end)
        for t in wanted.values()
    )
