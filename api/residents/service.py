"""Residents' reports: photos, the report itself (into the case loop as "reported, source:
resident"), the ticket a resident follows, and ratings after closure.

A report is an incident record written by the ``_residents`` account (no one can sign in to
it) with a ``resident_reports`` row: the unguessable ticket, the channel, the optional phone
(encrypted, found by its blind index) and the keyed hashes the rate limits count by. The cell's
officers then verify (register) or cancel it through the ordinary case loop.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.checks import check_point
from api.errors import Conflict, InvalidInput, NotFound, OutsideCells
from api.models import Photo, Rating, Record, RecordPhoto, ResidentReport, User, utcnow
from api.models.keyed import content_hash, point_wkt
from api.records.service import RESIDENTS_USER
from api.register.crypto import cipher_for
from api.residents import limits, photos
from api.residents.schemas import ReportIn
from api.store import Store
from grid.domain import caseflow, residents
from grid.domain.caseflow import Priority


def resident_author(session: Session) -> int:
    """The id of the account residents' reports are written by, made on the first report (an
    inactive account nobody can sign in to; not made by a migration, so that a new database still
    counts as empty for the demo). Two first reports at once: the loser of the race reads the
    winner's row."""
    uid = session.scalar(select(User.id).where(User.username == RESIDENTS_USER))
    if uid is not None:
        return int(uid)
    user = User(
        username=RESIDENTS_USER,
        password_hash="!",
        role=caseflow.Role.POLICE.value,
        display_name="居民 Residents",
        active=False,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        uid = session.scalar(select(User.id).where(User.username == RESIDENTS_USER))
        assert uid is not None  # the row that beat ours
        return int(uid)
    return int(user.id)


def fresh_cells(store: Store, session: Session) -> None:
    """Bring the process's cell index up to date (the public endpoints have no signed-in scope
    that would do it)."""
    store.cells.refresh(session, store.current_generations(session).get("cells", 0))


def photo_token(secret: str, sha: str) -> str:
    """A token proving this server received these photo bytes from the public channel: only
    such photos may be attached to a report (never a hash someone merely knows)."""
    mac = hmac.new(secret.encode(), f"public-photo:{sha}".encode(), hashlib.sha256)
    return f"{sha}.{mac.hexdigest()[:32]}"


def upload_photo(store: Store, session: Session, data: bytes, ip_hash: str) -> dict[str, Any]:
    """Clean (EXIF stripped) and store a resident's photo; its hash, size, type and token."""
    window = store.extras.get("public_photos")
    if not isinstance(window, limits.Window):
        window = store.extras.setdefault(
            "public_photos", limits.Window(store.settings.report_photos_per_hour)
        )
    window.hit(limits.keyed(store.secret, "ip", ip_hash))
    cleaned, ctype = photos.clean(data, store.settings.max_photo_bytes)
    sha = hashlib.sha256(cleaned).hexdigest()
    photos.store(session, store.settings.photo_dir, cleaned, ctype, sha)
    session.commit()
    token = photo_token(store.secret, sha)
    return {"sha256": sha, "size": len(cleaned), "content_type": ctype, "token": token}


def _photo_hashes(store: Store, session: Session, tokens: list[str]) -> list[str]:
    """The photo hashes behind ``tokens``, each checked (422 naming the item otherwise)."""
    out = []
    for i, tok in enumerate(tokens):
        sha = tok.split(".", 1)[0]
        ok = hmac.compare_digest(photo_token(store.secret, sha), tok)
        if not ok or session.get(Photo, sha) is None:
            raise InvalidInput("not a photo uploaded here", ("body", "photos", i))
        out.append(sha)
    return list(dict.fromkeys(out))


def check_category(category: str, loc: tuple[str, ...] = ("body", "category")) -> None:
    """Refuse a category residents may not report (``grid.domain.residents``)."""
    allowed = [t.code for t in residents.RESIDENT_CATEGORIES]
    if category not in allowed:
        raise InvalidInput(f"unknown category '{category}'; allowed: {', '.join(allowed)}", loc)


def submit(
    store: Store,
    session: Session,
    body: ReportIn,
    ip_hash: str,
    channel: residents.Channel = residents.Channel.RESIDENT,
    client_id: int | None = None,
) -> tuple[ResidentReport, Record]:
    """Check and store a resident's report as a reported incident with its ticket; nothing is
    written on any refusal (unknown category, outside every cell, rate limit, bad photo)."""
    check_category(body.category)
    lon, lat = check_point(body.lon, body.lat, ("body",))
    fresh_cells(store, session)
    now = utcnow()
    try:
        where = store.cells.locate(lon, lat, now, ("body", "lon"))
    except OutsideCells as e:
        raise OutsideCells(
            "this place is outside every grid cell served here: reports are taken only inside "
            "the cells (此位置不在任何网格内)",
            ("body", "lon"),
        ) from e
    phone = limits.digits(body.phone) if body.phone else None
    ip = limits.keyed(store.secret, "ip", ip_hash)
    cipher = cipher_for(store.settings)
    phone_hash = cipher.index(phone)
    limits.check_report_limits(session, store.settings, ip, phone_hash)
    shas = _photo_hashes(store, session, body.photos)
    author = resident_author(session)
    rid = uuid.uuid4()
    rec = Record(
        id=rid,
        kind=residents.RESIDENT_KIND.value,
        category=body.category,
        priority=Priority.ROUTINE.value,
        status=caseflow.INITIAL_STATUS.value,
        description=body.description,
        occurred_at=now,
        lon=lon,
        lat=lat,
        geom=point_wkt(lon, lat),
        cell_code=where.cell_code,
        community_code=where.community_code,
        h3=where.h3,
        author_id=author,
        created_at=now,
        updated_at=now,
        content_hash=content_hash(body),
    )
    session.add(rec)
    session.flush()
    session.add_all(RecordPhoto(record_id=rid, sha256=h) for h in shas)
    report = ResidentReport(
        ticket=secrets.token_urlsafe(18),
        record_id=rid,
        channel=channel.value,
        client_id=client_id,
        phone=cipher.encrypt(limits.PHONE_FIELD, phone),
        phone_hash=phone_hash,
        ip_hash=ip,
        created_at=now,
    )
    session.add(report)
    diff = {"kind": rec.kind, "category": rec.category, "cell_code": rec.cell_code}
    audit(session, author, "create", "record", rid, {**diff, "channel": channel.value})
    session.commit()
    return report, rec


def by_ticket(session: Session, ticket: str) -> tuple[ResidentReport, Record]:
    """The report and record of ``ticket`` (404 for any unknown ticket)."""
    report = session.get(ResidentReport, ticket) if len(ticket) <= 40 else None
    if report is None:
        raise NotFound("no such ticket", ("path", "ticket"))
    rec = session.get(Record, report.record_id)
    assert rec is not None  # a report's record is never deleted
    return report, rec


def check_rating(code: str) -> None:
    """Refuse a rating not on the scale."""
    if code not in residents.rating_codes():
        allowed = ", ".join(r.term.code for r in residents.RATINGS)
        raise InvalidInput(f"unknown rating '{code}'; allowed: {allowed}", ("body", "rating"))


def _check_closed(rec: Record) -> None:
    """Refuse to rate a case that is not closed yet."""
    if rec.status is None or not residents.may_rate(rec.status):
        raise InvalidInput("a case can be rated once it is closed", ("body", "rating"))


def add_callback(session: Session, rec: Record, rating: str, note: str, user_id: int) -> None:
    """An officer's phone call-back rating of a closed case (电话回访); several may be kept."""
    check_rating(rating)
    _check_closed(rec)
    session.add(
        Rating(record_id=rec.id, source="callback", rating=rating, note=note, user_id=user_id)
    )
    session.commit()


def rate(session: Session, ticket: str, rating: str, note: str) -> tuple[ResidentReport, Record]:
    """The resident's own rating of a closed case, once (409 when already rated)."""
    report, rec = by_ticket(session, ticket)
    check_rating(rating)
    _check_closed(rec)
    taken = session.scalar(
        select(Rating.id).where(Rating.record_id == rec.id, Rating.source == "resident")
    )
    if taken is not None:
        raise Conflict("this case was already rated", ("body", "rating"))
    session.add(Rating(record_id=rec.id, source="resident", rating=rating, note=note))
    session.commit()
    return report, rec
