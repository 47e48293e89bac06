"""Photos: content-hashed, idempotent, size- and type-checked; places are idempotent too."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

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


def _photo(tag: bytes) -> bytes:
    """PNG-signed bytes unique to ``tag`` (the ``api`` fixture is shared by a session's tests)."""
    return b"\x89PNG\r\n\x1a\n" + tag.ljust(200, b"\x00")


def _uploads(api, sha: str) -> int:  # noqa: ANN001
    """How many users are recorded as having uploaded ``sha``."""
    from sqlalchemy import text

    with api.store.engine.connect() as conn:
        q = text("SELECT count(*) FROM photo_uploads WHERE sha256 = :s")
        return conn.execute(q, {"s": sha}).scalar_one()


def test_second_uploader_of_same_bytes_may_use_them(api):
    """Bytes another user uploaded first are the second uploader's too once they upload them: the
    200 they were answered is a photo they can read and link (issue 9); a third user who never
    uploaded them is refused as if the hash were unknown."""
    data = _photo(b"shared-by-street-and-officer2")
    first = api.post("/photos", "street", files={"file": ("a.png", data, "image/png")})
    assert first.status_code == 201
    sha = first.json()["sha256"]
    again = api.post("/photos", "officer2", files={"file": ("b.png", data, "image/png")})
    assert again.status_code == 200 and again.json() == first.json()
    assert api.get(f"/photos/{sha}", "officer2").content == data  # before linking
    assert api.get(f"/photos/{sha}", "officer").status_code == 404  # never uploaded it
    unknown = hashlib.sha256(b"never uploaded").hexdigest()
    refused = [
        api.post("/records", "officer", json=record_body(photos=[h])) for h in (sha, unknown)
    ]
    assert [r.status_code for r in refused] == [422, 422]
    same = [{k: v for k, v in r.json()["detail"][0].items() if k != "msg"} for r in refused]
    assert same[0] == same[1] and same[0]["loc"] == ["body", "photos", 0]
    msgs = [r.json()["detail"][0]["msg"] for r in refused]
    assert msgs[0].replace(sha, unknown) == msgs[1]
    east = record_body(photos=[sha], lon=X0 + 0.015, lat=Y0 + 0.002)  # officer2's cell
    made = api.post("/records", "officer2", json=east)
    assert made.status_code == 201 and made.json()["photos"] == [sha]
    assert api.get(f"/photos/{sha}", "officer2").content == data
    assert api.get(f"/photos/{sha}", "officer").status_code == 404  # the record is not theirs


def test_repeat_upload_by_same_user_records_them_once(api):
    """Uploading the same bytes again is idempotent per user: one photo, one uploader row each."""
    data = _photo(b"twice-by-officer")
    n = api.count("photos")
    codes = [
        api.post("/photos", "officer", files={"file": ("a.png", data, "image/png")}).status_code
        for _ in range(2)
    ]
    sha = hashlib.sha256(data).hexdigest()
    assert codes == [201, 200] and api.count("photos") == n + 1 and _uploads(api, sha) == 1
    assert (
        api.post("/photos", "officer2", files={"file": ("a", data, "image/png")}).status_code == 200
    )
    assert _uploads(api, sha) == 2 and api.count("photos") == n + 1


def test_concurrent_uploads_of_same_bytes(api):
    """Users sending the same new bytes at once: one 201, the rest 200, never a 500; one photo
    and one uploader row per user."""
    data = _photo(b"at-once")
    n = api.count("photos")
    users = ["officer", "officer2", "street"] * 3

    def send(user: str) -> int:
        """One upload of ``data`` as ``user``; its status code."""
        files = {"file": ("a.png", data, "image/png")}
        return api.post("/photos", user, files=files).status_code

    for u in set(users):
        api.auth(u)  # sign in first, so the uploads themselves are what runs at once
    with ThreadPoolExecutor(len(users)) as pool:
        codes = sorted(pool.map(send, users))
    assert codes == [200] * (len(users) - 1) + [201]
    sha = hashlib.sha256(data).hexdigest()
    assert api.count("photos") == n + 1 and _uploads(api, sha) == 3
    for u in set(users):
        assert api.get(f"/photos/{sha}", u).content == data


def test_rectification_and_agreement_photos_follow_their_case(api):
    """A photo attached only to a rectification step, or only as a mediation agreement, is read
    by whoever may see that hazard or dispute (street staff of the community) and no one else."""
    from test_mediation import _dispute, _put
    from test_rectification import _hazard, _photo, _step

    place = _hazard(api)
    r = api.post(f"/places/{place['id']}/rectifications", "officer", json={"id": str(uuid4())})
    assert r.status_code == 201, r.text
    rect = _step(api, "officer", r.json(), "order").json()
    step_photo = _photo(api, (201, 13, 77))
    assert api.get(f"/photos/{step_photo}", "street").status_code == 404  # not linked yet
    done = _step(api, "officer", rect, "reinspect", photos=[step_photo])
    assert done.status_code in (200, 201), done.text

    dispute = _dispute(api)
    agreed = _photo(api, (14, 202, 78))
    body = {"mediator": "officer", "outcome": "success", "agreement": "赔偿500元"}
    m = _put(
        api, f"/records/{dispute['id']}/mediation", "officer", {**body, "agreement_photo": agreed}
    )
    assert m.status_code == 200, m.text

    for sha in (step_photo, agreed):
        assert api.get(f"/photos/{sha}", "street").status_code == 200, sha
        assert api.get(f"/photos/{sha}", "admin").status_code == 200, sha
        assert api.get(f"/photos/{sha}", "officer2").status_code == 404, sha  # another cell
