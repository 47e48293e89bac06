"""Browser tests of the analytics views against the real server: the police heat view renders,
follows filters and drills down; the street table sorts; the planner view shows centres, coverage
and a siting suggestion. No request may leave localhost."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from . import world
from .conftest import LANDSCAPE, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def analytics_data(server):  # noqa: ANN001, ANN201
    """Forty recent incidents in C1 (a third crowded into one corner) and one service centre."""
    rng = random.Random(5)
    now = datetime.now(UTC)
    for i in range(40):
        if i % 3 == 0:
            lon, lat = (
                world.X0 + rng.uniform(0.0002, 0.0015),
                world.Y0 + rng.uniform(0.0002, 0.0015),
            )
        else:
            lon = world.X0 + rng.uniform(0.0002, world.COLS * world.DX - 0.0002)
            lat = world.Y0 + rng.uniform(0.0002, world.ROWS * world.DY - 0.0002)
        r = server.post(
            "/records",
            "officer",
            json={
                "id": str(uuid.uuid4()),
                "kind": "incident",
                "category": ("fire", "traffic")[i % 2],
                "priority": "routine",
                "description": f"分析测试{i}",
                "occurred_at": (now - timedelta(days=1 + i % 20, hours=i % 5)).isoformat(),
                "lon": lon,
                "lat": lat,
            },
        )
        assert r.status_code == 201, r.text
    r = server.post(
        "/analytics/centres",
        "admin",
        json={
            "kind": "station",
            "name": "测试服务站",
            "lon": world.X0 + 3 * world.DX,
            "lat": world.Y0 + 2.5 * world.DY,
            "radius_m": 300,
            "capacity": 100,
        },
    )
    assert r.status_code == 201, r.text
    return server


def _open(make, user: str, view: str):  # noqa: ANN001, ANN202
    page = make(viewport=LANDSCAPE)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    page.goto(f"/analytics.html?view={view}")
    page.fill("#a-user", user)
    page.fill("#a-pass", world.PASSWORDS[user])
    page.click("#a-login button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    return page, outside


def _ready(page) -> None:  # noqa: ANN001
    page.wait_for_function("document.body.dataset.ready === 'true'")


def test_police_view_renders_filters_and_drills_down(analytics_data, tablet):
    page, outside = _open(tablet, "police", "police")
    page.wait_for_function(
        "document.getElementById('legend').textContent.includes('≥')"
        " && document.body.dataset.ready === 'true'"
    )
    page.wait_for_selector("path[data-h3]")
    assert page.locator("path[data-h3]").count() > 0
    # Compare record totals, not bin counts: the bins' resolution follows the zoom, which may
    # still settle after the first draw, while the total shown in the status line does not.
    page.wait_for_function("/^\\d+ /.test(document.getElementById('status').textContent)")
    all_records = int(page.text_content("#status").split()[0])
    page.select_option("#f-kind", "incident")
    page.select_option("#f-category", "fire")
    page.click("#apply")
    _ready(page)
    page.wait_for_selector("path[data-h3]")
    # 20 of this module's 40 incidents are fires; other modules' days may add more
    period = {"from": page.input_value("#f-from"), "to": page.input_value("#f-to")}
    fires = analytics_data.get(
        "/analytics/heat", "police", params={**period, "kind": "incident", "category": "fire"}
    ).json()["total"]
    page.wait_for_function(
        f"document.getElementById('status').textContent.startsWith('{fires} ')"
    )
    assert 20 <= fires < all_records
    page.check("#f-hotspots")
    _ready(page)
    page.locator("path[data-h3]").first.click(force=True)
    page.wait_for_selector("#panel .rec")
    shot(page, "analytics-police")
    assert outside == []


def test_street_view_sorts_and_colours_cells(analytics_data, tablet):
    page, outside = _open(tablet, "street", "street")
    page.wait_for_selector("#kpi-table tbody tr")
    assert page.locator("#kpi-table tbody tr").count() >= world.COLS * world.ROWS
    page.click("#kpi-table th[data-col=total] button")
    idx = page.eval_on_selector_all(
        "#kpi-table thead th", "ths => ths.findIndex(th => th.dataset.col === 'total')"
    )
    totals = page.eval_on_selector_all(
        "#kpi-table tbody tr", f"trs => trs.map(tr => Number(tr.children[{idx}].textContent))"
    )
    assert totals[0] == max(totals) > 0
    assert page.locator(".leaflet-overlay-pane path").count() >= world.COLS * world.ROWS
    shot(page, "analytics-street")
    assert outside == []


def test_planner_view_shows_coverage_and_siting(analytics_data, tablet):
    page, outside = _open(tablet, "admin", "planner")
    page.wait_for_selector("path.centre-ring")
    _ready(page)
    assert page.locator("#coverage-table tbody tr").count() >= 1, page.text_content("#status")
    page.fill("#f-k", "2")
    page.click("#run-siting")
    page.wait_for_selector("#siting-gain")
    assert "→" in page.text_content("#siting-gain")
    shot(page, "analytics-planner")
    assert outside == []


@pytest.mark.parametrize("size", [{"width": 1440, "height": 900}, LANDSCAPE])
def test_views_follow_the_apps_language_choice(analytics_data, tablet, size):
    """The analytics page starts in the app's stored language (Chinese by default), its button
    switches all three views and stores the choice the app reads, and no key shows untranslated."""
    page = tablet(viewport=size)
    page.goto("/analytics.html?view=police")
    assert page.text_content("#a-login button[type=submit]") == "登录"  # the app's own string
    page.fill("#a-user", "admin")
    page.fill("#a-pass", world.PASSWORDS["admin"])
    page.click("#a-login button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    tag = f"{size['width']}x{size['height']}"
    for lang, label, other in (
        ("zh", "警务热力", "Police heat"),
        ("en", "Police heat", "警务热力"),
    ):
        if lang == "en":
            page.click("#a-lang")
            _ready(page)
            assert page.evaluate("localStorage.getItem('wangge.lang')") == "en"
        assert page.text_content("nav [data-view=police]") == label
        assert page.get_attribute("html", "lang") == ("zh-CN" if lang == "zh" else "en")
        for view in ("police", "street", "planner"):
            page.click(f"nav [data-view={view}]")
            page.wait_for_selector(f"body[data-view={view}][data-ready=true]")
            text = page.text_content("body")
            assert other not in text and "an_" not in text, (lang, view)
            shot(page, f"analytics-{view}-{lang}-{tag}")
    page.goto("/analytics.html?view=street")  # the stored choice survives a reload
    page.wait_for_selector("body[data-view=street][data-ready=true]")
    assert page.text_content("nav [data-view=street]") == "Street office"
    page.click("#a-lang")
    assert page.text_content("nav [data-view=street]") == "街道考核"
