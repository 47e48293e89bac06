"""The register over HTTP on both backends: personal data encrypted at rest, masked by role,
unmasked only with a purpose and audited, bad input refused field by field, resends idempotent,
moving out closes, key rotation keeps every value."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import C1, C2
from residents_helpers import report_body, resident
from sqlalchemy import inspect, select, text

from api.db import session_scope
from api.models import AuditEntry, Building, Person, RegisterAddress, ResidentReport
from api.register.crypto import DataCipher, cipher_for, load_key
from api.register.keys import rotate
from grid.register.creditcodes import make_credit_code
from grid.register.idnumbers import make_id

NAME = "欧阳明轩"
ID_NUMBER = make_id("120101", date(1986, 3, 14), 271)
PHONE = "13912345678"


def building_in(api, cell: str) -> int:  # noqa: ANN001
    """The id of the fixture building in ``cell``."""
    with session_scope(api.store.sessions) as s:
        return s.scalar(select(Building.id).where(Building.cell_code == cell))


def household(api, user="officer", cell=C1 + "001", **over) -> dict:  # noqa: ANN001, ANN003
    """A new household in the fixture building of ``cell``; the answer's JSON."""
    body = {
        "id": str(uuid.uuid4()),
        "building_id": building_in(api, cell),
        "unit": "1",
        "floor": "3",
        "room": "301",
        "household_no": "H1",
        "use": "rented",
        "moved_in": "2020-05-01",
    } | over
    r = api.post("/households", user, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def person_body(household_id: str, **over) -> dict:  # noqa: ANN003
    """A valid resident of ``household_id``; fields overridable."""
    return {
        "id": str(uuid.uuid4()),
        "household_id": household_id,
        "name": NAME,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "person_type": "floating",
        "relation": "self",
        "moved_in": "2020-05-01",
    } | over


def fresh_id() -> str:
    """A valid ID number not used elsewhere in the session."""
    r = uuid.uuid4().int
    # born 1960–1992, so a move-in in 1950 is always before the birth date (a bad-input case)
    return make_id("120102", date(1960, 1, 1) + timedelta(days=r % 12000), 100 + (r >> 64) % 900)


def raw_text(api) -> bytes:  # noqa: ANN001
    """Everything the database holds, as bytes: the SQLite file (and its WAL), or every row of
    every PostGIS table cast to text."""
    if api.backend == "sqlite":
        url = str(api.store.engine.url).removeprefix("sqlite:///")
        paths = [Path(url), Path(url + "-wal")]
        return b"".join(p.read_bytes() for p in paths if p.exists())
    out = []
    with api.store.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            out += [r[0] for r in conn.execute(text(f'SELECT t::text FROM "{table}" t'))]
    return "\n".join(out).encode()


def test_personal_data_never_stored_in_plain(api):
    h = household(api)
    r = api.post("/persons", "officer", json=person_body(h["id"], id_number=fresh_id()))
    assert r.status_code == 201, r.text
    number = fresh_id()
    api.post(
        "/persons",
        "officer",
        json=person_body(
            h["id"], name="司马静怡", id_number=number, phone="13700001234", relation="spouse"
        ),
    )
    api.store.engine.dispose()  # SQLite: checkpoint the WAL into the file
    raw = raw_text(api)
    for secret in (NAME, "司马静怡", number, "13700001234"):
        assert secret.encode() not in raw, secret
    assert b"registered" in raw or b"floating" in raw  # the dump does hold the rows
    # An 8-digit birth date could turn up by chance among the file's many coordinates, so it is
    # looked for in the persons' rows themselves, in both forms a plain date would take.
    with api.store.engine.connect() as conn:
        rows = b"".join(str(tuple(r)).encode() for r in conn.execute(text("SELECT * FROM persons")))
    born = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    for secret in (number[6:14], born):
        assert secret.encode() not in rows, secret
    assert rows  # the rows are there


def test_masked_by_default_full_with_purpose_and_audited(api):
    h = household(api)
    number = fresh_id()
    p = api.post("/persons", "officer", json=person_body(h["id"], id_number=number)).json()
    assert p["masked"] and p["name"] == NAME[0] + "***" and p["tags"] is None
    assert p["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert p["phone"] == "139****5678"
    before = api.count("audit_log")
    full = api.get(f"/persons/{p['id']}", "officer", params={"purpose": "走访"}).json()
    assert not full["masked"] and full["name"] == NAME and full["id_number"] == number
    assert full["birth_date"] == number[6:10] + "-" + number[10:12] + "-" + number[12:14]
    assert api.count("audit_log") == before + 1
    with session_scope(api.store.sessions) as s:
        row = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (row.action, row.entity, row.entity_id) == ("read_personal", "person", p["id"])
        assert row.diff == {"purpose": "走访"}


def test_scope_per_role(api):
    h = household(api)
    p = api.post("/persons", "officer", json=person_body(h["id"], id_number=fresh_id())).json()
    b = h["building_id"]
    assert api.get(f"/buildings/{b}/register", "officer2").status_code == 404
    assert api.get(f"/persons/{p['id']}", "officer2").status_code == 404
    seen = {
        u: api.get(f"/persons/{p['id']}", u, params={"purpose": "核查"}).json()["masked"]
        for u in ("admin", "street", "officer", "police")
    }
    assert seen == {"admin": False, "street": False, "officer": False, "police": True}
    tree = api.get(f"/buildings/{b}/register", "officer").json()
    rooms = [r for u in tree["units"] for f in u["floors"] for r in f["rooms"]]
    assert any(hh["id"] == h["id"] for r in rooms for hh in r["households"])


def test_police_see_identities_only_of_groups_the_rule_allows(api):
    h = household(api)
    start = "2024-01-01"
    tagged = api.post(
        "/persons",
        "officer",
        json=person_body(
            h["id"], id_number=fresh_id(), tags=[{"group": "community_correction", "start": start}]
        ),
    ).json()
    cared = api.post(
        "/persons",
        "officer",
        json=person_body(
            h["id"], id_number=fresh_id(), tags=[{"group": "elderly_alone", "start": start}]
        ),
    ).json()
    q = {"purpose": "矫正对象核查"}
    assert not api.get(f"/persons/{tagged['id']}", "police", params=q).json()["masked"]
    assert api.get(f"/persons/{cared['id']}", "police", params=q).json()["masked"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"id_number": "120101198603142710"}, "id_number"),  # wrong check character
        ({"moved_in": "2999-01-01"}, "moved_in"),
        ({"moved_in": "1950-01-01"}, "moved_in"),  # before the birth date in the ID
        ({"person_type": "alien"}, "person_type"),
        ({"phone": "12345"}, "phone"),
        ({"tags": [{"group": "nope", "start": "2024-01-01"}]}, "tags"),
    ],
)
def test_bad_person_is_a_field_error_and_writes_nothing(api, over, field):
    h = household(api)
    before = api.count("persons")
    r = api.post("/persons", "officer", json=person_body(h["id"], id_number=fresh_id()) | over)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][:2] == ["body", field]
    assert api.count("persons") == before


def test_person_already_living_elsewhere(api):
    number = fresh_id()
    first = household(api)
    assert (
        api.post("/persons", "officer", json=person_body(first["id"], id_number=number)).status_code
        == 201
    )
    other = household(api, room="502", floor="5")
    r = api.post("/persons", "officer", json=person_body(other["id"], id_number=number))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "id_number"]
    assert (
        api.patch(
            f"/households/{first['id']}", "officer", json={"version": 1, "moved_out": "2024-06-01"}
        ).status_code
        == 200
    )
    r = api.post("/persons", "officer", json=person_body(other["id"], id_number=number))
    assert r.status_code == 201, r.text


def test_resend_is_idempotent_and_conflicts_are_409(api):
    h = household(api)
    body = person_body(h["id"], id_number=fresh_id())
    assert api.post("/persons", "officer", json=body).status_code == 201
    again = api.post("/persons", "officer", json=body)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    r = api.post("/persons", "officer", json=body | {"name": "别人"})
    assert r.status_code == 409 and r.json()["current"]["masked"]


def test_move_out_closes_household_and_persons(api):
    h = household(api, room="702", floor="7")
    p = api.post("/persons", "officer", json=person_body(h["id"], id_number=fresh_id())).json()
    r = api.patch(
        f"/households/{h['id']}", "officer", json={"version": 1, "moved_out": "2019-01-01"}
    )
    assert r.status_code == 422  # before the move-in
    r = api.patch(
        f"/households/{h['id']}", "officer", json={"version": 1, "moved_out": "2024-06-01"}
    )
    assert r.status_code == 200 and r.json()["moved_out"] == "2024-06-01"
    gone = api.get(f"/persons/{p['id']}", "officer").json()
    assert gone["moved_out"] == "2024-06-01"
    tree = api.get(f"/buildings/{h['building_id']}/register", "officer").json()
    ids = {
        hh["id"]
        for u in tree["units"]
        for f in u["floors"]
        for r in f["rooms"]
        for hh in r["households"]
    }
    assert h["id"] not in ids


def test_patch_person_keeps_values_sent_back_masked(api):
    h = household(api)
    p = api.post("/persons", "officer", json=person_body(h["id"], id_number=fresh_id())).json()
    r = api.patch(
        f"/persons/{p['id']}",
        "officer",
        json={"version": 1, "name": p["name"], "phone": "13600009999"},
    )
    assert r.status_code == 200, r.text
    full = api.get(f"/persons/{p['id']}", "admin", params={"purpose": "核对"}).json()
    assert full["name"] == NAME and full["phone"] == "13600009999"


def test_search_by_id_phone_name_and_address(api):
    h = household(api)
    number, phone = fresh_id(), "1350000" + str(uuid.uuid4().int % 10000).zfill(4)
    p = api.post(
        "/persons",
        "officer",
        json=person_body(h["id"], name="诸葛孔明", id_number=number, phone=phone),
    ).json()
    for q in (number, phone, "诸葛"):
        found = api.get("/register/search", "officer", params={"q": q}).json()
        assert [x["id"] for x in found["persons"]] == [p["id"]], q
    assert api.get("/register/search", "officer2", params={"q": number}).json()["persons"] == []
    with session_scope(api.store.sessions) as s:
        s.add(
            RegisterAddress(
                building_id=h["building_id"], address="南京路100号1号楼", text="南京路一百号1栋"
            )
        )
    found = api.get("/register/search", "officer", params={"q": "南京路１００号"}).json()
    assert [b["id"] for b in found["buildings"]] == [h["building_id"]]


def test_search_by_a_foreigners_document_number(api):
    h = household(api)
    doc = "E" + str(uuid.uuid4().int % 10**8).zfill(8)
    body = person_body(h["id"], name="JOHN SMITH", id_number=doc, person_type="foreign")
    p = api.post("/persons", "officer", json=body | {"phone": None}).json()
    for q in (doc, doc.lower(), " ".join([doc[:4], doc[4:]])):
        found = api.get("/register/search", "officer", params={"q": q}).json()
        assert found["by"] == "document", q
        assert [x["id"] for x in found["persons"]] == [p["id"]], q
    assert (
        api.get("/register/search", "officer", params={"q": doc[:-1] + "X"}).json()["persons"] == []
    )
    assert api.get("/register/search", "officer2", params={"q": doc}).json()["persons"] == []


def test_organisations(api):
    body = {
        "id": str(uuid.uuid4()),
        "name": "和平网吧",
        "org_type": "internet_cafe",
        "credit_code": make_credit_code("91120101MA05XXXX0"),
        "contact": "赵老板",
        "phone": "13811112222",
        "building_id": building_in(api, C1 + "001"),
    }
    r = api.post("/organisations", "officer", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["contact"] == "赵**" and r.json()["cell_code"] == C1 + "001"
    assert api.post("/organisations", "officer", json=body).status_code == 200
    bad = body | {"id": str(uuid.uuid4()), "credit_code": body["credit_code"][:17] + "0"}
    if bad["credit_code"] == body["credit_code"]:
        bad["credit_code"] = body["credit_code"][:17] + "1"
    r = api.post("/organisations", "officer", json=bad)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "credit_code"]
    listed = api.get("/organisations", "officer2", params={"cell": C1 + "001"}).json()
    assert listed["organisations"] == []


def test_export_admin_only_and_audited(api):
    h = household(api)
    api.post("/persons", "officer", json=person_body(h["id"], id_number=fresh_id()))
    assert api.get("/register/export", "street", params={"purpose": "x"}).status_code == 403
    assert api.get("/register/export", "admin").status_code == 422  # purpose required
    before = api.count("audit_log")
    r = api.get("/register/export", "admin", params={"purpose": "年度核查", "format": "csv"})
    assert r.status_code == 200 and NAME in r.content.decode("utf-8-sig")
    assert api.count("audit_log") == before + 1


def test_key_rotation_round_trip(api, tmp_path):
    h = household(api, cell=C2 + "002", user="officer2")
    number = fresh_id()
    p = api.post("/persons", "officer2", json=person_body(h["id"], id_number=number)).json()
    settings = api.store.settings
    old = load_key(settings)
    report = resident(api).post("/api/v1/public/reports", json=report_body(phone="13544448888"))
    assert report.status_code == 201, report.text
    with session_scope(api.store.sessions) as s:
        before = s.get(Person, uuid.UUID(p["id"])).name
        rid = s.scalar(
            select(ResidentReport.record_id).where(ResidentReport.ticket == report.json()["ticket"])
        )
    with api.store.sessions() as s:
        assert rotate(s, settings.data_key_file, old) >= 1
    new = cipher_for(settings)
    assert new.master != old
    with session_scope(api.store.sessions) as s:
        row = s.get(Person, uuid.UUID(p["id"]))
        assert row.name != before and row.version == 1
        assert new.decrypt("id_number", row.id_number) == number
        after = row.name
    full = api.get(f"/persons/{p['id']}", "admin", params={"purpose": "轮换后核对"}).json()
    assert full["name"] == NAME and full["id_number"] == number
    found = api.get("/register/search", "admin", params={"q": number}).json()
    assert [x["id"] for x in found["persons"]] == [p["id"]]
    with pytest.raises(Exception, match="another data key"):
        DataCipher(old).decrypt("name", after)
    # a resident reporter's phone is re-sealed too (read back in full by the cell's officer)
    assert api.get(f"/records/{rid}/ratings", "officer").json()["phone"] == "13544448888"
    assert (
        api.post(
            "/persons", "officer2", json=person_body(h["id"], id_number=number) | {"id": p["id"]}
        ).status_code
        == 200
    )  # a resend still matches its keyed content hash


def test_building_id_beyond_the_column_is_a_field_error(api):
    """A building id no column can hold is refused at the path, on PostGIS too (not a 500)."""
    for bad in (2**31, 10**12, 0):
        r = api.get(f"/buildings/{bad}/register", "admin")
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["detail"][0]["loc"][-1] == "id"
