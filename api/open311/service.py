"""Open311 GeoReport v2 over the residents' channel: services from the reportable categories,
requests from residents' reports, statuses open/closed from the case flow table.

Only what residents reported is listed (never officers' own records), and without personal
data: no phone, no description, the position rounded to about 100 m. Times are ISO 8601 in
China Standard Time with the zone.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Forbidden, InvalidInput, NotFound
from api.models import Open311Client, Record, ResidentReport, utcnow
from api.residents import service as residents_service
from api.residents.schemas import ReportIn
from api.store import Store
from grid.domain import caseflow, residents
from grid.domain.caseflow import Status

LOCAL = ZoneInfo("Asia/Shanghai")
SPEC = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_DAYS = 90  # GET requests without dates: the last 90 days, as the spec suggests
PLACES = 3  # decimals of the published position (about 100 m)


def when(value: datetime | None) -> str | None:
    """A time as ISO 8601 with its zone, in China Standard Time."""
    return value.astimezone(LOCAL).isoformat() if value is not None else None


def discovery(base: str) -> dict[str, Any]:
    """Where the endpoint is and what it speaks."""
    return {
        "changeset": "2026-12-04T00:00:00+08:00",
        "contact": "网格化管理服务中心 Wangge grid management",
        "key_service": "wangge open311 add-client NAME (one api_key per client system)",
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": "2026-12-04T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def services(lang: str) -> list[dict[str, Any]]:
    """The services: one per category residents may report."""
    return [
        {
            "service_code": s.code,
            "service_name": s.term.label(lang),
            "description": s.term.label(lang),
            "metadata": bool(s.attributes),
            "type": "realtime",
            "keywords": s.code.replace("_", ","),
            "group": residents.RESIDENT_KIND.value,
        }
        for s in residents.SERVICES.values()
    ]


def definition(code: str, lang: str) -> dict[str, Any]:
    """A service's definition: its extra questions (404 for an unknown service)."""
    service = residents.SERVICES.get(code)
    if service is None:
        raise NotFound(f"no service '{code}'", ("path", "code"))
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": "singlevaluelist",
                "required": a.required,
                "datatype_description": None,
                "order": i + 1,
                "description": a.term.label(lang),
                "values": [{"key": v.code, "name": v.label(lang)} for v in a.values],
            }
            for i, a in enumerate(service.attributes)
        ],
    }


def _key_hash(key: str) -> str:
    """The stored form of an api_key."""
    return hashlib.sha256(key.encode()).hexdigest()


def add_client(session: Session, name: str) -> str:
    """Register a client system and return its new api_key (shown once, kept only hashed)."""
    if not name.strip() or len(name) > 100:
        raise InvalidInput("a client name of 1 to 100 characters is required", ("name",))
    if session.scalar(select(Open311Client.id).where(Open311Client.name == name)) is not None:
        raise InvalidInput(f"client '{name}' already exists", ("name",))
    key = secrets.token_urlsafe(24)
    session.add(Open311Client(name=name, key_hash=_key_hash(key)))
    session.commit()
    return key


def client_of(session: Session, key: str) -> int:
    """The active client holding ``key`` (403 otherwise)."""
    cid = session.scalar(
        select(Open311Client.id).where(
            Open311Client.key_hash == _key_hash(key), Open311Client.active.is_(True)
        )
    )
    if cid is None:
        raise Forbidden("invalid api_key", ("body", "api_key"))
    return int(cid)


def _description(form: dict[str, Any], service: residents.Service) -> str:
    """The description with the service's attribute answers (``attribute[code]``) appended,
    each checked against its values."""
    text = form.get("description", "")
    for a in service.attributes:
        value = form.get(f"attribute[{a.code}]")
        allowed = [v.code for v in a.values]
        if value is None:
            if a.required:
                raise InvalidInput(f"{a.code} is required", ("body", f"attribute[{a.code}]"))
            continue
        if value not in allowed:
            msg = f"unknown {a.code} '{value}'; allowed: {', '.join(allowed)}"
            raise InvalidInput(msg, ("body", f"attribute[{a.code}]"))
        text += f"\n{a.term.zh}: {dict((v.code, v.zh) for v in a.values)[value]}"
    return text.strip()


def post_request(
    store: Store, session: Session, form: dict[str, Any], address: str
) -> list[dict[str, Any]]:
    """Take a client system's request into the residents' channel (same checks and limits)."""
    cid = client_of(session, form["api_key"])
    service = residents.SERVICES.get(form["service_code"])
    if service is None:
        allowed = ", ".join(residents.SERVICES)
        msg = f"unknown service_code '{form['service_code']}'; allowed: {allowed}"
        raise InvalidInput(msg, ("body", "service_code"))
    if form.get("lat") is None or form.get("long") is None:
        raise InvalidInput("lat and long are required", ("body", "lat"))
    body = ReportIn.model_validate(
        {
            "category": service.code,
            "description": _description(form, service)[:2000],
            "lon": float(form["long"]),
            "lat": float(form["lat"]),
            "phone": form.get("phone") or None,
        }
    )
    report, rec = residents_service.submit(
        store, session, body, address, residents.Channel.OPEN311, cid
    )
    notice = "已受理，将由所在网格核实 Received: the cell's officers will verify it"
    return [{"service_request_id": str(rec.id), "service_notice": notice, "account_id": None}]


def request_json(rec: Record, report: ResidentReport, lang: str) -> dict[str, Any]:
    """One request as GeoReport v2 shows it (no personal data, position rounded)."""
    status = Status(rec.status or caseflow.INITIAL_STATUS)
    service = residents.SERVICES.get(rec.category)
    return {
        "service_request_id": str(rec.id),
        "status": residents.open311_status(status),
        "status_notes": caseflow.STATUSES[status].term.label(lang),
        "service_name": service.term.label(lang) if service else rec.category,
        "service_code": rec.category,
        "agency_responsible": rec.cell_code,
        "service_notice": None,
        "requested_datetime": when(report.created_at),
        "updated_datetime": when(rec.updated_at),
        "expected_datetime": when(rec.deadline),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": round(rec.lat, PLACES),
        "long": round(rec.lon, PLACES),
        "media_url": None,
    }


def one_request(session: Session, request_id: str, lang: str) -> list[dict[str, Any]]:
    """``requests/{id}``: the request in a one-item list (404 when no resident reported it)."""
    try:
        rid = uuid.UUID(request_id)
    except ValueError:
        rid = None
    row = None
    if rid is not None:
        row = session.execute(
            select(Record, ResidentReport)
            .join(ResidentReport, ResidentReport.record_id == Record.id)
            .where(Record.id == rid)
        ).first()
    if row is None:
        raise NotFound(f"no request {request_id}", ("path", "id"))
    return [request_json(row[0], row[1], lang)]


def list_requests(
    session: Session,
    *,
    ids: str | None,
    service_code: str | None,
    start: datetime | None,
    end: datetime | None,
    status: str | None,
    lang: str,
) -> list[dict[str, Any]]:
    """``GET requests``: residents' requests, newest first, filtered as the spec allows."""
    q = select(Record, ResidentReport).join(ResidentReport, ResidentReport.record_id == Record.id)
    if ids:
        wanted = []
        for part in ids.split(","):
            try:
                wanted.append(uuid.UUID(part.strip()))
            except ValueError:
                msg = "service_request_id must be request ids, comma-separated"
                raise InvalidInput(msg, ("query", "service_request_id")) from None
        q = q.where(Record.id.in_(wanted))
    else:
        end = end or utcnow()
        start = start or end - timedelta(days=DEFAULT_DAYS)
        q = q.where(ResidentReport.created_at >= start, ResidentReport.created_at < end)
    if service_code:
        q = q.where(Record.category == service_code)
    if status:
        want = [s.value for s in Status if residents.open311_status(s) == status]
        q = q.where(Record.status.in_(want))
    rows = session.execute(q.order_by(ResidentReport.created_at.desc()).limit(1000)).all()
    return [request_json(rec, rep, lang) for rec, rep in rows]
