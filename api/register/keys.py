"""``wangge keys rotate``: re-encrypt every personal field of the register under a new data key,
recompute the blind indexes and keyed content hashes, and keep the old key for nothing.

The new key is written beside the key file first (``data_key.new``, mode 600); the database is
re-encrypted in one transaction; only when that commits does the new key replace the old file.
A failure before the commit leaves the old key and the old ciphertexts as they were.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from api.models import Organisation, Person, PersonTag, ResidentReport
from api.register.crypto import DataCipher, forget_ciphers, new_key, write_key_file
from api.register.orgs import CONTACT
from api.register.people import person_content
from api.register.view import PERSONAL
from api.residents.limits import PHONE_FIELD

BATCH = 2000


def _tags(session: Session) -> dict[object, list[list[str | None]]]:
    """Every person's tags in the canonical form of the content hash."""
    out: dict[object, list[list[str | None]]] = defaultdict(list)
    for t in session.scalars(select(PersonTag)):
        out[t.person_id].append(
            [t.group, t.start.isoformat(), t.end.isoformat() if t.end else None]
        )
    return {k: sorted(v) for k, v in out.items()}


def _person_update(
    row: Any, tags: list[list[str | None]], old: DataCipher, new: DataCipher
) -> dict[str, Any]:
    """The new ciphertexts, indexes and content hash of one stored person row."""
    plain = {f: old.decrypt(f, getattr(row, f)) for f in PERSONAL}
    content = {
        "id": str(row.id),
        "household_id": str(row.household_id),
        **plain,
        "person_type": row.person_type,
        "relation": row.relation,
        "moved_in": row.moved_in.isoformat() if row.moved_in else None,
        "tags": tags,
    }
    return {
        "_id": row.id,
        **{f: new.encrypt(f, plain[f]) for f in PERSONAL},
        "id_index": new.index(plain["id_number"]),
        "phone_index": new.index(plain["phone"]),
        "content_hash": new.digest(person_content(content)),
    }


def reencrypt(session: Session, old: DataCipher, new: DataCipher) -> int:
    """Re-encrypt every person's and organisation's personal fields from ``old`` to ``new`` in
    ``session`` (not committed); the number of rows changed. Core statements, so versions stay:
    a re-encryption is no change a tablet must see as a conflict."""
    people, orgs = cast(Table, Person.__table__), cast(Table, Organisation.__table__)
    tags = _tags(session)
    rows = session.execute(select(people)).all()
    updates = [_person_update(r, tags.get(r.id, []), old, new) for r in rows]
    for i in range(0, len(updates), BATCH):
        session.execute(
            update(people).where(people.c.id == bindparam("_id")), updates[i : i + BATCH]
        )
    org_updates = [
        {"_id": r.id, **{f: new.encrypt(f, old.decrypt(f, getattr(r, f))) for f in CONTACT}}
        for r in session.execute(select(orgs)).all()
    ]
    if org_updates:
        session.execute(update(orgs).where(orgs.c.id == bindparam("_id")), org_updates)
    return len(updates) + len(org_updates) + _reseal_reporters(session, old, new)


def _reseal_reporters(session: Session, old: DataCipher, new: DataCipher) -> int:
    """Re-encrypt residents' reporter phones and their blind indexes (the per-phone limit's key);
    the rows changed."""
    reports = cast(Table, ResidentReport.__table__)
    rows = session.execute(
        select(reports.c.ticket, reports.c.phone).where(reports.c.phone.is_not(None))
    ).all()
    plain = [(r.ticket, old.decrypt(PHONE_FIELD, r.phone)) for r in rows]
    changes = [
        {"_t": t, "phone": new.encrypt(PHONE_FIELD, p), "phone_hash": new.index(p)}
        for t, p in plain
    ]
    if changes:
        session.execute(update(reports).where(reports.c.ticket == bindparam("_t")), changes)
    return len(changes)


def rotate(session: Session, key_file: Path, old_key: bytes) -> int:
    """Rotate from ``old_key`` to a new key kept in ``key_file``; the rows re-encrypted."""
    key = new_key()
    pending = key_file.with_name(key_file.name + ".pending")
    write_key_file(pending, key)
    try:
        n = reencrypt(session, DataCipher(old_key), DataCipher(key))
        session.commit()
    except BaseException:
        session.rollback()
        pending.unlink(missing_ok=True)
        raise
    pending.replace(key_file)
    forget_ciphers()
    return n
