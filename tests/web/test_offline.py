"""Offline work: records and photos wait in IndexedDB through a reload, then each is stored once;
a resend after a lost answer is stored once; a stale case action is shown as a conflict."""

import uuid
from datetime import UTC, datetime

import pytest

from . import world
from .conftest import (
    LANDSCAPE,
    PORTRAIT,
    cell_centre,
    fill_record,
    login,
    png,
    records_with,
    shot,
    tap_at,
    wait_queue,
)

pytestmark = pytest.mark.browser


def test_offline_records_survive_reload_and_are_stored_once(tablet, server):
    page = tablet(PORTRAIT)
    login(page)
    page.wait_for_selector("body[data-offline-ready=true]")  # the worker holds shell and data
    page.context.set_offline(True)
    tag = uuid.uuid4().hex[:8]
    tap_at(page, *cell_centre(world.C1 + "003"))
    fill_record(page, "incident", f"离线事件 {tag}", [png(11)])
    tap_at(page, *cell_centre(world.C1 + "004"))
    fill_record(page, "dispute", f"离线纠纷 {tag}", [png(12), png(13)])
    tap_at(page, *cell_centre(world.C1 + "005"))
    page.click("#sheet [data-place=hazard]")
    page.fill("#sheet input[name=name]", f"隐患 {tag}")
    page.select_option("#sheet select[name=category]", index=2)
    page.set_input_files("#sheet input[name=photos]", [png(14)])
    page.wait_for_selector("#sheet .thumb")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    wait_queue(page, 3)
    assert page.get_attribute("#sync-btn", "data-online") == "false"
    shot(page, "07-offline-three-waiting")

    page.reload()  # the shell and the area come from the service worker, the queue from IndexedDB
    page.wait_for_selector("body[data-ready=true]")
    wait_queue(page, 3)
    # Really offline, service worker included: an uncached API address cannot be fetched.
    assert page.evaluate("""fetch('/api/v1/records?since=2000-01-01T00:00:00Z')
        .then(() => 'reached', () => 'unreachable')""") == "unreachable"
    buildings = world.COLS * world.ROWS * world.BUILDINGS_PER_CELL
    assert page.evaluate("wangge.buildings.length") == buildings
    assert records_with(server, tag) == []

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_queue(page, 0, timeout=30000)
    incident = records_with(server, f"离线事件 {tag}")
    dispute = records_with(server, f"离线纠纷 {tag}")
    assert len(incident) == 1 and len(incident[0]["photos"]) == 1
    assert len(dispute) == 1 and len(dispute[0]["photos"]) == 2
    assert incident[0]["cell_code"] == world.C1 + "003"
    in_cell = server.get("/places", "officer", params={"cell": world.C1 + "005"}).json()["features"]
    places = [p for p in in_cell if p["properties"]["name"] == f"隐患 {tag}"]
    assert len(places) == 1
    assert places[0]["properties"]["kind"] == "hazard"
    assert len(places[0]["properties"]["attrs"]["photos"]) == 1


def test_resend_after_lost_answer_is_stored_once(tablet, server):
    page = tablet(LANDSCAPE)
    login(page)
    lost = []

    def lose_answer(route):  # the server stores the record, the tablet never hears back
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.context.route("**/api/v1/records", lose_answer)
    text = f"重发测试 {uuid.uuid4().hex[:8]}"
    tap_at(page, *cell_centre(world.C1 + "010"))
    fill_record(page, "incident", text, [])
    for _ in range(200):
        if lost:
            break
        page.wait_for_timeout(100)
    assert lost == [201]
    assert page.text_content("#queue-count") == "1"
    assert len(records_with(server, text)) == 1
    page.click("#sync-btn")
    page.click("#sheet .big.primary")  # send now: the same id and content again
    wait_queue(page, 0)
    assert len(records_with(server, text)) == 1


def test_stale_case_action_is_shown_as_conflict(tablet, server):
    lon, lat = cell_centre(world.C1 + "012")
    text = f"冲突测试 {uuid.uuid4().hex[:8]}"
    r = server.post("/records", "officer", json={
        "id": str(uuid.uuid4()), "kind": "incident", "category": "public_order",
        "priority": "routine", "description": text, "lon": lon, "lat": lat,
        "occurred_at": datetime.now(UTC).isoformat()})
    assert r.status_code == 201, r.text
    case = r.json()
    page = tablet(LANDSCAPE)
    login(page)
    page.click("#cases-btn")
    card = page.locator(f"#sheet li.case[data-id='{case['id']}']")
    card.wait_for()
    shot(page, "08-my-cases-landscape")
    # Meanwhile the street office edits the same case: the tablet's version is now stale.
    r = server.patch(f"/records/{case['id']}", "street",
                     json={"version": case["version"], "description": text + " (街道补充)"})
    assert r.status_code == 200, r.text
    card.locator("[data-action=register]").click()
    page.wait_for_selector("#sync-btn[data-state=problem]")
    page.click("#sync-btn")
    item = page.locator("#sheet .outbox-item.conflict")
    item.wait_for()
    assert "已被他人修改" in item.text_content()
    shot(page, "09-conflict-shown")
    assert server.get(f"/records/{case['id']}", "officer").json()["status"] == "reported"
    item.locator("[data-do=reapply]").click()  # the officer decides to apply it on the new version
    wait_queue(page, 0)
    now = server.get(f"/records/{case['id']}", "officer").json()
    assert now["status"] == "registered"
    assert now["description"].endswith("(街道补充)")  # the other edit was not overwritten
