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
