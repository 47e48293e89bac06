"""Photos: content-hashed, idempotent, size- and type-checked; places are idempotent too."""

from __future__ import annotations

import hashlib

from conftest import X0, Y0, record_body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def test_upload_is_idempotent_and_linkable(api):
    r1 = api.post("/photos", "officer", files={"file": ("a.png", PNG, "image/png")})
    n = api.count("photos")
    r2 = api.post("/photos", "officer", files={"file": ("b.png", PNG, "image/jpeg")})
    assert r1.status_code in (200, 201) and r2.status_code == 200 and api.count("photos") == n
    sha = r1.json()["sha256"]
    assert sha == hashlib.sha256(PNG).hexdigest() and r1.json()["content_type"] == "image/png"
    assert api.get(f"/photos/{sha}", "officer").content == PNG  # the uploader, before linking
    rec = api.post("/records", "officer", json=record_body(photos=[sha])).json()
    assert rec["photos"] == [sha]
    assert api.get(f"/photos/{sha}", "police").content == PNG  # linked to a record police see


def test_oversized_and_non_image_uploads_refused(api):
    n = api.count("photos")
    big = b"\xff\xd8\xff" + b"\x00" * 250_000
    assert (
        api.post("/photos", "officer", files={"file": ("big.jpg", big, "image/jpeg")}).status_code
        == 413
    )
    r = api.post("/photos", "officer", files={"file": ("x.jpg", b"MZ not an image", "image/jpeg")})
    assert r.status_code == 415 and r.json()["detail"][0]["loc"] == ["body", "file"]
    assert (
        api.post("/photos", "police", files={"file": ("a.png", PNG, "image/png")}).status_code
        == 403
    )
    assert api.count("photos") == n


def test_place_idempotency_and_versions(api):
    place = {
        "id": "1f0c6f3e-0000-4000-8000-000000000009",
        "kind": "internet_cafe",
        "name": "网吧",
        "address": "和平路1号",
        "lon": X0 + 0.006,
        "lat": Y0 + 0.002,
        "risk_level": "normal",
        "attrs": {"licence_no": "L-1", "seats": 80},
    }
    first = api.post("/places", "officer", json=place)
    assert first.status_code == 201 and first.json()["properties"]["cell_code"].endswith("002")
    assert api.post("/places", "officer", json=place).status_code == 200
    assert api.post("/places", "officer", json={**place, "name": "别的"}).status_code == 409
    ok = api.patch(f"/places/{place['id']}", "officer", json={"version": 1, "risk_level": "strict"})
    assert ok.status_code == 200 and ok.json()["properties"]["version"] == 2
    stale = api.patch(f"/places/{place['id']}", "officer", json={"version": 1, "name": "x"})
    assert (
        stale.status_code == 409 and stale.json()["current"]["properties"]["risk_level"] == "strict"
    )
    feats = api.get("/places", "police", params={"kind": "internet_cafe"}).json()["features"]
    assert place["id"] in {f["id"] for f in feats}
