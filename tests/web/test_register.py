"""The building register on the tablet (800×1280): tapping a building in one's own cell shows its
rooms and households; a household added offline and a resident added online go through the
outbox and are each stored exactly once."""

import uuid

import pytest
import shapely

from . import world
from .conftest import LANDSCAPE, PORTRAIT, centre_map, login, shot, tap_at, until, wait_queue

pytestmark = pytest.mark.browser


def a_building(server) -> dict:  # noqa: ANN001
    """A building in the officer's first cell (as GeoJSON) with its centre."""
    code = world.C1 + "001"
    feats = server.get("/buildings", "officer", params={"cell": code}).json()["features"]
    b = feats[0]
    centre = shapely.geometry.shape(b["geometry"]).representative_point()
    return {"id": b["properties"]["id"], "lon": centre.x, "lat": centre.y}


def households(server, building_id: int, room: str) -> list[dict]:  # noqa: ANN001
    """The households living in ``room`` of the building now."""
    reg = server.get(f"/buildings/{building_id}/register", "officer",
                     params={"purpose": "test"}).json()
    return [hh for u in reg["units"] for f in u["floors"] for r in f["rooms"]
            for hh in r["households"] if r["room"] == room]


def open_register(page, b: dict) -> None:  # noqa: ANN001
    centre_map(page, b["lon"], b["lat"], 19)
    tap_at(page, b["lon"], b["lat"])
    page.click(f"#sheet [data-register='{b['id']}']")
    page.wait_for_selector("#sheet[data-name=register]")


def test_household_offline_and_resident_online_stored_once(tablet, server):
    b = a_building(server)
    room = str(100 + uuid.uuid4().int % 800)
    name = "测试" + "甲乙丙丁戊"[uuid.uuid4().int % 5]
    page = tablet(PORTRAIT)
    login(page)
    page.wait_for_selector("body[data-offline-ready=true]")
    open_register(page, b)
    page.wait_for_selector("#sheet .register p:not([role=status])")
    shot(page, "register-01-building")
    page.context.set_offline(True)
    page.click(f"#sheet [data-add-household='{b['id']}']")
    page.wait_for_selector("#sheet[data-name=form-household]")
    page.fill("#sheet input[name=unit]", "2")
    page.fill("#sheet input[name=floor]", "3")
    page.fill("#sheet input[name=room]", room)
    page.click("#sheet button[type=submit]")
    wait_queue(page, 1)
    assert households(server, b["id"], room) == []  # nothing reached the server offline
    page.context.set_offline(False)
    until(page, lambda: len(households(server, b["id"], room)) == 1, what="household stored")
    wait_queue(page, 0)
    hh = households(server, b["id"], room)[0]

    open_register(page, b)
    page.click(f"#sheet [data-add-person='{hh['id']}']")
    page.wait_for_selector("#sheet[data-name=form-person]")
    page.fill("#sheet input[name=name]", name)
    page.select_option("#sheet select[name=person_type]", "floating")
    page.select_option("#sheet select[name=relation]", "self")
    shot(page, "register-02-person-form")
    page.click("#sheet button[type=submit]")
    until(page, lambda: len(households(server, b["id"], room)[0]["persons"]) == 1,
          what="resident stored")
    wait_queue(page, 0)
    stored = households(server, b["id"], room)
    assert len(stored) == 1 and [p["name"] for p in stored[0]["persons"]] == [name]
    open_register(page, b)
    page.wait_for_selector(f"#sheet li.person:has-text('{name}')")
    shot(page, "register-03-with-resident")
    # the household moves out: closed (with its resident) once, gone from the register
    page.once("dialog", lambda d: d.accept())
    page.click(f"#sheet [data-move-out='{hh['id']}']")
    until(page, lambda: households(server, b["id"], room) == [], what="household closed")
    wait_queue(page, 0)
    stored = server.get(f"/persons/{stored[0]['persons'][0]['id']}", "officer").json()
    assert stored["moved_out"] is not None


def test_register_sheet_in_landscape(tablet, server):
    b = a_building(server)
    page = tablet(LANDSCAPE)
    login(page)
    open_register(page, b)
    page.wait_for_selector("#sheet .register p:not([role=status])")
    button = page.locator(f"#sheet [data-add-household='{b['id']}']").bounding_box()
    assert button and button["x"] + button["width"] <= LANDSCAPE["width"]
    assert button["y"] + button["height"] <= LANDSCAPE["height"]
    shot(page, "register-04-landscape")


def a_household_of_two(server, b: dict, room: str) -> tuple[dict, dict, dict]:  # noqa: ANN001
    """A household with a householder and a spouse, stored through the API; their answers."""
    hh = server.post("/households", "officer", json={
        "id": str(uuid.uuid4()), "building_id": b["id"], "unit": "1", "floor": "5", "room": room,
        "moved_in": "2021-03-01"}).json()
    people = []
    for name, relation in (("编辑甲", "self"), ("迁出乙", "spouse")):
        r = server.post("/persons", "officer", json={
            "id": str(uuid.uuid4()), "household_id": hh["id"], "name": name,
            "person_type": "resident", "relation": relation, "moved_in": "2021-03-01"})
        assert r.status_code == 201, r.text
        people.append(r.json())
    return hh, people[0], people[1]


def person(server, pid: str) -> dict:  # noqa: ANN001
    """A resident as stored, in full."""
    return server.get(f"/persons/{pid}", "officer", params={"purpose": "test"}).json()


def test_resident_edited_and_one_moved_out_offline_once_and_conflict_shown(tablet, server):
    b = a_building(server)
    room = str(5000 + uuid.uuid4().int % 4000)
    hh, a, bb = a_household_of_two(server, b, room)
    page = tablet(PORTRAIT)
    login(page)
    page.wait_for_selector("body[data-offline-ready=true]")
    open_register(page, b)
    page.wait_for_selector(f"#sheet li.person[data-id='{a['id']}']")
    shot(page, "register-05-residents-with-actions")
    page.context.set_offline(True)
    page.click(f"#sheet [data-edit-person='{a['id']}']")
    page.wait_for_selector("#sheet[data-name=form-person-edit]")
    assert page.input_value("#sheet input[name=name]") == "编辑甲"
    page.fill("#sheet input[name=name]", "编辑甲改")
    page.fill("#sheet input[name=phone]", "13711112222")
    shot(page, "register-06-person-edit")
    page.click("#sheet button[type=submit]")
    wait_queue(page, 1)
    open_register(page, b)  # offline: the sheet says so, the officer reopens it from the map
    page.context.set_offline(False)
    open_register(page, b)
    page.wait_for_selector(f"#sheet li.person[data-id='{bb['id']}']")
    wait_queue(page, 0)
    page.once("dialog", lambda d: d.accept())
    page.click(f"#sheet [data-move-out-person='{bb['id']}']")
    until(page, lambda: person(server, bb["id"])["moved_out"] is not None, what="person moved out")
    wait_queue(page, 0)
    now_a, now_b = person(server, a["id"]), person(server, bb["id"])
    assert (now_a["name"], now_a["phone"], now_a["version"]) == ("编辑甲改", "13711112222", 2)
    assert now_b["version"] == 2 and now_a["moved_out"] is None  # each change stored once
    [home] = households(server, b["id"], room)
    assert home["id"] == hh["id"] and [p["id"] for p in home["persons"]] == [a["id"]]

    # a conflict: the street office changes the resident while the officer's form is open
    open_register(page, b)
    page.click(f"#sheet [data-edit-person='{a['id']}']")
    page.wait_for_selector("#sheet[data-name=form-person-edit]")
    r = server.patch(f"/persons/{a['id']}", "street", json={"version": 2, "relation": "child"})
    assert r.status_code == 200, r.text
    page.fill("#sheet input[name=name]", "编辑甲再改")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sync-btn[data-state=problem]")
    assert person(server, a["id"])["name"] == "编辑甲改"  # nothing applied over the change
    page.click("#sync-btn")
    item = page.locator("#sheet .outbox-item.conflict")
    item.wait_for()
    assert "3" in item.locator(".conflict-text").text_content()  # the version it is at now
    shot(page, "register-07-person-conflict")
    item.locator("[data-do=reapply]").click()
    until(page, lambda: person(server, a["id"])["name"] == "编辑甲再改", what="re-applied edit")
    wait_queue(page, 0)
    final = person(server, a["id"])
    assert final["version"] == 4 and final["relation"] == "child"
