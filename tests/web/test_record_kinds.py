"""The tablet follows the record-kind rules of /meta (grid.domain.catalog.RECORD_KIND_RULES): an
officer records an incident, a dispute naming a party and a patrol at both tablet sizes, and a
changed rule in /meta changes the forms, so the app names no kind itself."""

import uuid

import pytest

from . import world
from .conftest import LANDSCAPE, PORTRAIT, cell_centre, login, shot, tap_at, until, wait_queue

pytestmark = pytest.mark.browser


def _fill(page, kind: str, text: str, party: str | None = None) -> None:  # noqa: ANN001
    """In the open tap sheet: choose ``kind``, fill its form (a party where it has the field)."""
    page.click(f"#sheet [data-record={kind}]")
    page.select_option("#sheet select[name=category]", index=1)
    page.fill("#sheet textarea[name=description]", text)
    if party:
        page.fill("#sheet textarea[name=parties]", party)


@pytest.mark.parametrize("size", ["portrait", "landscape"])
def test_officer_records_incident_dispute_and_patrol(tablet, server, size):  # noqa: ANN001
    viewport = PORTRAIT if size == "portrait" else LANDSCAPE
    x, y = cell_centre(world.C1 + ("002" if size == "portrait" else "003"))
    page = tablet(viewport, geolocation={"longitude": x, "latitude": y})
    login(page)
    tap_at(page, x, y)
    kinds = page.eval_on_selector_all(
        "#sheet [data-record]", "els => els.map((e) => e.dataset.record)"
    )
    assert kinds == ["incident", "dispute", "petition"]  # no track; the patrol has its button
    shot(page, f"20-record-kinds-sheet-{size}")
    tag = uuid.uuid4().hex[:8]
    _fill(page, "incident", f"井盖缺失 {tag}")
    assert page.locator("#sheet textarea[name=parties]").count() == 0
    assert page.locator("#sheet select[name=priority]").count() == 1
    shot(page, f"21-incident-form-{size}")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    tap_at(page, x, y)
    _fill(page, "dispute", f"邻里噪音 {tag}", party="王某")
    shot(page, f"22-dispute-form-{size}")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    page.click("#patrol-btn")
    page.wait_for_selector("body.patrolling")
    page.context.set_geolocation({"longitude": x + 0.0004, "latitude": y, "accuracy": 5})
    page.wait_for_function("wangge.map.trackLayer.getLayers().length > 0")
    page.click("#patrol-btn")
    assert page.locator("#sheet select[name=priority]").count() == 0
    page.fill("#sheet textarea[name=description]", f"巡查 {tag}")
    shot(page, f"23-patrol-summary-{size}")
    page.click("#sheet button[type=submit]")

    def mine() -> list[dict]:
        got = server.get("/records", "officer", params={"limit": 500}).json()
        return [r for r in got if tag in (r.get("description") or "")]

    stored = until(page, lambda: (rows := mine()) and len(rows) == 3 and rows, what="3 records")
    wait_queue(page, 0)
    by_kind = {r["kind"]: r for r in stored}
    assert set(by_kind) == {"incident", "dispute", "patrol"}
    assert by_kind["incident"]["priority"] and by_kind["incident"]["status"] == "reported"
    assert [p["name"] for p in by_kind["dispute"]["parties"]] in (["王某"], ["王*"], ["*某"])
    assert by_kind["patrol"]["priority"] is None and by_kind["patrol"]["status"] is None
    shot(page, f"24-after-records-{size}")


def test_forms_follow_the_rules_in_meta(tablet, server):  # noqa: ANN001
    """With the rules the app read from /meta changed (incidents name parties, have no priority),
    the incident form asks for parties and no priority: nothing in the app says which kind does
    what."""
    page = tablet(PORTRAIT)
    login(page)
    page.evaluate("""() => {
        const k = wangge.meta.recordKinds.find((k) => k.code === "incident");
        Object.assign(k, { parties: true, priority: false });
    }""")
    x, y = cell_centre(world.C1 + "004")
    tap_at(page, x, y)
    page.click("#sheet [data-record=incident]")
    assert page.locator("#sheet textarea[name=parties]").count() == 1
    assert page.locator("#sheet select[name=priority]").count() == 0
    shot(page, "25-incident-form-with-parties-from-meta")
