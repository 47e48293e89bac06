"""Patrol (track, check-in, summary, one record), deadline colours, the GCJ-02 shift, and that a
first load brings the whole area (its timing is bench/first_load.py's)."""

import json
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest

from grid.input.shift import gcj02_to_wgs84, wgs84_to_gcj02

from . import firstload, world
from .conftest import (
    ARTIFACTS,
    LANDSCAPE,
    PORTRAIT,
    cell_centre,
    login,
    shot,
    tap_at,
    until,
    wait_queue,
)

pytestmark = pytest.mark.browser


def test_patrol_records_track_checkin_and_summary(tablet, server):
    x, y = cell_centre(world.C1 + "001")
    page = tablet(PORTRAIT, geolocation={"longitude": x, "latitude": y})
    login(page)
    page.click("#patrol-btn")
    page.wait_for_selector("body.patrolling")
    track_points = """() => { const l = wangge.map.trackLayer.getLayers().find((x) => x.getLatLngs);
        return l ? l.getLatLngs().length : 0; }"""
    for k in range(1, 4):  # walk ~35 m east per step; wait until the app has taken each fix
        page.context.set_geolocation({"longitude": x + 0.0004 * k, "latitude": y, "accuracy": 5})
        page.wait_for_function(f"({track_points})() === {k + 1}")
    places = server.get("/places", "officer", params={"cell": world.C1 + "001"}).json()["features"]
    place = places[0]
    tap_at(page, *place["geometry"]["coordinates"])
    page.click("#sheet [data-checkin=place]")
    page.click("#patrol-btn")
    assert page.text_content("#patrol-checkins") == "1"
    distance = int("".join(ch for ch in page.text_content("#patrol-distance") if ch.isdigit()))
    assert 80 <= distance <= 120  # 3 steps of ~35 m
    shot(page, "10-patrol-summary")
    page.fill("#sheet textarea[name=description]", note := f"巡查 {uuid.uuid4().hex[:8]}")
    page.click("#sheet button[type=submit]")
    def patrols() -> list[dict]:
        return server.get("/records", "officer", params={"kind": "patrol"}).json()

    [rec] = until(page, lambda: [r for r in patrols() if r.get("description") == note],
                  what="the patrol record")
    wait_queue(page, 0)
    full = server.get(f"/records/{rec['id']}", "officer").json()
    assert len(full["track"]) == 4
    assert len(full["checkins"]) == 1
    assert full["started_at"] and full["ended_at"]
    assert not page.locator("body.patrolling").count()


def test_deadline_colours_follow_the_case_loop(tablet, server):
    lon, lat = cell_centre(world.C1 + "020")
    r = server.post("/records", "officer", json={
        "id": str(uuid.uuid4()), "kind": "incident", "category": "fire", "priority": "urgent",
        "description": "紧急案件", "lon": lon, "lat": lat,
        "occurred_at": datetime.now(UTC).isoformat()})
    case = r.json()
    for action in ("register", "dispatch"):
        case = server.post(f"/records/{case['id']}/transitions", "street",
                           json={"action": action, "version": case["version"], "note": ""}).json()
    page = tablet(LANDSCAPE)
    login(page)
    page.click("#cases-btn")
    card = page.locator(f"#sheet li.case[data-id='{case['id']}']")
    card.wait_for()
    assert card.get_attribute("data-urgency") == "soon"  # urgent: due in 2 h → amber
    assert card.locator("[data-action=handle]").count() == 1  # the officer's next step
    assert card.locator("[data-action=verify]").count() == 0  # staff only
    kinds = page.evaluate("""import('/js/cases.js').then(({ urgency }) => [
        urgency({ status: 'dispatched', deadline: new Date(Date.now() - 60000).toISOString() }),
        urgency({ status: 'dispatched',
                  deadline: new Date(Date.now() + 48 * 3600e3).toISOString() }),
        urgency({ status: 'closed', deadline: new Date(Date.now() - 60000).toISOString() })])""")
    assert kinds == ["overdue", "ok", "none"]


def test_gcj02_shift_in_js_matches_grid_shift(tablet):
    page = tablet(PORTRAIT)
    page.goto("/")
    pts = [[117.2001, 39.1151], [116.397128, 39.916527], [121.4737, 31.2304], [113.2644, 23.1291]]
    js = page.evaluate("""(pts) => import('/js/geo.js').then((g) =>
        pts.map(([x, y]) => [g.wgs84ToGcj02(x, y),
                             g.gcj02ToWgs84(...g.wgs84ToGcj02(x, y))]))""", pts)
    lon, lat = np.array(pts).T
    glon, glat = wgs84_to_gcj02(lon, lat)
    for i, (fwd, back) in enumerate(js):
        assert fwd == pytest.approx([glon[i], glat[i]], abs=1e-9)
        assert back == pytest.approx(pts[i], abs=1e-8)
    blon, blat = gcj02_to_wgs84(glon, glat)
    assert np.allclose(blon, lon, atol=1e-8) and np.allclose(blat, lat, atol=1e-8)


def test_first_load_draws_30_cells_3000_buildings_500_places(browser, server):
    """A cold and a warm (service worker) start load the whole area. How long they take is
    measured by bench/first_load.py against the 2 s target; the figures seen here are kept in
    test-artifacts/web/first-load.json for a person to look at, not asserted."""
    token = server.auth("officer")["Authorization"].split()[1]
    figures = {
        run: firstload.load_once(browser, server.base, token, warm=run == "warm")
        for run in ("cold", "warm")
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "first-load.json").write_text(json.dumps(figures, indent=2))
    for run, f in figures.items():
        n = f["counts"]  # other tests may have added places; never fewer than the world's
        assert n["cells"] >= world.COLS * world.ROWS, (run, f)
        assert n["buildings"] == world.COLS * world.ROWS * world.BUILDINGS_PER_CELL, (run, f)
        assert n["places"] >= world.PLACES, (run, f)
        assert f["ready_s"] > 0 and "/api/v1/buildings" in f["breakdown_ms"], (run, f)
