"""Residents report without an account: photo cleaned of EXIF, ticket, case loop, rating, limits."""

from __future__ import annotations

import io

from conftest import C1, X0, Y0
from PIL import Image
from residents_helpers import close_case, jpeg_with_exif, report_body, resident
from sqlalchemy import select

from api.models import ResidentReport


def _record_id(api, ticket: str) -> str:  # noqa: ANN001
    """The record behind a ticket (read from the store: no endpoint tells it to residents)."""
    with api.store.sessions() as s:
        return str(
            s.scalar(select(ResidentReport.record_id).where(ResidentReport.ticket == ticket))
        )


def test_photo_is_stored_without_exif(api):
    raw = jpeg_with_exif()
    assert b"SecretCam" in raw and b"SERIAL-123456" in raw
    r = resident(api).post("/api/v1/public/photos", files={"file": ("a.jpg", raw, "image/jpeg")})
    assert r.status_code == 201, r.text
    got = r.json()
    stored = (api.store.settings.photo_dir / got["sha256"][:2] / got["sha256"]).read_bytes()
    assert b"SecretCam" not in stored and b"SERIAL-123456" not in stored
    img = Image.open(io.BytesIO(stored))
    assert img.format == "JPEG" and not img.getexif() and img.size == (64, 48)


def test_photo_type_and_size_are_checked(api):
    c = resident(api)
    fake = c.post(
        "/api/v1/public/photos", files={"file": ("a.jpg", b"GIF89a" + b"0" * 40, "image/jpeg")}
    )
    assert fake.status_code == 415
    broken = c.post(
        "/api/v1/public/photos", files={"file": ("a.jpg", b"\xff\xd8\xff" + b"0" * 40, "x")}
    )
    assert broken.status_code == 415 and broken.json()["detail"][0]["loc"] == ["body", "file"]
    big = c.post(
        "/api/v1/public/photos", files={"file": ("a.jpg", b"\xff\xd8\xff" + b"0" * 250_000, "x")}
    )
    assert big.status_code == 413


def test_report_ticket_loop_and_rating(api):
    c = resident(api)
    photo = c.post(
        "/api/v1/public/photos", files={"file": ("a.jpg", jpeg_with_exif(), "image/jpeg")}
    )
    body = report_body(photos=[photo.json()["token"]], phone="138 0000 1111")
    r = c.post("/api/v1/public/reports", json=body)
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert len(ticket["ticket"]) >= 22 and ticket["status"] == "reported"
    assert ticket["state"] == "open" and ticket["cell_code"] == C1 + "001"
    assert ticket["photos"] == [photo.json()["sha256"]] and "phone" not in ticket
    rid = _record_id(api, ticket["ticket"])
    # the officer sees it in the loop as a resident's report, phone masked by role
    rec = api.get(f"/records/{rid}", "officer").json()
    assert rec["status"] == "reported" and rec["source"] == "resident"
    assert "register" in rec["allowed_actions"]
    mine = api.get("/records", "officer", params={"mine": "true"}).json()
    assert rid in [x["id"] for x in mine]  # the cell's officer has it among their cases
    assert rid not in [
        x["id"] for x in api.get("/records", "officer2", params={"mine": "true"}).json()
    ]
    assert api.get(f"/records/{rid}/ratings", "officer").json()["phone"] == "13800001111"
    assert api.get(f"/records/{rid}/ratings", "police").json()["phone"] == "138****1111"
    assert api.get(f"/photos/{photo.json()['sha256']}", "officer").status_code == 200
    # not rateable until closed
    early = c.post(
        f"/api/v1/public/reports/{ticket['ticket']}/rating", json={"rating": "satisfied"}
    )
    assert early.status_code == 422
    close_case(api, rid)
    after = c.get(f"/api/v1/public/reports/{ticket['ticket']}").json()
    assert after["state"] == "closed" and after["can_rate"] is True
    assert [h["status"] for h in after["history"]][-1] == "closed"
    assert "张三" not in r.text + str(after) and "13800000000" not in str(after)
    rated = c.post(f"/api/v1/public/reports/{ticket['ticket']}/rating", json={"rating": "basic"})
    assert rated.status_code == 200 and rated.json()["rating"] == "basic"
    again = c.post(
        f"/api/v1/public/reports/{ticket['ticket']}/rating", json={"rating": "satisfied"}
    )
    assert again.status_code == 409
    cb = api.post(
        f"/records/{rid}/ratings", "officer", json={"rating": "satisfied", "note": "回访"}
    )
    assert cb.status_code == 201, cb.text
    assert [x["source"] for x in cb.json()["ratings"]] == ["resident", "callback"]
    img = c.get(f"/api/v1/public/reports/{ticket['ticket']}/photos/{photo.json()['sha256']}")
    assert img.status_code == 200 and b"SecretCam" not in img.content


def test_unknown_ticket_and_foreign_photo_are_refused(api):
    c = resident(api)
    assert c.get("/api/v1/public/reports/not-a-ticket").status_code == 404
    before = api.count("records")
    forged = "0" * 64 + "." + "0" * 32
    r = c.post("/api/v1/public/reports", json=report_body(photos=[forged]))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "photos", 0]
    assert api.count("records") == before


def test_outside_every_cell_is_refused_clearly(api):
    before = api.count("records")
    r = resident(api).post("/api/v1/public/reports", json=report_body(lon=X0 - 1, lat=Y0))
    assert r.status_code == 422
    assert "outside every grid cell" in r.json()["detail"][0]["msg"]
    assert api.count("records") == before and api.count("resident_reports") >= 0


def test_bad_fields_are_field_level(api):
    c = resident(api)
    before = api.count("records")
    cases = [
        ({"category": "vulnerable_person"}, ["body", "category"]),
        ({"phone": "call me"}, ["body", "phone"]),
        ({"lat": 200.0}, ["body", "lat"]),
    ]
    for over, loc in cases:
        r = c.post("/api/v1/public/reports", json=report_body(**over))
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == loc
    assert api.count("records") == before


def test_rate_limits_per_address_and_phone(api, monkeypatch):
    monkeypatch.setattr(api.store.settings, "report_ip_per_hour", 3)
    monkeypatch.setattr(api.store.settings, "report_phone_per_day", 2)
    c = resident(api)
    codes = [c.post("/api/v1/public/reports", json=report_body()).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    phone = "13911112222"
    codes = [
        resident(api).post("/api/v1/public/reports", json=report_body(phone=phone)).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    r = resident(api).post("/api/v1/public/reports", json=report_body(phone="139-1111-2222"))
    assert r.status_code == 429 and r.json()["detail"][0]["loc"] == ["body", "phone"]
    assert r.headers["retry-after"]


def test_public_cell_for_the_qr_link(api):
    r = resident(api).get(f"/api/v1/public/cells/{C1}001")
    assert r.status_code == 200
    got = r.json()
    assert got["bbox"][0] <= got["lon"] <= got["bbox"][2]
    assert resident(api).get("/api/v1/public/cells/999999999999999").status_code == 404


def test_qr_link_of_a_cell(api):
    from api.residents.qr import qr_svg

    r = resident(api).get(f"/api/v1/public/cells/{C1}001/qr.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    # the code is the one of the cell's report page at the configured public address
    assert r.text == qr_svg(f"http://localhost:8000/report.html?cell={C1}001")
    assert r.text != qr_svg(f"http://localhost:8000/report.html?cell={C1}002")
    assert resident(api).get("/api/v1/public/cells/999999999999999/qr.svg").status_code == 404


def test_reporter_phone_is_sealed_and_full_reads_audited(api):
    """The phone is stored encrypted (not in the raw database), found by its blind index for the
    rate limit, shown in full only to the cell's officer, and each read in full is audited."""
    from test_register import raw_text

    from api.models import AuditEntry

    phone = "13655557777"
    r = resident(api).post("/api/v1/public/reports", json=report_body(phone="136 5555 7777"))
    assert r.status_code == 201, r.text
    rid = _record_id(api, r.json()["ticket"])
    api.store.engine.dispose()  # SQLite: checkpoint the WAL into the file
    raw = raw_text(api)
    assert phone.encode() not in raw and b"136 5555 7777" not in raw

    def reads() -> int:
        with api.store.sessions() as s:
            q = select(AuditEntry.id).where(
                AuditEntry.entity == "resident_report", AuditEntry.entity_id == rid
            )
            return len(s.scalars(q).all())

    assert api.get(f"/records/{rid}/ratings", "police").json()["phone"] == "136****7777"
    assert reads() == 0
    assert api.get(f"/records/{rid}/ratings", "officer").json()["phone"] == phone
    assert reads() == 1
