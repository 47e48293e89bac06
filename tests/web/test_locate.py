"""The first position fix after login centres the map on the officer only while they have not
touched it yet: a slow GPS must not pull the map away from under a finger that is already
tapping (a tap aimed at one cell would land in another)."""

import pytest

from . import world
from .conftest import PORTRAIT, cell_centre

pytestmark = pytest.mark.browser

# Holds the app's getCurrentPosition calls until the test releases them (a GPS that is slow to fix).
HOLD_FIX = """() => {
    const held = [];
    navigator.geolocation.getCurrentPosition = (ok) => held.push(ok);
    window.releaseFix = (lon, lat) => held.splice(0).forEach((ok) => ok({
        coords: { longitude: lon, latitude: lat, accuracy: 5 }, timestamp: Date.now() }));
    window.heldFixes = () => held.length;
}"""


def _start(tablet):  # noqa: ANN001, ANN202
    page = tablet(PORTRAIT)
    page.add_init_script(f"({HOLD_FIX})()")
    page.goto("/")
    page.fill("#username", "officer")
    page.fill("#password", world.PASSWORDS["officer"])
    page.click("#login-submit")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function("window.heldFixes() > 0")
    return page


def _centre(page) -> list[float]:  # noqa: ANN001
    return page.evaluate("""() => { const m = wangge.map; const c = m.fromMap(m.map.getCenter());
        return [c[0], c[1]]; }""")


def test_first_fix_centres_an_untouched_map(tablet):  # noqa: ANN001
    page = _start(tablet)
    x, y = cell_centre(world.C1 + "009")
    page.evaluate("([x, y]) => window.releaseFix(x, y)", [x, y])
    page.wait_for_selector("body[data-located=true]", state="attached")
    cx, cy = _centre(page)
    assert abs(cx - x) < 1e-5 and abs(cy - y) < 1e-5


def test_late_fix_leaves_a_touched_map_where_it_is(tablet):  # noqa: ANN001
    page = _start(tablet)
    box = page.locator("#map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#sheet", state="visible")
    before = _centre(page)
    x, y = cell_centre(world.C1 + "009")
    page.evaluate("([x, y]) => window.releaseFix(x, y)", [x, y])
    page.wait_for_selector("body[data-located=true]", state="attached")
    assert _centre(page) == before
    assert page.evaluate("wangge.map.me !== undefined && wangge.map.me !== null")  # still shown
