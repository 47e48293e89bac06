"""The officer logs in and sees their cells, buildings and places; zh by default, English on tap."""

import pytest

from . import world
from .conftest import LANDSCAPE, PORTRAIT, login, shot

pytestmark = pytest.mark.browser


def test_login_shows_own_cells_buildings_and_places_in_chinese(tablet, server):
    page = tablet(PORTRAIT)
    page.goto("/")
    assert page.text_content("#login-submit") == "登录"
    shot(page, "01-login-zh-portrait")
    login(page)
    me = server.get("/me", "officer").json()
    loaded = page.evaluate("({c: wangge.cells.length, own: wangge.ownCodes.length,"
                           " b: wangge.buildings.length, p: wangge.places.length})")
    assert loaded["own"] == len(me["cells"]) == world.COLS * world.ROWS
    assert loaded["b"] == world.COLS * world.ROWS * world.BUILDINGS_PER_CELL
    # Other tests in the session add places, so count what the server holds for the officer.
    places = server.get("/places", "officer").json()["features"]
    assert loaded["p"] == len(places) >= world.PLACES
    labels = page.locator(".cell-label.own")
    assert labels.count() == len(me["cells"])
    assert labels.first.text_content().startswith(me["cells"][0][-3:]) or labels.count() > 0
    assert "户" in labels.first.text_content()
    cases_btn = page.text_content("#cases-btn")
    assert cases_btn.strip().endswith("我的案件") or "我的案件" in cases_btn
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    shot(page, "02-map-zh-portrait")


def test_english_ui_renders_and_touch_targets_are_large(tablet):
    page = tablet(LANDSCAPE)
    login(page)
    page.click("#lang-btn")
    assert page.text_content("#logout-btn") == "Log out"
    assert "My cases" in page.text_content("#cases-btn")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert " hh" in page.locator(".cell-label.own").first.text_content()
    small = page.evaluate("""[...document.querySelectorAll('button, select, input')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44 || r.width < 44).map(([n]) => n)""")
    assert small == []
    shot(page, "03-map-en-landscape")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.text_content("#logout-btn") == "Log out"  # the choice is remembered
