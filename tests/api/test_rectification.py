"""Hazard rectification end to end: found → ordered (deadline by severity) → escalated →
ordered again → re-inspected with photos → closed; overdue computed; the place's history."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from conftest import X0, Y0
from residents_helpers import jpeg_with_exif
from sqlalchemy import update

from api.models import Rectification, utcnow
from grid.domain import rectification as loop


def _hazard(api, severity: str = "major") -> dict:  # noqa: ANN001
    body = {
        "id": str(uuid.uuid4()),
        "kind": "hazard",
        "name": "电动车飞线充电",
        "address": "1号楼",
        "lon": X0 + 0.003,
        "lat": Y0 + 0.008,
        "risk_level": "watch",
        "attrs": {"category": "ebike_charging", "severity": severity},
    }
    r = api.post("/places", "officer", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _photo(api, colour: tuple[int, int, int]) -> str:  # noqa: ANN001
    files = {"file": ("p.jpg", jpeg_with_exif(colour), "image/jpeg")}
    r = api.post("/photos", "officer", files=files)
    assert r.status_code in (200, 201), r.text
    return r.json()["sha256"]


def _step(api, user: str, rect: dict, action: str, **extra) -> dict:  # noqa: ANN001, ANN003
    body = {"action": action, "version": rect["version"], **extra}
    return api.post(f"/rectifications/{rect['id']}/steps", user, json=body)


def test_rectification_loop_end_to_end(api):
    place = _hazard(api, "major")
    rid = str(uuid.uuid4())
    r = api.post(f"/places/{place['id']}/rectifications", "officer", json={"id": rid})
    assert r.status_code == 201, r.text
    rect = r.json()
    assert rect["stage"] == "found" and rect["severity"] == "major" and rect["deadline"] is None
    again = api.post(f"/places/{place['id']}/rectifications", "officer", json={"id": rid})
    assert again.status_code == 200 and again.json()["id"] == rid
    other = api.post(
        f"/places/{place['id']}/rectifications", "officer", json={"id": str(uuid.uuid4())}
    )
    assert other.status_code == 409
    rect = _step(api, "officer", rect, "order").json()
    ordered = datetime.fromisoformat(rect["ordered_at"])
    deadline = datetime.fromisoformat(rect["deadline"])
    assert deadline - ordered == timedelta(days=loop.DEADLINE_DAYS["major"])
    nophoto = _step(api, "officer", rect, "escalate", escalated_to="fire_department")
    assert nophoto.status_code == 422 and nophoto.json()["detail"][0]["loc"] == ["body", "photos"]
    p1 = _photo(api, (10, 200, 10))
    notarget = _step(api, "officer", rect, "escalate", photos=[p1])
    assert notarget.status_code == 422
    rect = _step(
        api, "officer", rect, "escalate", photos=[p1], escalated_to="fire_department"
    ).json()
    assert rect["stage"] == "escalated" and rect["escalated_to"] == "fire_department"
    assert _step(api, "officer", rect, "reorder").status_code == 422  # staff only
    rect = _step(api, "street", rect, "reorder").json()
    assert rect["stage"] == "ordered"
    stale = api.post(
        f"/rectifications/{rid}/steps", "officer", json={"action": "reinspect", "version": 1}
    )
    assert stale.status_code == 409
    p2 = _photo(api, (10, 10, 200))
    rect = _step(api, "officer", rect, "reinspect", photos=[p2], note="已拆除飞线").json()
    assert rect["stage"] == "reinspected" and rect["allowed_actions"] == []
    rect = _step(api, "street", rect, "close").json()
    assert rect["stage"] == "closed" and rect["closed_at"] and rect["overdue"] is False
    history = api.get(f"/places/{place['id']}/rectifications", "officer").json()
    steps = [s["action"] for s in history[0]["steps"]]
    assert steps == ["found", "order", "escalate", "reorder", "reinspect", "close"]
    assert history[0]["steps"][4]["photos"] == [p2]
    bad = _step(api, "street", rect, "order")
    assert bad.status_code == 422 and "allowed actions: none" in bad.text


def test_overdue_is_computed(api):
    place = _hazard(api, "general")
    rid = str(uuid.uuid4())
    rect = api.post(f"/places/{place['id']}/rectifications", "officer", json={"id": rid}).json()
    rect = _step(api, "officer", rect, "order").json()
    assert rect["overdue"] is False
    with api.store.sessions() as s:
        s.execute(
            update(Rectification)
            .where(Rectification.id == uuid.UUID(rid))
            .values(deadline=utcnow() - timedelta(hours=1))
        )
        s.commit()
    listed = api.get("/rectifications", "officer", params={"overdue": "true"}).json()
    assert rid in [x["id"] for x in listed]
    assert [x for x in listed if x["id"] == rid][0]["overdue"] is True
    theirs = api.get("/rectifications", "officer2", params={"overdue": "true"}).json()
    assert rid not in [x["id"] for x in theirs]  # another officer's cells


def test_only_hazards_and_known_severities(api):
    rental = {
        "id": str(uuid.uuid4()),
        "kind": "rental",
        "name": "出租屋",
        "lon": X0 + 0.003,
        "lat": Y0 + 0.008,
        "risk_level": "normal",
        "attrs": {},
    }
    pid = api.post("/places", "officer", json=rental).json()["id"]
    r = api.post(f"/places/{pid}/rectifications", "officer", json={"id": str(uuid.uuid4())})
    assert r.status_code == 422
    place = _hazard(api)
    r = api.post(
        f"/places/{place['id']}/rectifications",
        "officer",
        json={"id": str(uuid.uuid4()), "severity": "apocalyptic"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "severity"]
    police = api.post(
        f"/places/{place['id']}/rectifications", "police", json={"id": str(uuid.uuid4())}
    )
    assert police.status_code == 403
