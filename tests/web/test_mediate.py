"""A dispute's mediation from the officer's cases on the tablet: a session, then the outcome
(referred to a court) with a mass-incident headcount; at both tablet sizes."""

from __future__ import annotations

import uuid

import pytest

from . import world
from .conftest import LANDSCAPE, PORTRAIT, cell_centre, login, shot


@pytest.mark.browser
@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_mediation_of_a_dispute(tablet, server, size):  # noqa: ANN001
    lon, lat = cell_centre(world.C1 + "011")
    body = {"id": str(uuid.uuid4()), "kind": "dispute", "category": "neighbour",
            "priority": "routine", "description": f"邻里噪音 {uuid.uuid4().hex[:6]}",
            "occurred_at": "2024-05-01T08:00:00+08:00", "lon": lon, "lat": lat}
    r = server.post("/records", "officer", json=body)
    assert r.status_code == 201, r.text
    rid = body["id"]
    page = tablet(size)
    login(page)
    page.click("#cases-btn")
    page.click(f"#sheet li.case[data-id='{rid}'] [data-mediate]")
    page.wait_for_selector("#sheet[data-name=mediation]")
    page.fill("#sheet [name=session_note]", "第一次调解")
    page.click("#sheet [data-do=session]")
    page.wait_for_selector("#sheet .sessions li")
    assert page.is_hidden("#sheet [name=referred_to]")
    page.select_option("#sheet [name=outcome]", "referred")
    page.select_option("#sheet [name=referred_to]", "court")
    page.fill("#sheet [name=agreement]", "双方同意起诉")
    page.check("#sheet [name=mass_incident]")
    page.fill("#sheet [name=headcount]", "12")
    shot(page, f"mediation-{size['width']}x{size['height']}")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    m = server.get(f"/records/{rid}/mediation", "officer").json()
    assert (m["outcome"], m["referred_to"], m["mass_incident"], m["headcount"]) == (
        "referred", "court", True, 12)
    assert [s["note"] for s in m["sessions"]] == ["第一次调解"] and m["ended_at"]
