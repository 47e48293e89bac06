"""Place forms are built from /meta `place_attrs`: each kind shows its own fields with the labels,
options and limits the server declares, and what the form sends passes the server's checks."""

import uuid

import pytest

from . import world
from .conftest import PORTRAIT, Api, cell_centre, login, shot, tap_at, until, wait_queue

pytestmark = pytest.mark.browser


def named(server: Api, user: str, code: str, name: str) -> list[dict]:
    """The properties of the places called ``name`` in cell ``code``, as ``user`` sees them."""
    features = server.get("/places", user, params={"cell": code}).json()["features"]
    return [f["properties"] for f in features if f["properties"]["name"] == name]


def test_hazard_form_from_meta_saves_typed_attributes(tablet, server):
    meta = server.get("/meta", "officer").json()
    page = tablet(PORTRAIT)
    login(page)
    code = world.C1 + "016"
    tap_at(page, *cell_centre(code))
    page.click("#sheet [data-place='']")
    page.select_option("#sheet select[name=kind]", "hazard")
    names = page.eval_on_selector_all("#sheet .attrs [name]", "els => els.map((e) => e.name)")
    assert names == [f["code"] for f in meta["place_attrs"]["hazard"] if f["type"] != "photos"]
    severity = page.eval_on_selector_all(
        "#sheet select[name=severity] option", "os => os.map((o) => o.textContent)")
    assert severity[1:] == ["一般", "较大", "重大"]
    name = f"隐患 {uuid.uuid4().hex[:6]}"
    page.fill("#sheet input[name=name]", name)
    page.select_option("#sheet select[name=risk_level]", "watch")
    page.click("#sheet button[type=submit]")  # category is required
    assert page.get_attribute("#sheet select[name=category]", "aria-invalid") == "true"
    page.select_option("#sheet select[name=category]", "gas")
    page.select_option("#sheet select[name=severity]", "major")
    page.fill("#sheet input[name=rectification_deadline]", "2030-01-31")
    page.select_option("#sheet select[name=rectification_status]", "pending")
    shot(page, "31-hazard-form-portrait")
    page.click("#sheet button[type=submit]")
    [stored] = until(page, lambda: named(server, "officer", code, name), what="the hazard")
    wait_queue(page, 0)
    assert stored["attrs"] == {"category": "gas", "severity": "major",
                               "rectification_deadline": "2030-01-31",
                               "rectification_status": "pending"}


def test_rental_form_checks_range_and_takes_tenants(tablet, server):
    page = tablet(PORTRAIT)
    login(page)
    code = world.C1 + "015"
    tap_at(page, *cell_centre(code))
    page.click("#sheet [data-place='']")
    page.select_option("#sheet select[name=kind]", "rental")
    name = f"出租屋 {uuid.uuid4().hex[:6]}"
    page.fill("#sheet input[name=name]", name)
    page.select_option("#sheet select[name=risk_level]", "normal")
    page.fill("#sheet input[name=tenant_count]", "9999")
    page.click("#sheet button[type=submit]")
    assert page.get_attribute("#sheet input[name=tenant_count]", "aria-invalid") == "true"
    page.fill("#sheet input[name=tenant_count]", "2")
    page.fill("#sheet input[name=landlord_phone]", "13800001111")
    page.fill("#sheet textarea[name=tenants]", "刘某 13912345678\n陈某")
    page.click("#sheet button[type=submit]")
    [stored] = until(page, lambda: named(server, "officer", code, name), what="the rental")
    wait_queue(page, 0)
    assert stored["attrs"] == {
        "tenant_count": 2,
        "landlord_phone": "13800001111",
        "tenants": [{"name": "刘某", "phone": "13912345678"}, {"name": "陈某"}],
    }
    police = named(server, "police", code, name)[0]["attrs"]
    assert police["landlord_phone"] == "138****1111" and police["tenants"][1]["name"] == "陈*"
