"""Visits on the tablet (issue 12): a key-group member overdue for a visit shows in the due list
(badge, list, map marker); the officer visits them offline from the list, the item goes at once,
a follow-up need is made a case, and once online the visit and the case are each stored exactly
once and the server's due list no longer has the person. The new screens pass axe-core and are
photographed at 800×1280, 1280×800 and 1440×900; the analytics views show the visit figures."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import shapely

from . import world
from .a11y import assert_accessible
from .conftest import (
    LANDSCAPE,
    PORTRAIT,
    centre_map,
    login,
    png,
    records_with,
    shot,
    tap_at,
    until,
    wait_queue,
)

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1440, "height": 900}


def shanghai_today() -> str:
    """Today in Asia/Shanghai as YYYY-MM-DD (the day the 民情日志 is kept by)."""
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


def tagged_household(server) -> dict:  # noqa: ANN001
    """A household of two in the officer's first cell; one is in community correction (visited
    weekly) since 30 days, never visited, so overdue."""
    code = world.C1 + "001"
    # the cell's last building: the register tests tap the first one, where a due marker would be
    b = server.get("/buildings", "officer", params={"cell": code}).json()["features"][-1]
    centre = shapely.geometry.shape(b["geometry"]).representative_point()
    hh = server.post("/households", "officer", json={
        "id": str(uuid.uuid4()), "building_id": b["properties"]["id"], "unit": "1", "floor": "2",
        "room": str(200 + uuid.uuid4().int % 700), "moved_in": "2020-01-01"}).json()
    people = []
    for name, relation in (("走访甲", "self"), ("走访乙", "spouse")):
        r = server.post("/persons", "officer", json={
            "id": str(uuid.uuid4()), "household_id": hh["id"], "name": name,
            "person_type": "resident", "relation": relation, "moved_in": "2020-01-01"})
        assert r.status_code == 201, r.text
        people.append(r.json())
    start = (date.today() - timedelta(days=30)).isoformat()
    r = server.post(f"/persons/{people[0]['id']}/tags", "officer",
                    json={"group": "community_correction", "start": start})
    assert r.status_code == 201, r.text
    corner = shapely.get_coordinates(shapely.geometry.shape(b["geometry"]))[0]
    # a point of the building away from its due marker (drawn at its centre), to open its sheet
    edge = (centre.x + 0.8 * (corner[0] - centre.x), centre.y + 0.8 * (corner[1] - centre.y))
    return {"building": b["properties"]["id"], "lon": centre.x, "lat": centre.y, "edge": edge,
            "household": hh,
            "due": people[0], "other": people[1]}


def due_people(server, user: str = "officer") -> set[str]:  # noqa: ANN001
    """The persons in ``user``'s due list (overdue or due this week) as the server says now."""
    r = server.get("/visits/due", user, params={"within_days": 6})  # the tablet's "this week"
    assert r.status_code == 200, r.text
    return {i["person_id"] for i in r.json()["items"] if i["state"] in ("overdue", "due")}


def visits_with(server, text: str) -> list[dict]:  # noqa: ANN001
    """The officer's visits of today whose notes contain ``text``."""
    r = server.get("/visits", "officer", params={"user": "officer", "day": shanghai_today()})
    assert r.status_code == 200, r.text
    return [v for v in r.json()["visits"] if text in (v.get("notes") or "")]


def test_due_visit_offline_then_online_stored_once(tablet, server):
    w = tagged_household(server)
    person, hh = w["due"]["id"], w["household"]["id"]
    assert person in due_people(server)
    notes = f"走访测试{uuid.uuid4().hex[:6]}"
    need = f"楼道灯坏了{uuid.uuid4().hex[:4]}"
    page = tablet(PORTRAIT)
    login(page)
    page.wait_for_selector("body[data-offline-ready=true]")
    page.wait_for_selector("#due-count:not([hidden])")
    before = int(page.text_content("#due-count"))
    centre_map(page, w["lon"], w["lat"], 18)
    marker = page.locator(f"#map .due-marker[data-due='{hh}']")
    marker.wait_for()
    assert marker.get_attribute("data-state") == "overdue" and marker.get_attribute("aria-label")
    page.click(".map-legend summary")  # the due diamonds are explained in the legend
    assert "逾期未走访" in page.text_content(".map-legend ul")
    shot(page, "visits-00-map-legend")
    page.click(".map-legend summary")

    page.click("#due-btn")
    page.wait_for_selector("#sheet[data-name=due]")
    row = page.locator(f"#sheet li.due-item[data-person='{person}']")
    row.wait_for()
    states = page.eval_on_selector_all("#sheet li.due-item",
                                       "els => els.map((e) => e.dataset.state)")
    assert states == sorted(states, key=["overdue", "due", "upcoming"].index)  # overdue first
    assert_accessible(page)
    shot(page, "visits-01-due-list")

    page.context.set_offline(True)
    row.locator(f"[data-visit-person='{person}']").click()
    page.wait_for_selector("#sheet[data-name=form-visit]")
    assert page.input_value("#sheet select[name=purpose]") == "key_group"
    met = page.locator(f"#sheet input[name=met][value='{person}']")
    met.wait_for()
    assert met.is_checked()
    page.fill("#sheet textarea[name=notes]", notes)
    page.fill("#sheet input[name=need_text]", need)
    page.check("#sheet input[name=need_follow]")
    page.set_input_files("#sheet input[name=photos]", [png(7)])
    page.wait_for_function("document.querySelectorAll('#sheet .thumb').length === 1")
    assert_accessible(page)
    shot(page, "visits-02-form")
    page.click("#sheet button[type=submit]")
    # saved offline: the due item and its marker are gone at once, the visit waits in the outbox
    page.wait_for_selector("#sheet[data-name=diary]")
    wait_queue(page, 1)
    assert page.locator(f"#map .due-marker[data-due='{hh}']").count() == 0
    left = before - 1 or ""  # the badge is empty at zero
    page.wait_for_function(f"document.getElementById('due-count').textContent === '{left}'")
    assert visits_with(server, notes) == []
    card = page.locator("#sheet li.visit[data-sync=queued]")
    card.wait_for()
    assert notes in card.text_content()
    card.locator("[data-make-case='0']").click()  # the follow-up need becomes a case, offline too
    wait_queue(page, 2)
    assert_accessible(page)
    shot(page, "visits-03-diary-offline")

    page.context.set_offline(False)
    until(page, lambda: len(visits_with(server, notes)) == 1, what="visit stored")
    wait_queue(page, 0)
    until(page, lambda: len(records_with(server, need)) == 1, what="case made from the need")
    [stored] = visits_with(server, notes)
    assert stored["person_ids"] == [person] and stored["household_id"] == hh
    assert len(stored["photos"]) == 1  # uploaded before the visit, its hash in the visit
    assert stored["needs"][0]["text"] == need and stored["needs"][0]["follow_up"] is True
    assert person not in due_people(server)
    # the same visit sent again (an answer lost) is stored once
    fields = ("id", "household_id", "person_ids", "purpose", "visited_at", "notes", "photos")
    again = {k: stored[k] for k in fields}
    again["needs"] = [{"text": n["text"], "follow_up": n["follow_up"]} for n in stored["needs"]]
    r = server.post("/visits", "officer", json=again)
    assert r.status_code in (200, 201), r.text
    assert len(visits_with(server, notes)) == 1 and len(records_with(server, need)) == 1
    page.wait_for_selector(f"#sheet li.visit[data-id='{stored['id']}']:not([data-sync=queued])")
    page.wait_for_selector("#sheet li.need[data-case=made]")
    shot(page, "visits-04-diary-online")


@pytest.mark.parametrize("size", [LANDSCAPE, DESKTOP], ids=["1280x800", "1440x900"])
def test_visit_screens_in_landscape(tablet, server, size):  # noqa: ANN001
    w = tagged_household(server)
    page = tablet(size)
    login(page)
    page.wait_for_selector("#due-count:not([hidden])")
    # a tap on the household's diamond opens its visit form (markers of one building overlap, so
    # the click goes to this household's marker element itself)
    hh = w["household"]["id"]
    page.locator(f"#map .due-marker[data-due='{hh}']").dispatch_event("click")
    page.wait_for_selector(f"#sheet form.visit-form[data-target='{hh}']")
    assert page.input_value("#sheet select[name=purpose]") == "key_group"
    page.locator(f"#sheet input[name=met][value='{w['due']['id']}']:checked").wait_for()
    page.click("#due-btn")
    page.locator(f"#sheet li.due-item[data-person='{w['due']['id']}']").wait_for()
    shot(page, f"visits-05-due-{size['width']}")
    page.click(f"#sheet [data-visit-person='{w['due']['id']}']")
    page.wait_for_selector("#sheet[data-name=form-visit]")
    page.locator(f"#sheet input[name=met][value='{w['other']['id']}']").wait_for()  # residents read
    save = page.locator("#sheet button[type=submit]").bounding_box()
    assert save and save["y"] + save["height"] <= size["height"]
    assert_accessible(page)
    shot(page, f"visits-06-form-{size['width']}")
    page.click("#sheet .form-actions .secondary")
    page.click("#due-btn")
    page.click("#sheet [data-diary]")
    page.wait_for_selector("#sheet[data-name=diary] input[name=day]")
    assert_accessible(page)
    shot(page, f"visits-07-diary-{size['width']}")
    page.click("#lang-btn")  # English, the same sheets
    page.wait_for_selector("#sheet h2:text('Visit log')")
    page.click("#due-btn")
    row = f"#sheet li.due-item[data-person='{w['due']['id']}']"
    page.locator(f"{row} .badge:text('Overdue')").wait_for()
    assert "days overdue" in page.text_content(row)
    shot(page, f"visits-09-due-en-{size['width']}")


def test_visit_from_building_register(tablet, server):
    w = tagged_household(server)
    notes = f"楼栋走访{uuid.uuid4().hex[:6]}"
    page = tablet(PORTRAIT)
    login(page)
    centre_map(page, w["lon"], w["lat"], 20)
    tap_at(page, *w["edge"])
    page.click(f"#sheet [data-register='{w['building']}']")
    page.click(f"#sheet [data-visit-household='{w['household']['id']}']")
    page.wait_for_selector("#sheet[data-name=form-visit]")
    page.select_option("#sheet select[name=purpose]", "routine")
    page.check(f"#sheet input[name=met][value='{w['other']['id']}']")
    page.fill("#sheet textarea[name=notes]", notes)
    page.click("#sheet button[type=submit]")
    until(page, lambda: len(visits_with(server, notes)) == 1, what="visit stored")
    [v] = visits_with(server, notes)
    # a routine visit meeting only the spouse does not close the tagged person's item
    assert v["person_ids"] == [w["other"]["id"]] and w["due"]["id"] in due_people(server)


def test_refused_visit_is_explained_in_the_officers_language(tablet, server):
    """A visit the server refuses (its household is not one the officer may visit) stays in the
    outbox with the reason in Chinese, named at its field."""
    page = tablet(PORTRAIT)
    login(page)
    page.evaluate("""async () => {
        const queue = await import("/js/queue.js");
        const id = crypto.randomUUID();
        await queue.enqueue({ id, op: "visit", label: "走访", body: { id,
            household_id: crypto.randomUUID(), purpose: "routine", notes: "", needs: [],
            visited_at: new Date().toISOString(), person_ids: [], photos: [] } });
        (await import("/js/sync.js")).syncNow();
    }""")
    page.wait_for_selector("#sync-btn[data-state=problem]")
    page.click("#sync-btn")
    item = page.locator("#sheet .outbox-item.rejected")
    item.wait_for()
    assert "走访对象不在您负责的网格内" in item.locator("ul.refusal").text_content()
    shot(page, "visits-10-refused")


def test_analytics_shows_visit_figures(browser, server):  # noqa: ANN001
    tagged_household(server)
    for user, view, ready in (("street", "street", "#kpi-table th[data-col=helped_rate]"),
                              ("police", "police", "#due-cells")):
        ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  base_url=server.base)
        page = ctx.new_page()
        page.goto(f"/analytics.html?view={view}")
        page.fill("#a-user", user)
        page.fill("#a-pass", world.PASSWORDS[user])
        page.click("#a-login button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_selector(ready)
        if view == "street":
            head = page.text_content("#kpi-table th[data-col=helped_rate]")
            assert "100%" in head  # the policy target, from /stats/visits
            assert page.locator("#kpi-table th[data-col=visit_coverage]").count() == 1
            page.select_option("#f-by", "leader")  # per officer
            page.wait_for_selector("#kpi-table th[data-col=leader]")
            officer = page.locator("#kpi-table tbody tr[data-key=officer]")
            cols = page.eval_on_selector_all("#kpi-table thead th",
                                             "els => els.map((e) => e.dataset.col)")
            coverage = officer.locator("td, th").nth(cols.index("visit_coverage")).text_content()
            assert coverage.endswith("%")  # the officer's households, some visited or none
            page.eval_on_selector(".table-wrap", "e => { e.scrollLeft = e.scrollWidth; }")
        else:
            row = page.locator(f"#due-cells tbody tr[data-cell='{world.C1}001']")
            assert int(row.locator("td").first.text_content()) >= 1  # the overdue member's cell
        assert_accessible(page)
        shot(page, f"visits-08-analytics-{view}")
        ctx.close()
