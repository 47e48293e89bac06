"""Hazard rectification end to end: found → ordered (deadline by severity) → escalated →
ordered again → re-inspected with photos → closed; overdue computed; the place's history."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from conftest import X0, Y0
from residents_helpers import jpeg_with_exif
from sqlalchemy import update

from api.models import Place, Rectification, utcnow
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


def _place_attrs(api, place_id: str) -> tuple[dict, int]:  # noqa: ANN001
    """A place's attributes and version as the officer is shown them."""
    feats = api.get("/places", "officer", params={"kind": "hazard"}).json()["features"]
    props = next(f["properties"] for f in feats if f["id"] == place_id)
    return props["attrs"], props["version"]


def test_place_deadline_and_status_come_from_the_loop(api):
    """Once a hazard has a rectification its 整改期限 / 整改状态 are the loop's: written at each
    step, "overdue" shown past the deadline day, hand edits that differ refused (422)."""
    place = _hazard(api, "serious")
    hand = {**place["properties"]["attrs"], "rectification_status": "rectified"}
    r = api.patch(
        f"/places/{place['id']}",
        "officer",
        json={"version": place["properties"]["version"], "attrs": hand},
    )
    assert r.status_code == 200, r.text  # before any loop, a hand value is the only source
    rid = str(uuid.uuid4())
    rect = api.post(f"/places/{place['id']}/rectifications", "officer", json={"id": rid}).json()
    attrs, _ = _place_attrs(api, place["id"])
    assert attrs["rectification_status"] == "pending" and "rectification_deadline" not in attrs
    rect = _step(api, "officer", rect, "order").json()
    day = datetime.fromisoformat(rect["deadline"]).astimezone(loop.LOCAL_TZ).date().isoformat()
    attrs, version = _place_attrs(api, place["id"])
    assert attrs["rectification_status"] == "rectifying"
    assert attrs["rectification_deadline"] == day
    for code, value in (
        ("rectification_status", "rectified"),
        ("rectification_deadline", "2030-01-01"),
    ):
        bad = api.patch(
            f"/places/{place['id']}",
            "officer",
            json={"version": version, "attrs": {**attrs, code: value}},
        )
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "attrs", code]
    # sending back what was shown (or leaving them out) keeps the loop's values
    same = api.patch(
        f"/places/{place['id']}",
        "officer",
        json={"version": version, "attrs": {"category": attrs["category"], "severity": "serious"}},
    )
    assert same.status_code == 200, same.text
    assert same.json()["properties"]["attrs"]["rectification_deadline"] == day
    with api.store.sessions() as s:  # the deadline day has passed
        p = s.get(Place, uuid.UUID(place["id"]))
        p.attrs = {**p.attrs, "rectification_deadline": "2020-01-01"}
        s.commit()
    attrs, _ = _place_attrs(api, place["id"])
    assert attrs["rectification_status"] == "overdue"
    rect = api.get(f"/places/{place['id']}/rectifications", "officer").json()[0]
    p2 = _photo(api, (90, 90, 9))
    rect = _step(api, "officer", rect, "reinspect", photos=[p2]).json()
    rect = _step(api, "street", rect, "close").json()
    attrs, _ = _place_attrs(api, place["id"])
    assert attrs["rectification_status"] == "rectified"
