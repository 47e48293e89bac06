"""The planner's day, at 1440×900 and 1280×800: read coverage (load as a share of capacity, not a
sea of red), add a centre on the map, switch to walking (isochrones from the roads, not circles),
site two more within capacity and accept one with one click, move a centre by dragging it and
retire it — every change through /analytics/centres. Clicks counted, steps timed, screenshots
saved, axe-core clean."""

from __future__ import annotations

import pytest
from geoalchemy2 import WKTElement

from . import world
from .a11y import assert_accessible
from .analytics_day import DESKTOP, open_view, small_targets
from .conftest import LANDSCAPE, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def roads(server):  # noqa: ANN001, ANN201
    """Streets along every cell edge (the fixture world has none), and one small station."""
    from api.db import session_scope
    from api.models.analytics import Road
    from api.settings import Settings
    from api.store import make_store

    store = make_store(Settings(database_url=server.db, secret_key="browser-tests"))
    x1 = world.X0 + (world.COLS + world.C2_COLS) * world.DX
    y1 = world.Y0 + world.ROWS * world.DY
    with session_scope(store.sessions) as s:
        for c in range(world.COLS + world.C2_COLS + 1):
            x = world.X0 + c * world.DX
            s.add(Road(name=f"纵{c}路", highway="residential",
                       geom=WKTElement(f"LINESTRING({x} {world.Y0}, {x} {y1})", srid=4326)))
        for r in range(world.ROWS + 1):
            y = world.Y0 + r * world.DY
            s.add(Road(name=f"横{r}路", highway="residential",
                       geom=WKTElement(f"LINESTRING({world.X0} {y}, {x1} {y})", srid=4326)))
    got = server.post("/analytics/centres", "admin", json={
        "kind": "station", "name": "规划日服务站", "lon": world.X0 + 1.5 * world.DX,
        "lat": world.Y0 + 1.5 * world.DY, "radius_m": 300, "capacity": 150})
    assert got.status_code == 201, got.text
    return server


def _centres(server) -> dict[int, dict]:  # noqa: ANN001
    feats = server.get("/analytics/coverage", "admin").json()["centres"]["features"]
    return {f["properties"]["id"]: f for f in feats}


def _map_xy(page, lon: float, lat: float) -> tuple[float, float]:  # noqa: ANN001
    return tuple(page.evaluate("""([lon, lat]) => {
        const m = window.wanggeAnalytics.map;
        const p = m.latLngToContainerPoint([lat, lon]);
        const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lon, lat]))


@pytest.mark.parametrize("size", [DESKTOP, LANDSCAPE], ids=["1440x900", "1280x800"])
def test_planner_day(roads, tablet, size):
    server, tag = roads, f"{size['width']}x{size['height']}"
    before = _centres(server)
    with (day := open_view(tablet, "admin", "planner", size)).step("sign in and coverage"):
        page = day.page
        page.wait_for_selector("#centre-list li")
    assert page.locator(".leaflet-marker-pane .centre-pin").count() == len(before)
    assert "%" in page.text_content("#coverage-summary")
    assert page.locator("#legend .sw").count() == 5
    shot(page, f"day-planner-coverage-{tag}")

    name = f"新服务站{tag}"
    with day.step("add a centre on the map"):
        day.click("#add-centre-btn")
        day.tap_xy(*_map_xy(page, world.X0 + 4.5 * world.DX, world.Y0 + 3.5 * world.DY))
        page.fill("#add-centre input[name=name]", name)
        day.click("#add-centre button[type=submit]")
        page.wait_for_function(f"document.getElementById('centre-list')?.textContent.includes('{name}')")
    added = [c for c in _centres(server).values() if c["properties"]["name"] == name]
    assert len(added) == 1
    cid = added[0]["properties"]["id"]

    with day.step("walking coverage"):
        page.select_option("#f-mode", "walking")
        day.ready()
        page.wait_for_selector("path.centre-ring")
    walk = server.get("/analytics/coverage", "admin", params={"mode": "walking"}).json()
    shapes = {f["properties"]["isochrone"]["type"] for f in walk["centres"]["features"]}
    assert shapes <= {"Polygon", "MultiPolygon"}  # isochrones, not circles
    shot(page, f"day-planner-walking-{tag}")

    with day.step("site two more, walking, within capacity"):
        page.fill("#f-k", "2")
        day.click("#run-siting")
        page.wait_for_selector("#siting-gain")
    sites = page.locator("ol.sites li")
    assert sites.count() == 2 and "→" in page.text_content("#siting-gain")
    for text in sites.all_text_contents():
        got, cap = (int(x) for x in text.split()[0].split("/"))
        assert got <= cap
    shot(page, f"day-planner-siting-{tag}")
    with day.step("accept the first site"):
        day.click("ol.sites li >> nth=0 >> button.accept")
        n = len(before) + 2
        page.wait_for_function(f"document.querySelectorAll('#centre-list li').length === {n}")

    with day.step("move the new centre by dragging it"):
        pin = page.locator(f".centre-pin[data-centre='{cid}']")
        box = pin.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 60, y + 40, steps=8)
        page.mouse.up()
        day.clicks += 1
        page.wait_for_timeout(300)
        day.ready()
    moved = _centres(server)[cid]["geometry"]["coordinates"]
    assert moved != added[0]["geometry"]["coordinates"]

    with day.step("retire it"):
        page.once("dialog", lambda d: d.accept())
        day.click(f"#centre-list li[data-id='{cid}'] button.retire")
        page.wait_for_function(f"!document.querySelector(\"#centre-list li[data-id='{cid}']\")")
    assert cid not in _centres(server)
    assert_accessible(page)
    assert small_targets(page) == []
    for c in set(_centres(server)) - set(before):  # leave the world as it was for other sizes
        gone = server.http.delete(f"/analytics/centres/{c}", headers=server.auth("admin"))
        assert gone.status_code == 204
    tally = day.save()
    print(tally)
    assert day.outside == [] and tally["clicks"] <= 9
