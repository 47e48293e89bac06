"""A building cut into vertical cells (楼栋网格, issue 16) in Chromium: on the tablet a household
chosen in the register starts a record with its floor and unit, the stack picker shows the
vertical cell holding them; on the analytics map the building carries a badge with its vertical
cells' counts, which opens the stack with its per-floor counts and records; the street table
lists the vertical cells. Counts are checked against the test's own tally."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import shapely
from sqlalchemy.orm import Session

from . import world
from .a11y import assert_accessible
from .conftest import LANDSCAPE, PORTRAIT, centre_map, login, records_with, shot, tap_at, until

pytestmark = pytest.mark.browser

CELL = world.C1 + "015"
TOWER = "015-1号楼"
WIDE = {"width": 1440, "height": 900}


def vcode(k: int) -> str:
    """The k-th (1-based) vertical cell of CELL."""
    return f"{CELL}-0{k}"


def holding(floor: int) -> str | None:
    """The test's own rule: floors 1–10, 11–20, 21–30 are the three vertical cells."""
    return vcode((floor - 1) // 10 + 1) if 1 <= floor <= 30 else None


@pytest.fixture(scope="module")
def tower(server):  # noqa: ANN001, ANN201
    """TOWER cut into three floor ranges, and recent records on seeded floors of it."""
    from api.db import make_engine
    from api.io.loaders import load_vertical_cells
    from grid.partition.vertical import VERTICAL_COLUMNS

    rows = pd.DataFrame([(vcode(k + 1), CELL, world.C1, TOWER, 150 + 10 * k, "floors", 1, 2,
                          10 * k + 1, 10 * k + 10, 0) for k in range(3)], columns=VERTICAL_COLUMNS)
    engine = make_engine(server.db, pool_size=1)
    with Session(engine) as s, s.begin():
        load_vertical_cells(s, rows, [world.C1], datetime(2020, 1, 1, tzinfo=UTC))
    engine.dispose()
    feats = server.get("/buildings", "officer", params={"cell": CELL}).json()["features"]
    [b] = [f for f in feats if f["properties"]["name"] == TOWER]
    centre = shapely.geometry.shape(b["geometry"]).representative_point()
    rng, now, sent = random.Random(16), datetime.now(UTC), []
    for i in range(15):
        floor, unit = rng.randint(1, 30), rng.randint(1, 2)
        body = {"id": str(uuid.uuid4()), "kind": "incident", "category": "fire",
                "priority": "routine", "description": f"楼栋测试{i}", "lon": centre.x,
                "lat": centre.y, "floor": floor, "unit": unit,
                "occurred_at": (now - timedelta(days=1 + i % 10)).isoformat()}
        r = server.post("/records", "officer", json=body)
        assert r.status_code == 201 and r.json()["vertical_code"] == holding(floor), r.text
        sent.append(body)
    return {"id": b["properties"]["id"], "lon": centre.x, "lat": centre.y, "sent": sent}


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE, WIDE])
def test_a_household_from_the_register_gives_the_record_its_floor_and_unit(
    tablet, server, tower, viewport  # noqa: ANN001
) -> None:
    hh = {"id": str(uuid.uuid4()), "building_id": tower["id"], "unit": "2", "floor": "14",
          "room": f"14{uuid.uuid4().int % 90 + 10}", "household_no": "", "use": "own"}
    assert server.post("/households", "officer", json=hh).status_code == 201
    page = tablet(viewport)
    login(page)
    centre_map(page, tower["lon"], tower["lat"], 19)
    tap_at(page, tower["lon"], tower["lat"])
    page.click(f"#sheet [data-register='{tower['id']}']")
    page.click(f"#sheet [data-record-for='{hh['id']}']")
    page.click("#sheet [data-record=incident]")
    page.wait_for_selector("#stack-pick:not([hidden])")
    assert page.input_value("#sheet input[name=floor]") == "14"
    assert page.input_value("#sheet input[name=unit]") == "2"
    assert hh["room"] in page.text_content("#from-register")
    assert page.get_attribute(f"[data-vertical='{vcode(2)}']", "aria-pressed") == "true"
    assert page.get_attribute(f"[data-vertical='{vcode(3)}']", "aria-pressed") == "false"
    want = Counter(holding(b["floor"]) for b in tower["sent"])
    assert f"· {want[vcode(3)]} 条记录" in page.text_content(f"[data-vertical='{vcode(3)}']")
    page.locator("#stack-pick").scroll_into_view_if_needed()
    shot(page, f"vertical-tablet-{viewport['width']}x{viewport['height']}")
    assert_accessible(page)
    page.select_option("#sheet select[name=category]", index=1)
    text = f"楼道漏水 {uuid.uuid4().hex[:8]}"
    page.fill("#sheet textarea[name=description]", text)
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    tower["sent"].append({"floor": 14, "unit": 2})  # queued: counted by the next test
    [stored] = until(page, lambda: records_with(server, text), what="the record")
    assert (stored["floor"], stored["unit"], stored["vertical_code"]) == (14, 2, vcode(2))


def _open(tablet, view: str, size: dict):  # noqa: ANN001, ANN202
    page = tablet(viewport=size)
    page.goto(f"/analytics.html?view={view}")
    page.fill("#a-user", "street")
    page.fill("#a-pass", world.PASSWORDS["street"])
    page.click("#a-login button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    return page


@pytest.mark.parametrize("size", [WIDE, LANDSCAPE, PORTRAIT])
def test_the_analytics_map_and_table_show_the_stacked_building(tablet, tower, size) -> None:  # noqa: ANN001
    want = Counter(holding(b["floor"]) for b in tower["sent"])
    page = _open(tablet, "police", size)
    badge = page.wait_for_selector(f".stack-badge[data-cell='{CELL}']")
    assert f"{TOWER} · {sum(want.values())}" in badge.text_content()
    for k in (1, 2, 3):
        assert f"-0{k}: {want[vcode(k)]}" in badge.text_content()
    page.evaluate(f"window.wanggeAnalytics.map.setView([{tower['lat']}, {tower['lon']}], 17)")
    page.wait_for_selector("body[data-ready=true]")
    page.click(f".stack-badge[data-cell='{CELL}']")
    page.wait_for_selector("#stack-table")
    got = page.eval_on_selector_all(
        "#stack-table tbody tr",
        "trs => trs.map(tr => [tr.dataset.code, Number(tr.lastChild.textContent)])")
    assert dict(got) == {vcode(k): want[vcode(k)] for k in (1, 2, 3)}
    per_floor = Counter((b["unit"], b["floor"]) for b in tower["sent"] if holding(b["floor"]))
    cells = page.eval_on_selector_all(
        ".stack-grid tbody td[data-unit]",
        "tds => tds.filter(td => td.textContent).map(td => "
        "[Number(td.dataset.unit), Number(td.dataset.floor), Number(td.textContent)])")
    assert {(u, f): n for u, f, n in cells} == dict(per_floor)
    page.click(f"#stack-table tr[data-code='{vcode(1)}'] button")
    page.wait_for_selector("#stack-records .rec")
    assert page.locator("#stack-records .rec").count() == want[vcode(1)]
    page.locator("#stack-title").scroll_into_view_if_needed()
    tag = f"{size['width']}x{size['height']}"
    shot(page, f"vertical-analytics-map-{tag}")
    assert_accessible(page)
    street = _open(tablet, "street", size)
    street.select_option("#f-by", "vertical")
    street.wait_for_selector(f"#kpi-table tr[data-key='{vcode(2)}']")
    street.wait_for_selector("body[data-ready=true]")
    idx = street.eval_on_selector_all(
        "#kpi-table thead th", "ths => ths.findIndex(th => th.dataset.col === 'total')")
    cell = "#kpi-table tr[data-key='{}'] > :nth-child({})"
    totals = {k: int(street.text_content(cell.format(vcode(k), idx + 1))) for k in (1, 2, 3)}
    assert totals == {k: want[vcode(k)] for k in (1, 2, 3)}
    shot(street, f"vertical-analytics-table-{tag}")
    assert_accessible(street)
