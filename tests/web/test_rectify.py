"""A hazard point's rectification on the tablet: start it from the place's sheet, order it with
a deadline, re-inspect with a photo; at both tablet sizes."""

from __future__ import annotations

import uuid

import pytest

from . import world
from .conftest import (
    LANDSCAPE,
    PORTRAIT,
    cell_centre,
    centre_map,
    login,
    png,
    shot,
    tap_at,
    until,
    wait_queue,
)


def hazard_sheet(tablet, server, code: str, name: str):  # noqa: ANN001, ANN201
    """A hazard point made in cell ``code`` by the officer, and the officer's tablet (portrait)
    with its edit sheet open at the rectification panel; (page, place id, lon, lat)."""
    lon, lat = cell_centre(world.C1 + code)
    pid = str(uuid.uuid4())
    r = server.post("/places", "officer", json={
        "id": pid, "kind": "hazard", "name": name, "lon": lon, "lat": lat,
        "risk_level": "watch", "attrs": {"category": "ebike_charging", "severity": "general"}})
    assert r.status_code == 201, r.text
    page = tablet(PORTRAIT)
    login(page)
    centre_map(page, lon, lat)
    tap_at(page, lon, lat)
    page.click(f"#sheet [data-edit-place='{pid}']")
    page.wait_for_selector("#sheet .rect-panel [data-rect-action=open]")
    return page, pid, lon, lat


@pytest.mark.browser
def test_hazard_rectification_from_the_place_sheet(tablet, server):  # noqa: ANN001
    page, pid, lon, lat = hazard_sheet(tablet, server, "020", "飞线充电点")
    page.click("#sheet [data-rect-action=open]")
    page.wait_for_selector("#sheet .rect-stage[data-stage=found]")
    page.click("#sheet [data-rect-action=order]")
    page.wait_for_selector("#sheet .rect-stage[data-stage=ordered]")
    assert "期限" in page.text_content("#sheet .rect-stage")  # the deadline by severity
    page.locator("#sheet .rect-panel").scroll_into_view_if_needed()
    shot(page, "rectify-ordered-portrait")
    # re-inspection needs a photo: refused without one, accepted with one
    page.click("#sheet [data-rect-action=reinspect]")
    page.wait_for_selector("#sheet .rect-error:not([hidden])")
    page.set_input_files("#sheet [name=rect-photo]", png(77))
    page.fill("#sheet [name=rect-note]", "已拆除飞线")
    page.click("#sheet [data-rect-action=reinspect]")
    page.wait_for_selector("#sheet .rect-stage[data-stage=reinspected]")
    stored = server.get(f"/places/{pid}/rectifications", "officer").json()[0]
    assert stored["stage"] == "reinspected" and len(stored["steps"][-1]["photos"]) == 1
    assert stored["steps"][-1]["note"] == "已拆除飞线"
    wide = tablet(LANDSCAPE)
    login(wide)
    centre_map(wide, lon, lat)
    tap_at(wide, lon, lat)
    wide.click(f"#sheet [data-edit-place='{pid}']")
    wide.wait_for_selector("#sheet .rect-stage[data-stage=reinspected]")
    wide.locator("#sheet .rect-panel").scroll_into_view_if_needed()
    shot(wide, "rectify-reinspected-landscape")


@pytest.mark.browser
def test_loop_owned_fields_are_read_only_once_a_rectification_exists(tablet, server):  # noqa: ANN001
    """A hazard without a rectification has its deadline and status editable; once the loop has
    started they are shown, disabled, with the reason, and saving the form is not refused."""
    page, pid, _, _ = hazard_sheet(tablet, server, "024", "堆物占道")  # a cell no other test uses
    status = "#sheet form.place-edit [name=rectification_status]"
    assert page.is_enabled(status) and page.is_enabled("#sheet [name=rectification_deadline]")
    page.click("#sheet [data-rect-action=open]")
    page.wait_for_selector("#sheet .rect-stage[data-stage=found]")
    page.wait_for_selector(f"{status}:disabled")
    assert page.is_disabled("#sheet [name=rectification_deadline]")
    assert "整改流程" in page.text_content("#sheet .loop-hint")
    assert "null" not in page.text_content("#sheet .rect-panel")
    page.fill("#sheet form.place-edit [name=name]", "堆物占道（楼道）")
    page.locator("#sheet form.place-edit button[type=submit]").click()

    def stored():  # noqa: ANN202
        fs = server.get("/places", "officer").json()["features"]
        return next(f for f in fs if f["properties"]["id"] == pid)["properties"]

    until(page, lambda: stored()["name"] == "堆物占道（楼道）", what="the place's edit")
    wait_queue(page, 0)  # nothing refused and left in the outbox
    assert stored()["attrs"]["rectification_status"] == "pending"  # written by the loop, kept
