"""Retiring a service centre keeps it with when and by whom: it leaves coverage and siting from
then on, coverage as of an earlier moment still uses it, the planner gets it back as retired and
can restore it; DELETE retires (as PATCH ``retired: true`` does) and the row and audit remain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import X0, Y0
from sqlalchemy import select

from api.models import AuditEntry
from api.models.analytics import Centre


def _ids(api, **params) -> tuple[set[int], dict[int, dict]]:  # noqa: ANN001
    """Ids of the centres in service in the coverage answer, and the retired ones' properties."""
    got = api.get("/analytics/coverage", "admin", params=params)
    assert got.status_code == 200, got.text
    body = got.json()
    live = {f["properties"]["id"] for f in body["centres"]["features"]}
    return live, {f["properties"]["id"]: f["properties"] for f in body["retired"]["features"]}


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_retire_keeps_history_and_restore_brings_it_back(api):
    keep = {"kind": "station", "name": "常驻服务站", "lon": X0 + 0.0030, "lat": Y0 + 0.0060}
    assert api.post("/analytics/centres", "admin", json=keep).status_code == 201
    before = datetime.now(UTC) - timedelta(seconds=1)
    body = {"kind": "station", "name": "将撤销服务站", "lon": X0 + 0.0025, "lat": Y0 + 0.0060}
    made = api.post("/analytics/centres", "admin", json=body)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert made.json()["retired_at"] is None and made.json()["in_service_from"]
    in_service = datetime.now(UTC) + timedelta(milliseconds=1)

    assert api.delete(f"/analytics/centres/{cid}", "officer").status_code == 403
    assert api.delete(f"/analytics/centres/{cid}", "admin").status_code == 204
    assert api.delete(f"/analytics/centres/{cid}", "admin").status_code == 404  # none in service
    live, retired = _ids(api)
    assert cid not in live and retired[cid]["retired_by"] == "admin"
    assert retired[cid]["name"] == "将撤销服务站" and retired[cid]["retired_at"]
    with api.store.sessions() as s:  # kept, not deleted, and audited
        row = s.get(Centre, cid)
        assert row is not None and row.retired_at is not None and row.retired_by is not None
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "centre", AuditEntry.entity_id == str(cid))
            .order_by(AuditEntry.id)  # in the order they happened, on every backend
        ).all()
        assert list(actions) == ["create", "retire"]

    then, _ = _ids(api, at=_iso(in_service))  # as of a moment it was in service
    assert cid in then
    earlier, old_retired = _ids(api, at=_iso(before))  # before it came into service
    assert cid not in earlier and cid not in old_retired
    site = api.get("/analytics/siting", "admin", params={"k": 1, "kind": "station"})
    assert site.status_code == 200, site.text

    assert (
        api.patch(f"/analytics/centres/{cid}", "officer", json={"retired": False}).status_code
        == 403
    )
    back = api.patch(f"/analytics/centres/{cid}", "admin", json={"retired": False})
    assert back.status_code == 200, back.text
    assert back.json()["retired_at"] is None and back.json()["retired_by"] is None
    live, retired = _ids(api)
    assert cid in live and cid not in retired

    again = api.patch(f"/analytics/centres/{cid}", "admin", json={"retired": True})
    assert again.status_code == 200 and again.json()["retired_by"] == "admin"
    live, retired = _ids(api)
    assert cid not in live and cid in retired
    with api.store.sessions() as s:
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "centre", AuditEntry.entity_id == str(cid))
            .order_by(AuditEntry.id)
        ).all()
        assert list(actions) == ["create", "retire", "restore", "retire"]


def test_bad_retire_input_is_refused_at_the_field(api):
    body = {"kind": "station", "name": "字段服务站", "lon": X0 + 0.0025, "lat": Y0 + 0.0060}
    cid = api.post("/analytics/centres", "admin", json=body).json()["id"]
    bad = api.patch(f"/analytics/centres/{cid}", "admin", json={"retired": "yes"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "retired"]
    at = api.get("/analytics/coverage", "admin", params={"at": "yesterday"})
    assert at.status_code == 422 and at.json()["detail"][0]["loc"] == ["query", "at"]
    long_ago = api.get("/analytics/coverage", "admin", params={"at": "2000-01-01T00:00:00Z"})
    assert long_ago.status_code == 200, long_ago.text  # no centre then: nobody covered
    assert long_ago.json()["covered"] == 0 and long_ago.json()["centres"]["features"] == []
    assert api.delete(f"/analytics/centres/{cid}", "admin").status_code == 204
