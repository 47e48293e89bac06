"""Rectification steps and mediation taken offline wait in the outbox and are stored exactly once
when the tablet is back online."""

from __future__ import annotations

import uuid

import pytest

from . import world
from .conftest import PORTRAIT, cell_centre, centre_map, login, png, shot, tap_at, wait_queue

pytestmark = pytest.mark.browser


def _back_online(page) -> None:  # noqa: ANN001
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_queue(page, 0, timeout=30000)


def test_rectification_steps_offline_are_stored_once(tablet, server):  # noqa: ANN001
    lon, lat = cell_centre(world.C1 + "021")
    pid = str(uuid.uuid4())
    r = server.post("/places", "officer", json={
        "id": pid, "kind": "hazard", "name": "楼道堆物", "lon": lon, "lat": lat,
        "risk_level": "watch", "attrs": {"category": "ebike_charging", "severity": "general"}})
    assert r.status_code == 201, r.text
    page = tablet(PORTRAIT)
    login(page)
    page.wait_for_selector("body[data-offline-ready=true]")
    centre_map(page, lon, lat)
    tap_at(page, lon, lat)
    page.click(f"#sheet [data-edit-place='{pid}']")
    page.click("#sheet [data-rect-action=open]")
    page.wait_for_selector("#sheet .rect-stage[data-stage=found]")
    page.context.set_offline(True)
    page.click("#sheet [data-rect-action=order]")
    page.wait_for_selector("#sheet .rect-queued")
    wait_queue(page, 1)
    shot(page, "rectify-order-queued-portrait")
    assert server.get(f"/places/{pid}/rectifications", "officer").json()[0]["stage"] == "found"
    _back_online(page)
    stored = server.get(f"/places/{pid}/rectifications", "officer").json()
    assert len(stored) == 1 and stored[0]["stage"] == "ordered"
    assert [s["action"] for s in stored[0]["steps"]] == ["found", "order"]
    # online again: a re-inspection with a photo goes through the outbox too
    tap_at(page, lon, lat)
    page.click(f"#sheet [data-edit-place='{pid}']")
    page.wait_for_selector("#sheet .rect-stage[data-stage=ordered]")
    page.set_input_files("#sheet [name=rect-photo]", png(91))
    page.click("#sheet [data-rect-action=reinspect]")
    page.wait_for_selector("#sheet .rect-stage[data-stage=reinspected]")
    steps = server.get(f"/places/{pid}/rectifications", "officer").json()[0]["steps"]
    assert [s["action"] for s in steps] == ["found", "order", "reinspect"]
    assert len(steps[-1]["photos"]) == 1


def test_mediation_offline_is_stored_once(tablet, server):  # noqa: ANN001
    lon, lat = cell_centre(world.C1 + "012")
    body = {"id": str(uuid.uuid4()), "kind": "dispute", "category": "neighbour",
            "priority": "routine", "description": f"离线调解 {uuid.uuid4().hex[:6]}",
            "occurred_at": "2024-05-01T08:00:00+08:00", "lon": lon, "lat": lat}
    assert server.post("/records", "officer", json=body).status_code == 201
    rid = body["id"]
    page = tablet(PORTRAIT)
    login(page)
    page.wait_for_selector("body[data-offline-ready=true]")
    page.click("#cases-btn")
    page.click(f"#sheet li.case[data-id='{rid}'] [data-mediate]")
    page.wait_for_selector("#sheet[data-name=mediation]")
    page.context.set_offline(True)
    page.fill("#sheet [name=session_note]", "离线调解一次")
    page.click("#sheet [data-do=session]")
    page.wait_for_selector("#sheet .sessions li.queued")
    page.select_option("#sheet [name=outcome]", "success")
    page.fill("#sheet [name=agreement]", "双方和解")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    wait_queue(page, 2)
    assert server.get(f"/records/{rid}/mediation", "officer").json()["sessions"] == []
    _back_online(page)
    m = server.get(f"/records/{rid}/mediation", "officer").json()
    assert [s["note"] for s in m["sessions"]] == ["离线调解一次"]
    assert m["outcome"] == "success" and m["agreement"] == "双方和解"
