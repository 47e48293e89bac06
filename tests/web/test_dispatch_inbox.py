"""A case dispatched to a person on the cell's roster shows on that person's tablet under
"派给我的 / Dispatched to me" (issue 12): the street office dispatches one to a mediator from the
roster, the cell's leader dispatches another from the tablet's form, and the mediator, who leads
no cell there, sees both and handles one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from . import world
from .a11y import assert_accessible
from .conftest import LANDSCAPE, PORTRAIT, cell_centre, login, shot, until

pytestmark = pytest.mark.browser
CELL = world.C1 + "013"
DESKTOP = {"width": 1440, "height": 900}


def _user_id(server, username: str) -> int:  # noqa: ANN001
    """An account's id, read from the server's database (no API lists accounts)."""
    from api.db import make_engine
    from api.models import User

    engine = make_engine(server.db, pool_size=1)
    try:
        with engine.connect() as conn:
            return conn.execute(select(User.id).where(User.username == username)).scalar_one()
    finally:
        engine.dispose()


def _registered_case(server, text: str) -> dict:  # noqa: ANN001
    """A registered incident in CELL, reported by its leader."""
    lon, lat = cell_centre(CELL)
    body = {"id": str(uuid.uuid4()), "kind": "incident", "category": "fire", "priority": "hazard",
            "description": text, "lon": lon, "lat": lat,
            "occurred_at": datetime.now(UTC).isoformat()}
    rec = server.post("/records", "officer", json=body)
    assert rec.status_code == 201, rec.text
    reg = server.post(f"/records/{body['id']}/transitions", "officer",
                      json={"action": "register", "version": 1})
    assert reg.status_code == 200, reg.text
    return reg.json()


def _open_inbox(page) -> None:  # noqa: ANN001
    """Open "my cases" and its "dispatched to me" filter."""
    page.click("#cases-btn")
    page.click("#sheet .filter [data-filter=assigned]")


def test_dispatch_to_a_roster_member_shows_on_their_tablet(tablet, server):  # noqa: ANN001
    tag = uuid.uuid4().hex[:6]
    member = server.post(f"/cells/{CELL}/roster", "admin", json={
        "role": "mediator", "user_id": _user_id(server, "officer2")})
    assert member.status_code == 201, member.text
    mid = member.json()["id"]
    # 1. the street office dispatches a case to the mediator named on the roster
    first = _registered_case(server, f"楼道电动车充电 {tag}")
    r = server.post(f"/records/{first['id']}/transitions", "street", json={
        "action": "dispatch", "version": first["version"], "receiver": f"roster:{mid}"})
    assert r.status_code == 200 and r.json()["assignee"]["username"] == "officer2", r.text
    # 2. the cell's leader dispatches another from the tablet, choosing the mediator on the roster
    second = _registered_case(server, f"邻里噪音 {tag}")
    page = tablet(PORTRAIT)
    login(page, "officer")
    page.click("#cases-btn")
    page.click(f"#sheet li.case[data-id='{second['id']}'] [data-action=dispatch]")
    page.wait_for_selector("#sheet form.ask-form[data-action=dispatch]")
    options = page.locator("#sheet select[name=receiver] option")
    labels = options.all_text_contents()
    assert any("调解员" in o and "李网格" in o for o in labels), labels
    assert any("城管执法" in o for o in labels), labels  # the departments, from /meta
    assert page.input_value("#sheet select[name=receiver]") == "officer"  # the leader first
    page.select_option("#sheet select[name=receiver]", f"roster:{mid}")
    shot(page, "dispatch-roster-receiver-portrait")
    page.click("#sheet form.ask-form button[type=submit]")
    until(page, lambda: server.get(f"/records/{second['id']}", "officer").json()["status"]
          == "dispatched", what="the dispatch from the tablet")
    assert server.get(f"/records/{second['id']}", "officer").json()["assignee"]["member_id"] == mid
    # 3. the mediator's tablet: both cases under "dispatched to me", though they lead other cells
    for size, name in ((PORTRAIT, "portrait"), (LANDSCAPE, "landscape"), (DESKTOP, "desktop")):
        page = tablet(size)
        login(page, "officer2")
        _open_inbox(page)
        for rec in (first, second):
            page.wait_for_selector(f"#sheet li.case[data-id='{rec['id']}']")
        assert page.get_attribute("#sheet .filter [data-filter=assigned]", "aria-pressed") == "true"
        card = page.locator(f"#sheet li.case[data-id='{first['id']}']")
        assert "李网格" in card.inner_text() and "调解员" in card.inner_text()
        assert card.locator("[data-edit]").count() == 0  # outside their cells: work, not edit
        box = page.locator("#sheet .filter [data-filter=assigned]").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        shot(page, f"dispatched-to-me-{name}")
        assert_accessible(page)
    # 4. ...and handles one from there
    page.click(f"#sheet li.case[data-id='{first['id']}'] [data-action=handle]")
    until(page, lambda: server.get(f"/records/{first['id']}", "officer2").json()["status"]
          == "handled", what="the mediator's handling")
    # the leader's own list shows whom the case went to
    page = tablet(PORTRAIT)
    page.add_init_script("localStorage.setItem('wangge.lang', 'en')")
    login(page, "officer")
    page.click("#cases-btn")
    card = page.locator(f"#sheet li.case[data-id='{second['id']}']")
    assert "To: Mediator" in card.inner_text()
