"""Release review: nothing leaks across scopes (place id reuse, photos, service centres) and
nothing is written when refused."""

from __future__ import annotations

import hashlib
import uuid

from conftest import C1, C2, PASSWORDS, X0, Y0, record_body
from sqlalchemy import text

from api.db import session_scope
from api.io.loaders import add_user

LANDLORD = {"landlord": "王大锤", "landlord_phone": "13800001111"}


def _rental(**over) -> dict:  # noqa: ANN003
    """A rental with a landlord in the officer's first cell."""
    body = {
        "id": str(uuid.uuid4()),
        "kind": "rental",
        "name": "出租屋",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
        "attrs": dict(LANDLORD),
    }
    body.update(over)
    return body


def _png(tag: str) -> bytes:
    """A distinct tiny PNG per test (content-hashed storage)."""
    return b"\x89PNG\r\n\x1a\n" + tag.encode() + b"\x00" * 64


def test_place_id_reuse_outside_scope_reveals_nothing(api):
    body = _rental()
    assert api.post("/places", "officer", json=body).status_code == 201
    n = api.count("places")
    # officer2 leads only C2's cells: the id is refused as taken, without the landlord's data
    for attempt in ({**body, "name": "别的"}, {**body, "lon": X0 + W2, "lat": Y0 + 0.007}, body):
        r = api.post("/places", "officer2", json=attempt)
        assert r.status_code == 409, r.text
        assert r.json()["current"] is None and "13800001111" not in r.text
        assert "王大锤" not in r.text
    # the author (who sees the cell) still gets the current place on a conflicting resend
    mine = api.post("/places", "officer", json={**body, "name": "别的"})
    assert mine.status_code == 409 and mine.json()["current"]["properties"]["name"] == "出租屋"
    assert api.post("/places", "officer", json=body).status_code == 200
    assert api.count("places") == n


W2 = 0.015  # a point in C2 (east community)


def test_photo_served_only_within_scope(api):
    png = _png("scope")
    sha = hashlib.sha256(png).hexdigest()
    assert api.post("/photos", "officer", files={"file": ("a.png", png, "image/png")}).status_code
    # not linked yet: its uploader and admin see it, nobody else admits it exists
    assert api.get(f"/photos/{sha}", "officer").content == png
    assert api.get(f"/photos/{sha}", "admin").status_code == 200
    for user in ("officer2", "street", "police"):
        assert api.get(f"/photos/{sha}", user).status_code == 404, user
    # linked to a record in C1: everyone who sees that cell may see it, officer2 still may not
    rec = api.post("/records", "officer", json=record_body(photos=[sha]))
    assert rec.status_code == 201, rec.text
    for user in ("street", "police"):
        assert api.get(f"/photos/{sha}", user).content == png, user
    assert api.get(f"/photos/{sha}", "officer2").status_code == 404
    assert api.get(f"/photos/{'0' * 64}", "admin").status_code == 404


def test_photo_of_a_place_follows_the_place(api):
    png = _png("place")
    sha = hashlib.sha256(png).hexdigest()
    api.post("/photos", "officer2", files={"file": ("p.png", png, "image/png")})
    assert api.get(f"/photos/{sha}", "officer").status_code == 404
    place = _rental(lon=X0 + W2, lat=Y0 + 0.007, attrs={"photos": [sha]})
    assert api.post("/places", "officer2", json=place).status_code == 201
    assert api.get(f"/photos/{sha}", "street").content == png
    assert api.get(f"/photos/{sha}", "officer").status_code == 404


def test_centres_checked_against_scope_and_audited(api):
    with session_scope(api.store.sessions) as s:
        if s.execute(text("SELECT 1 FROM users WHERE username = 'street9'")).first() is None:
            add_user(s, "street9", "s9-pass", "street", street_code="120101009")
    PASSWORDS["street9"] = "s9-pass"
    n, audits = api.count("centres"), api.count("audit_log")
    inside = {"kind": "station", "name": "一站", "lon": X0 + 0.005, "lat": Y0 + 0.005}
    # another street office's staff: the point lies outside their communities
    assert api.post("/analytics/centres", "street9", json=inside).status_code == 403
    foreign = {**inside, "community_code": C2, "lon": X0 + 0.005}
    assert api.post("/analytics/centres", "street", json=foreign).status_code == 422
    assert api.post("/analytics/centres", "street", json={**inside, "name": " "}).status_code == 422
    outside = {**inside, "lon": X0 - 0.5}
    assert api.post("/analytics/centres", "street", json=outside).status_code == 422
    assert api.count("centres") == n and api.count("audit_log") == audits
    ok = api.post("/analytics/centres", "street", json=inside)
    assert ok.status_code == 201, ok.text
    assert ok.json()["community_code"] == C1
    assert api.count("centres") == n + 1 and api.count("audit_log") == audits + 1
