"""Switching the language while a form is open rebuilds the form in the new language and keeps
what the officer typed, chose and photographed; the record saved afterwards carries it all."""

import uuid

import pytest

from . import world
from .conftest import LANDSCAPE, PORTRAIT, cell_centre, login, png, shot, tap_at, until, wait_queue

pytestmark = pytest.mark.browser


def test_place_form_rerenders_in_english_keeping_values(tablet, server):
    page = tablet(PORTRAIT)
    login(page)
    code = world.C1 + "017"
    tap_at(page, *cell_centre(code))
    page.click("#sheet [data-place='']")
    page.select_option("#sheet select[name=kind]", "rental")
    name = f"出租屋 {uuid.uuid4().hex[:6]}"
    page.fill("#sheet input[name=name]", name)
    page.fill("#sheet input[name=landlord]", "钱某")
    page.fill("#sheet input[name=tenant_count]", "4")
    page.select_option("#sheet select[name=risk_level]", "watch")
    page.set_input_files("#sheet input[name=photos]", [png(21)])
    page.wait_for_selector("#sheet .thumb")
    assert "房东" in page.text_content("#sheet .place-form")
    page.click("#lang-btn")
    form = page.locator("#sheet .place-form")
    assert "Landlord" in form.text_content() and "房东" not in form.text_content()
    assert page.text_content("#sheet button[type=submit]") == "Save"
    assert page.input_value("#sheet select[name=kind]") == "rental"
    assert page.input_value("#sheet input[name=name]") == name
    assert page.input_value("#sheet input[name=landlord]") == "钱某"
    assert page.input_value("#sheet input[name=tenant_count]") == "4"
    assert page.input_value("#sheet select[name=risk_level]") == "watch"
    assert page.locator("#sheet .thumb").count() == 1
    shot(page, "17-place-form-en-portrait")
    page.click("#sheet button[type=submit]")
    def places() -> list[dict]:
        return server.get("/places", "officer", params={"cell": code}).json()["features"]

    [stored] = until(page, lambda: [
        f["properties"] for f in places() if f["properties"]["name"] == name], what="the place")
    wait_queue(page, 0)
    assert stored["kind"] == "rental" and stored["risk_level"] == "watch"
    assert stored["attrs"]["landlord"] == "钱某" and stored["attrs"]["tenant_count"] == 4
    assert len(stored["attrs"]["photos"]) == 1


def test_record_form_rerenders_in_chinese_keeping_values(tablet, server):
    page = tablet(LANDSCAPE)
    page.add_init_script("localStorage.setItem('wangge.lang', 'en')")
    login(page)
    tap_at(page, *cell_centre(world.C1 + "018"))
    page.click("#sheet [data-record=dispute]")
    page.select_option("#sheet select[name=category]", index=2)
    category = page.input_value("#sheet select[name=category]")
    text = f"neighbours {uuid.uuid4().hex[:6]}"
    page.fill("#sheet textarea[name=description]", text)
    page.fill("#sheet textarea[name=parties]", "张某\n李某")
    assert "What happened" in page.text_content("#sheet form")
    page.click("#lang-btn")
    assert "情况说明" in page.text_content("#sheet form")
    assert page.input_value("#sheet select[name=category]") == category
    assert page.input_value("#sheet textarea[name=description]") == text
    assert page.input_value("#sheet textarea[name=parties]") == "张某\n李某"
    page.click("#sheet button[type=submit]")
    def disputes() -> list[dict]:
        return server.get("/records", "officer", params={"kind": "dispute"}).json()

    [stored] = until(page, lambda: [r for r in disputes() if r["description"] == text],
                     what="the dispute")
    wait_queue(page, 0)
    assert stored["category"] == category and len(stored["parties"]) == 2
