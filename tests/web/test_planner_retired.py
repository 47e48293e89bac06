"""A planner retires a service centre and gets it back: the retired centre leaves the centre list
and the coverage but is kept, listed with when and by whom under "retired centres" and drawn
greyed on the map when that list is opened, and one click (confirmed) restores it. Screenshots at
800×1280, 1280×800 and 1440×900; axe-core clean; every target at least 44 px."""

from __future__ import annotations

import pytest

from . import world
from .a11y import assert_accessible
from .analytics_day import DESKTOP, open_view, small_targets
from .conftest import LANDSCAPE, PORTRAIT, shot

pytestmark = pytest.mark.browser


def _live(server) -> set[int]:  # noqa: ANN001
    feats = server.get("/analytics/coverage", "admin").json()["centres"]["features"]
    return {f["properties"]["id"] for f in feats}


@pytest.mark.parametrize(
    "size", [PORTRAIT, LANDSCAPE, DESKTOP], ids=["800x1280", "1280x800", "1440x900"]
)
def test_retire_then_restore_a_centre(server, tablet, size):
    tag = f"{size['width']}x{size['height']}"
    got = server.post(
        "/analytics/centres",
        "admin",
        json={
            "kind": "station",
            "name": f"撤销恢复站{tag}",
            "lon": world.X0 + 0.5 * world.DX,
            "lat": world.Y0 + 0.5 * world.DY,
            "radius_m": 200,
            "capacity": 80,
        },
    )
    assert got.status_code == 201, got.text
    cid = got.json()["id"]
    day = open_view(tablet, "admin", "planner", size)
    page = day.page
    page.wait_for_selector(f"#centre-list li[data-id='{cid}']")
    with day.step("retire it"):
        page.once("dialog", lambda d: d.accept())
        day.click(f"#centre-list li[data-id='{cid}'] button.retire")
        page.wait_for_selector(f"#retired-centres li[data-id='{cid}']", state="attached")
    assert cid not in _live(server)
    assert not page.locator(f"#centre-list li[data-id='{cid}']").count()
    assert page.locator(".leaflet-marker-pane .retired-pin").count() == 0  # folded: not drawn
    with day.step("show the retired centres"):
        day.click("#retired-centres summary")
        page.wait_for_selector(".leaflet-marker-pane .retired-pin")
    line = page.text_content(f"#retired-centres li[data-id='{cid}']")
    assert f"撤销恢复站{tag}" in line and "admin" in line and "撤销" in line
    pins = page.locator(".leaflet-marker-pane .retired-pin").count()
    assert pins == page.locator("#retired-centres li").count()
    assert page.locator(".leaflet-marker-pane .centre-pin").count() == len(_live(server))
    page.locator(f"#retired-centres li[data-id='{cid}']").scroll_into_view_if_needed()
    shot(page, f"planner-retired-{tag}")
    assert_accessible(page)
    assert small_targets(page) == []
    with day.step("restore it"):
        page.once("dialog", lambda d: d.accept())
        day.click(f"#retired-centres li[data-id='{cid}'] button.restore")
        page.wait_for_selector(f"#centre-list li[data-id='{cid}']")
    assert cid in _live(server)
    assert not page.locator(f"#retired-centres li[data-id='{cid}']").count()
    gone = server.http.delete(f"/analytics/centres/{cid}", headers=server.auth("admin"))
    assert gone.status_code == 204  # leave no extra centre in service for other tests
    day.save()
    assert day.outside == []
