"""Stored XSS: names and descriptions typed by one user are shown to others (street staff name a
centre an admin's planner shows; officers' places and records). Saved through the API with an HTML
payload, they must appear as literal text in the tablet app and the analytics views, and no
script may run (the admin's token sits in localStorage)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from . import world
from .conftest import LANDSCAPE, cell_centre, centre_map, login, tap_at

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.__xss=(window.__xss||0)+1;alert(document.domain)">'


@pytest.fixture(scope="module")
def hostile(server):  # noqa: ANN001, ANN201
    """A centre (by street staff), a place and a case (by the officer) named with the payload."""
    tag = uuid.uuid4().hex[:8]
    r = server.post("/analytics/centres", "street", json={
        "kind": "station", "name": f"{PAYLOAD}站{tag}", "lon": world.X0 + 1.5 * world.DX,
        "lat": world.Y0 + 1.5 * world.DY, "radius_m": 250, "capacity": 50})
    assert r.status_code == 201, r.text
    lon, lat = cell_centre(world.C1 + "010")
    place = {"id": str(uuid.uuid4()), "kind": "rental", "name": f"{PAYLOAD}房{tag}",
             "address": PAYLOAD, "lon": lon + world.DX * 0.2, "lat": lat, "risk_level": "watch",
             "attrs": {}}
    r = server.post("/places", "officer", json=place)
    assert r.status_code == 201, r.text
    r = server.post("/records", "officer", json={
        "id": str(uuid.uuid4()), "kind": "incident", "category": "fire", "priority": "routine",
        "description": f"{PAYLOAD}案{tag}", "lon": lon, "lat": lat,
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()})
    assert r.status_code == 201, r.text
    return {"tag": tag, "place": (place["lon"], place["lat"])}


def _watch(page) -> list[str]:  # noqa: ANN001
    """Collect every dialog the page opens (the payload calls alert)."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


def _assert_inert(page, dialogs: list[str]) -> None:  # noqa: ANN001
    # An <img onerror> parsed from the data would be in the DOM now, even before its error fires.
    assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_centre_name_is_text_in_the_planner_tooltip(hostile, tablet):
    tag = hostile["tag"]
    page = tablet(viewport=LANDSCAPE)
    dialogs = _watch(page)
    page.goto("/analytics.html?view=planner")
    page.fill("#a-user", "admin")
    page.fill("#a-pass", world.PASSWORDS["admin"])
    page.click("#a-login button[type=submit]")
    page.wait_for_selector("path.centre-ring")
    page.wait_for_function("document.body.dataset.ready === 'true'")
    opened = page.evaluate("""(tag) => {
        const text = (c) => (typeof c === 'string' ? c : c?.textContent || '');
        let n = 0;
        wanggeAnalytics.layers[0].eachLayer((l) => {
          if (l.getTooltip() && text(l.getTooltip().getContent()).includes(tag)) {
            l.openTooltip();
            n += 1;
          }
        });
        return n;
    }""", tag)
    assert opened == 1
    tip = page.locator(".leaflet-tooltip", has_text=tag)
    tip.wait_for()
    assert PAYLOAD in tip.text_content()
    _assert_inert(page, dialogs)


def test_place_name_and_case_description_are_text_in_the_app(hostile, tablet):
    tag = hostile["tag"]
    page = tablet(viewport=LANDSCAPE)
    dialogs = _watch(page)
    login(page, "officer")
    page.click("#cases-btn")
    case = page.locator("#sheet li.case", has_text=tag)
    case.wait_for()
    assert f"{PAYLOAD}案{tag}" in case.text_content()
    centre_map(page, *hostile["place"])
    tap_at(page, *hostile["place"])
    edit = page.locator("#sheet [data-edit-place]")
    edit.wait_for()
    assert PAYLOAD in edit.text_content()
    _assert_inert(page, dialogs)
