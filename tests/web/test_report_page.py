"""The residents' report page at phone size (390×844): report with a photo by GPS, follow the
ticket, rate it once the officers have closed it; EXIF gone from the stored photo; English."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from .conftest import LANDSCAPE, cell_centre, login, records_with, shot, until

PHONE = {"width": 390, "height": 844}
CELL = "120101001001001"


def _jpeg_with_gps() -> dict:
    """A phone photo with a GPS position and a camera serial in its EXIF."""
    img = Image.new("RGB", (120, 90), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (39.0, 6.0, 54.0), 3: "E", 4: (117.0, 12.0, 1.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _close(server, record_id: str) -> None:  # noqa: ANN001
    """The officers verify and handle the report up to closure."""
    for user, action in [("officer", "register"), ("officer", "dispatch"), ("officer", "handle"),
                         ("officer", "feedback"), ("street", "verify")]:
        rec = server.get(f"/records/{record_id}", user).json()
        r = server.post(f"/records/{record_id}/transitions", user,
                        json={"action": action, "version": rec["version"], "note": action})
        assert r.status_code == 200, r.text


@pytest.mark.browser
def test_report_follow_and_rate_on_a_phone(tablet, server):  # noqa: ANN001
    lon, lat = cell_centre(CELL)
    page = tablet(viewport=PHONE, geolocation={"longitude": lon, "latitude": lat})
    page.goto(f"/report.html?cell={CELL}")
    page.wait_for_selector("#category option[value=environment_sanitation]", state="attached")
    text = f"楼下垃圾堆放 {time.time_ns()}"
    page.select_option("#category", "environment_sanitation")
    page.set_input_files("#photo", _jpeg_with_gps())
    page.click("#gps")
    page.wait_for_selector("#map .leaflet-marker-icon")
    page.fill("#description", text)
    page.fill("#phone", "13812340000")
    shot(page, "report-form-390x844")
    page.click("#submit")
    page.wait_for_url("**/report.html?ticket=*")
    page.wait_for_selector("#ticket-facts dd")
    ticket = page.text_content("#ticket-no")
    assert ticket and len(ticket) >= 22
    assert page.is_hidden("#rate")
    shot(page, "report-ticket-open-390x844")
    # the cell's officer sees it as a resident's report to verify; the stored photo has no EXIF
    rec = until(page, lambda: records_with(server, text), what="the report among records")[0]
    assert rec["status"] == "reported" and rec["source"] == "resident" and len(rec["photos"]) == 1
    stored = server.get(f"/photos/{rec['photos'][0]}", "officer").content
    assert b"SecretCam" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    # on the officer's tablet it is among their cases, marked as a resident's report to verify
    officer = tablet(LANDSCAPE)
    login(officer)
    officer.click("#cases-btn")
    card = officer.locator(f"#sheet li.case[data-id='{rec['id']}']")
    assert card.locator(".case-source").text_content() == "居民随手拍"
    assert card.locator("[data-action=register]").count() == 1
    shot(officer, "tablet-case-from-resident-1280x800")
    _close(server, rec["id"])
    page.reload()
    page.wait_for_selector("#rate:not([hidden])")
    assert page.text_content("#ticket-facts").count("13812340000") == 0
    page.click("#rate-buttons [data-rating=satisfied]")
    page.wait_for_selector("#rated:not([hidden])")
    assert "满意" in page.text_content("#rated") and page.is_hidden("#rate")
    shot(page, "report-ticket-rated-390x844")
    page.click("#lang")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Your rating" in page.text_content("#rated")
    shot(page, "report-ticket-rated-en-390x844")
    ratings = server.get(f"/records/{rec['id']}/ratings", "officer").json()["ratings"]
    assert [(x["source"], x["rating"]) for x in ratings] == [("resident", "satisfied")]


@pytest.mark.browser
def test_report_outside_every_cell_says_so(tablet, server):  # noqa: ANN001
    page = tablet(viewport=PHONE, geolocation={"longitude": 116.0, "latitude": 39.0})
    page.goto("/report.html")
    page.wait_for_selector("#category option[value=fire]", state="attached")
    page.select_option("#category", "fire")
    page.click("#gps")
    page.wait_for_selector("#map .leaflet-marker-icon")
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])")
    assert "网格" in page.text_content("#error")
    shot(page, "report-outside-390x844")
