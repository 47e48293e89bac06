"""Editing records and places through the outbox (PATCH at the version seen): a stale edit comes
back as a conflict showing both versions, and the officer re-applies or discards it; the API is
never overwritten silently. A resent edit whose answer was lost is stored once."""

import uuid
from datetime import UTC, datetime

import pytest

from . import world
from .conftest import (
    LANDSCAPE,
    PORTRAIT,
    cell_centre,
    centre_map,
    login,
    shot,
    tap_at,
    until,
    wait_queue,
)

pytestmark = pytest.mark.browser


def new_case(server, code: str, text: str) -> dict:  # noqa: ANN001
    lon, lat = cell_centre(code)
    r = server.post("/records", "officer", json={
        "id": str(uuid.uuid4()), "kind": "incident", "category": "public_order",
        "priority": "routine", "description": text, "lon": lon, "lat": lat,
        "occurred_at": datetime.now(UTC).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()


def other_option(page, select: str) -> str:  # noqa: ANN001
    """A value of ``select`` (in the open sheet) other than the chosen one and the placeholder."""
    return page.evaluate("""(sel) => { const s = document.querySelector(sel);
        return [...s.options].map((o) => o.value).find((v) => v && v !== s.value); }""", select)


def test_record_edit_from_my_cases_conflict_reapplied_on_current(tablet, server):
    text = f"编辑测试 {uuid.uuid4().hex[:8]}"
    case = new_case(server, world.C1 + "014", text)
    page = tablet(LANDSCAPE)
    login(page)
    page.click("#cases-btn")
    card = page.locator(f"#sheet li.case[data-id='{case['id']}']")
    card.locator("[data-edit]").click()
    page.wait_for_selector("#sheet[data-name=edit-record]")
    assert page.input_value("#sheet textarea[name=description]") == text
    # First edit, nobody else in the way: stored at the next version.
    page.fill("#sheet textarea[name=description]", text + " 已核实")
    page.click("#sheet button[type=submit]")

    def stored_case() -> dict:
        return server.get(f"/records/{case['id']}", "officer").json()

    now = until(page, lambda: (r := stored_case())["version"] > 1 and r, what="the first edit")
    wait_queue(page, 0)
    assert now["description"] == text + " 已核实" and now["version"] == case["version"] + 1
    assert now["priority"] == "routine"  # untouched fields are not sent

    # Second edit: the tablet opens the form at that version, then the street office changes the
    # description; the officer changes the priority and category and saves.
    page.click("#cases-btn")
    page.locator(f"#sheet li.case[data-id='{case['id']}'] [data-edit]").click()
    page.wait_for_selector("#sheet[data-name=edit-record]")
    r = server.patch(f"/records/{case['id']}", "street",
                     json={"version": now["version"], "description": text + " 街道补充"})
    assert r.status_code == 200, r.text
    priority = other_option(page, "#sheet select[name=priority]")
    category = other_option(page, "#sheet select[name=category]")
    page.select_option("#sheet select[name=priority]", priority)
    page.select_option("#sheet select[name=category]", category)
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sync-btn[data-state=problem]")
    stored = server.get(f"/records/{case['id']}", "officer").json()
    assert stored["priority"] == "routine" and stored["description"] == text + " 街道补充"

    page.click("#sync-btn")
    item = page.locator("#sheet .outbox-item.conflict")
    item.wait_for()
    table = item.locator("table.versions")
    # Both versions, field by field: the officer's priority against the current one, and the
    # street office's description against what the officer had seen.
    assert table.locator("tr[data-field=priority] .v-current").text_content() != \
        table.locator("tr[data-field=priority] .v-mine").text_content()
    assert "街道补充" in table.locator("tr[data-field=description] .v-current").text_content()
    assert "已核实" in table.locator("tr[data-field=description] .v-mine").text_content()
    assert f"{stored['version']}" in table.locator("thead").text_content()
    shot(page, "11-edit-conflict-landscape")
    page.set_viewport_size(PORTRAIT)
    shot(page, "11-edit-conflict-portrait")
    item.locator("[data-do=reapply]").click()
    final = until(page, lambda: (r := stored_case())["version"] > stored["version"] and r,
                  what="the re-applied edit")
    wait_queue(page, 0)
    assert final["version"] == stored["version"] + 1
    assert final["priority"] == priority and final["category"] == category
    assert final["description"] == text + " 街道补充"  # the other change survived


def test_place_edit_by_tap_two_tablets_second_discards(tablet, server):
    code = world.C1 + "009"
    places = server.get("/places", "officer", params={"cell": code}).json()["features"]
    place = next(f for f in places if f["properties"]["kind"] == "rental")
    pid = place["properties"]["id"]
    lonlat = place["geometry"]["coordinates"]
    a = tablet(PORTRAIT)
    b = tablet(LANDSCAPE)
    for page in (a, b):
        login(page)
        centre_map(page, *lonlat)
        tap_at(page, *lonlat)
        page.click(f"#sheet [data-edit-place='{pid}']")
        page.wait_for_selector("#sheet[data-name=edit-place]")
    assert a.input_value("#sheet input[name=name]") == place["properties"]["name"]
    assert a.locator("#sheet input[name=tenant_count]").count() == 1  # rental attributes
    shot(a, "12-place-edit-portrait")
    shot(b, "12-place-edit-landscape")

    # Tablet B saves first: risk level and tenants.
    b.select_option("#sheet select[name=risk_level]", "strict")
    b.fill("#sheet input[name=tenant_count]", "7")
    b.fill("#sheet input[name=landlord]", "赵某")
    b.click("#sheet button[type=submit]")

    def stored_place():  # noqa: ANN202
        fs = server.get("/places", "officer", params={"cell": code}).json()["features"]
        return next(f for f in fs if f["properties"]["id"] == pid)["properties"]

    after_b = until(
        b,
        lambda: stored_place()["version"] > place["properties"]["version"] and stored_place(),
        what="tablet B's edit",
    )
    wait_queue(b, 0)
    assert after_b["risk_level"] == "strict" and after_b["attrs"]["tenant_count"] == 7
    assert after_b["version"] == place["properties"]["version"] + 1

    # Tablet A, still at the old version, renames the place and changes the tenants.
    a.fill("#sheet input[name=name]", "改名场所")
    a.fill("#sheet input[name=tenant_count]", "3")
    a.click("#sheet button[type=submit]")
    a.wait_for_selector("#sync-btn[data-state=problem]")
    a.click("#sync-btn")
    item = a.locator("#sheet .outbox-item.conflict")
    item.wait_for()
    assert item.locator("tr[data-field=name] .v-mine").text_content() == "改名场所"
    current_name = item.locator("tr[data-field=name] .v-current").text_content()
    assert current_name == place["properties"]["name"]
    assert item.locator("tr[data-field='attrs.tenant_count'] .v-mine").text_content() == "3"
    assert item.locator("tr[data-field='attrs.tenant_count'] .v-current").text_content() == "7"
    assert item.locator("tr[data-field=risk_level]").count() == 1  # B's change is shown too
    shot(a, "13-place-conflict-portrait")
    a.on("dialog", lambda d: d.accept())
    item.locator("[data-do=discard]").click()
    wait_queue(a, 0)
    final = stored_place()
    assert final == after_b  # A's discarded change never reached the server
    local = a.evaluate("(id) => wangge.places.find((f) => f.properties.id === id).properties", pid)
    assert local["name"] == after_b["name"] and local["attrs"]["tenant_count"] == 7


def test_record_tapped_on_map_edit_answer_lost_is_stored_once(tablet, server):
    text = f"地图编辑 {uuid.uuid4().hex[:8]}"
    case = new_case(server, world.C1 + "021", text)
    page = tablet(LANDSCAPE)
    login(page)
    page.wait_for_function("(id) => wangge.cases.some((c) => c.id === id)", arg=case["id"])
    centre_map(page, case["lon"], case["lat"])
    tap_at(page, case["lon"], case["lat"])
    page.click(f"#sheet [data-edit-record='{case['id']}']")
    page.wait_for_selector("#sheet[data-name=edit-record]")
    lost = []

    def lose_answer(route):  # noqa: ANN001 - the server stores the edit, the tablet never hears back
        if route.request.method == "PATCH" and not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.context.route(f"**/api/v1/records/{case['id']}", lose_answer)
    page.fill("#sheet textarea[name=description]", text + " 现场已清理")
    with page.expect_event("requestfailed", lambda r: r.method == "PATCH"):
        page.click("#sheet button[type=submit]")
    assert lost == [200]
    assert page.text_content("#queue-count") == "1"
    page.click("#sync-btn")
    page.click("#sheet .big.primary")  # send again: 409 showing our own change = already stored
    wait_queue(page, 0)
    assert page.get_attribute("#sync-btn", "data-state") == "clear"
    now = server.get(f"/records/{case['id']}", "officer").json()
    assert now["description"] == text + " 现场已清理" and now["version"] == case["version"] + 1


def test_records_stacked_at_one_spot_each_get_an_edit_button(tablet, server):
    """Two records made at the same point: a tap there offers to edit either, nearest first."""
    code = world.C1 + "022"
    first = new_case(server, code, f"同点一 {uuid.uuid4().hex[:6]}")
    second = new_case(server, code, f"同点二 {uuid.uuid4().hex[:6]}")
    page = tablet(PORTRAIT)
    login(page)
    for case in (first, second):
        page.wait_for_function("(id) => wangge.cases.some((c) => c.id === id)", arg=case["id"])
    centre_map(page, first["lon"], first["lat"])
    tap_at(page, first["lon"], first["lat"])
    offered = page.eval_on_selector_all("#sheet [data-edit-record]",
                                        "els => els.map((e) => e.dataset.editRecord)")
    assert {first["id"], second["id"]} <= set(offered) and len(offered) <= 3
    page.click(f"#sheet [data-edit-record='{first['id']}']")
    page.wait_for_selector("#sheet[data-name=edit-record]")
