"""Recording by tapping the map: the cell is shown before saving, the record reaches the API once,
and a point outside the officer's cells is refused by the app and by the server."""

import uuid
from datetime import UTC, datetime

import pytest

from . import world
from .conftest import (
    LANDSCAPE,
    PORTRAIT,
    cell_centre,
    fill_record,
    login,
    png,
    records_with,
    shot,
    tap_at,
    until,
    wait_queue,
)

pytestmark = pytest.mark.browser


def test_tap_map_records_an_incident_with_a_photo(tablet, server):
    page = tablet(PORTRAIT)
    login(page)
    code = world.C1 + "008"
    tap_at(page, *cell_centre(code))
    assert code in page.text_content("#where")
    assert page.locator("#where.ok").count() == 1
    shot(page, "04-tap-sheet-zh-portrait")
    page.click("#sheet [data-record=incident]")
    page.click("#sheet button[type=submit]")  # empty form: refused with messages, nothing queued
    assert page.locator("#sheet [aria-invalid=true]").count() >= 2
    assert page.text_content("#queue-count") == "0"
    shot(page, "05-incident-form-invalid")
    page.click("#sheet .icon-btn")
    text = f"楼道堆物 {uuid.uuid4().hex[:8]}"
    tap_at(page, *cell_centre(code))
    fill_record(page, "incident", text, [png(1)])
    [stored] = until(page, lambda: records_with(server, text), what="the incident")
    wait_queue(page, 0)
    assert stored["kind"] == "incident"
    assert stored["cell_code"] == code
    assert len(stored["photos"]) == 1
    assert stored["status"] == "reported"


def test_point_outside_own_cells_is_refused_in_app_and_by_server(tablet, server):
    page = tablet(LANDSCAPE)
    login(page)
    foreign = cell_centre(world.C2 + "001")  # officer2's cell
    tap_at(page, *foreign)
    assert page.locator("#where.bad").count() == 1
    assert "不在您负责的网格内" in page.text_content("#where")
    assert page.locator("#sheet [data-record]").count() == 0
    shot(page, "06-outside-refused-landscape")
    r = server.post("/records", "officer", json={
        "id": str(uuid.uuid4()), "kind": "incident", "category": "public_order",
        "priority": "routine", "description": "outside", "lon": foreign[0], "lat": foreign[1],
        "occurred_at": datetime.now(UTC).isoformat()})
    assert r.status_code in (403, 422), r.text
    assert records_with(server, "outside", "admin") == []


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE])
def test_a_record_in_a_tall_building_carries_its_floor_and_unit(tablet, server, viewport):
    import pandas as pd
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from api.io.loaders import load_vertical_cells
    from grid.partition.vertical import VERTICAL_COLUMNS

    cell = world.C1 + "008"
    rows = pd.DataFrame([(f"{cell}-0{k + 1}", cell, world.C1, "t1", 150, "floors", 1, 2,
                          16 * k + 1, 16 * k + 16, 0) for k in range(2)], columns=VERTICAL_COLUMNS)
    engine = make_engine(server.db, pool_size=1)
    with Session(engine) as s, s.begin():
        load_vertical_cells(s, rows, [world.C1], datetime(2020, 1, 1, tzinfo=UTC))
    engine.dispose()
    page = tablet(viewport)
    login(page)
    tap_at(page, *cell_centre(cell))
    page.click("#sheet [data-record=incident]")
    page.wait_for_selector("#stack-pick:not([hidden])")
    assert "-02 1–2单元 17–32层" in page.text_content("#stack-pick")
    page.click(f"#stack-pick [data-vertical='{cell}-02']")  # the picker fills its first floor
    assert page.input_value("#sheet input[name=floor]") == "17"
    assert page.get_attribute(f"[data-vertical='{cell}-02']", "aria-pressed") == "true"
    assert page.get_attribute(f"[data-vertical='{cell}-01']", "aria-pressed") == "false"
    page.select_option("#sheet select[name=category]", index=1)
    text = f"电梯故障 {uuid.uuid4().hex[:8]}"
    page.fill("#sheet textarea[name=description]", text)
    page.fill("#sheet input[name=floor]", "400")
    page.click("#sheet button[type=submit]")  # out of range: refused in the form
    assert page.locator("#sheet input[name=floor][aria-invalid=true]").count() == 1
    page.fill("#sheet input[name=floor]", "17")
    page.fill("#sheet input[name=unit]", "2")
    shot(page, f"07-floor-unit-{viewport['width']}x{viewport['height']}")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    [stored] = until(page, lambda: records_with(server, text), what="the record")
    assert (stored["floor"], stored["unit"], stored["vertical_code"]) == (17, 2, f"{cell}-02")
