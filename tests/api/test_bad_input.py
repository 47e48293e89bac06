"""Bad input gets 4xx with a field-level detail and writes nothing.

After the first tests, the bad-input table of issue 9 for the API: each case asserts the status,
the field named in ``detail[*].loc`` and that no table changed; POST /records on both the direct
entry (api.records.ingest) and the router. The ``wangge`` command's table is in
test_bad_input_cli.py.
"""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import X0, Y0, W, record_body

NOW_PLUS_DAY = "2099-01-01T00:00:00+00:00"

CASES = [
    ("unknown category", {"category": "alien_landing"}, 422, ["body", "category"]),
    ("unknown kind", {"kind": "picnic"}, 422, ["body", "kind"]),
    ("swapped lat/lon", {"lon": Y0 + 0.008, "lat": X0 + 0.005}, 422, ["body", "lat"]),
    ("lon out of range", {"lon": 250.0}, 422, ["body", "lon"]),
    ("outside every cell", {"lon": 116.0, "lat": 39.9}, 422, ["body", "lon"]),
    ("missing point", {"lon": None, "lat": None}, 422, ["body", "lon"]),
    ("far future", {"occurred_at": NOW_PLUS_DAY}, 422, ["body", "occurred_at"]),
    ("before 2000", {"occurred_at": "1999-12-31T00:00:00+00:00"}, 422, ["body", "occurred_at"]),
    ("naive time", {"occurred_at": "2024-05-01T08:00:00"}, 422, ["body", "occurred_at"]),
    (
        "end before start",
        {"started_at": "2024-05-01T09:00:00+08:00", "ended_at": "2024-05-01T08:00:00+08:00"},
        422,
        ["body", "ended_at"],
    ),
    ("wrong type", {"lat": "north"}, 422, ["body", "lat"]),
    ("bad uuid", {"id": "not-a-uuid"}, 422, ["body", "id"]),
    ("unknown field", {"colour": "red"}, 422, ["body", "colour"]),
    ("NUL in text", {"description": "楼道\u0000堆物"}, 422, ["body", "description"]),
    (
        "NUL in a party's name",
        {"parties": [{"name": "张\u0000三"}]},
        422,
        ["body", "parties", 0, "name"],
    ),
    ("photo never uploaded", {"photos": ["0" * 64]}, 422, ["body", "photos", 0]),
    ("photo not a hash", {"photos": ["cat.jpg"]}, 422, ["body", "photos", 0]),
    (
        "bad party phone",
        {"parties": [{"name": "张三", "phone": "call me"}]},
        422,
        ["body", "parties", 0, "phone"],
    ),
    (
        "track on incident",
        {
            "track": [
                [X0 + 0.001, Y0 + 0.006, "2024-05-01T08:00:00+08:00"],
                [X0 + 0.002, Y0 + 0.006, "2024-05-01T08:01:00+08:00"],
            ]
        },
        422,
        ["body", "track"],
    ),
]


@pytest.mark.parametrize("name,change,status,loc", CASES, ids=[c[0] for c in CASES])
def test_bad_record_is_refused_and_nothing_written(api, name, change, status, loc):
    before = (api.count("records"), api.count("audit_log"), api.count("parties"))
    r = api.post("/records", "officer", json=record_body(**change))
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert detail[0]["loc"] == loc and detail[0]["msg"]
    assert (api.count("records"), api.count("audit_log"), api.count("parties")) == before


def test_swapped_coordinates_are_named(api):
    r = api.post("/records", "officer", json=record_body(lon=Y0 + 0.008, lat=X0 + 0.005))
    assert "swapped" in r.json()["detail"][0]["msg"]


def test_point_in_another_officers_cell_is_forbidden(api):
    before = api.count("records")
    r = api.post("/records", "officer", json=record_body(lon=X0 + 0.015))
    assert r.status_code == 403 and "outside your cells" in r.json()["detail"][0]["msg"]
    assert api.count("records") == before


def test_oversized_body_is_refused(api):
    before = api.count("records")
    r = api.post("/records", "officer", json=record_body(description="x" * 400_000))
    assert r.status_code == 413 and r.json()["detail"][0]["type"] == "too_large"
    assert api.count("records") == before


def test_bad_place_is_refused(api):
    before = api.count("places")
    base = {
        "id": "6b0c6f3e-0000-4000-8000-0000000000ff",
        "kind": "hazard",
        "name": "隐患",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
    }
    for change, loc in (
        ({"attrs": {"category": "ghosts"}}, ["body", "attrs", "category"]),
        ({"risk_level": "extreme"}, ["body", "risk_level"]),
        ({"lat": 200.0}, ["body", "lat"]),
        ({"kind": "zoo"}, ["body", "kind"]),
        ({"attrs": {"landlord": "李\u0000"}}, ["body", "attrs"]),
    ):
        r = api.post("/places", "officer", json={**base, **change})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, r.text
    assert api.count("places") == before


def test_bad_query_parameters(api):
    assert api.get("/cells", "admin", params={"bbox": "1,2,3"}).status_code == 422
    assert api.get("/cells/locate", "admin", params={"lon": 116.0, "lat": 39.9}).status_code == 422
    r = api.get(
        "/stats/counts",
        "admin",
        params={"from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "to"]


def test_unauthenticated_and_forged_tokens(api):
    assert api.client.get("/api/v1/records").status_code == 401
    r = api.client.get("/api/v1/records", headers={"Authorization": "Bearer forged.token.x"})
    assert r.status_code == 401
    bad = api.client.post("/api/v1/auth/token", data={"username": "officer", "password": "nope"})
    assert bad.status_code == 401


# ---------------------------------------------------------------------------------------------
# The bad-input table of issue 9: every case answers its status, names its field in
# ``detail[*].loc`` and leaves every table as it was; plain records on both paths (the direct
# entry of api.records.ingest and the router).

TABLES = (
    "records",
    "places",
    "checkins",
    "parties",
    "record_photos",
    "audit_log",
    "heat_counts",
    "heat_bins",
    "centres",
)
TOKENS = ("NaN", "Infinity", "-Infinity", "1e400")  # JSON that Python's parser turns into floats
SLOT = 123.456789  # a number in a body, replaced by each token in the raw JSON
AT = "2024-05-01T08:00:00+08:00"
PLACE_ID = "6b0c6f3e-0000-4000-8000-0000000009a1"  # a rental place made for the PATCH cases
JSON = {"Content-Type": "application/json"}
DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000


def counts(api) -> dict[str, int]:  # noqa: ANN001
    """Rows of every table a refused request must leave alone."""
    return {t: api.count(t) for t in TABLES}


def raw(body: dict, token: str | None = None) -> str:
    """``body`` as JSON text, with ``SLOT`` replaced by the JSON ``token`` when given."""
    text = json.dumps(body, ensure_ascii=False)
    return text if token is None else text.replace(repr(SLOT), token)


def patrol(**over) -> dict:  # noqa: ANN003
    """A valid patrol with a two-point track in the officer's first cell; fields overridable."""
    body = record_body(
        kind="patrol",
        category="routine",
        lon=None,
        lat=None,
        track=[[X0 + 0.001, Y0 + 0.006, AT], [X0 + 0.002, Y0 + 0.006, "2024-05-01T08:01:00+08:00"]],
        started_at=AT,
        ended_at="2024-05-01T08:30:00+08:00",
    )
    body.pop("priority")
    body.update(over)
    return body


def checkin(**over) -> dict:  # noqa: ANN003
    """A check-in at the fixture's first building (looked up by the caller's id)."""
    return {"building_id": 1, "at": AT, "lon": X0 + 0.0025, "lat": Y0 + 0.0065, **over}


def track_with(i: int, value: object) -> list:
    """The patrol track with coordinate ``i`` (0 lon, 1 lat) of its second point set."""
    point = [X0 + 0.002, Y0 + 0.006, "2024-05-01T08:01:00+08:00"]
    point[i] = value
    return [[X0 + 0.001, Y0 + 0.006, AT], point]


TRACK_LON = (["body", "track", 1, "lon"], ["body", "track", 1, 0])  # either names the field
TRACK_LAT = (["body", "track", 1, "lat"], ["body", "track", 1, 1])


def _record_cases() -> list:
    """(name, raw JSON body, status, loc) for POST /records."""
    swapped_track = [[Y0 + 0.006, X0 + 0.001, AT], [Y0 + 0.006, X0 + 0.002, AT]]
    cases = [
        ("swapped track point", raw(patrol(track=swapped_track)), 422, ["body", "track", 0, "lat"]),
        (
            "swapped check-in",
            raw(patrol(checkins=[checkin(lon=Y0 + 0.0065, lat=X0 + 0.0025)])),
            422,
            ["body", "checkins", 0, "lat"],
        ),
        ("unknown priority", raw(record_body(priority="yesterday")), 422, ["body", "priority"]),
        ("unknown dispute type", raw(record_body(kind="dispute")), 422, ["body", "category"]),
        ("huge category", raw(record_body(category="x" * 33)), 422, ["body", "category"]),
        (
            "huge description",
            raw(record_body(description="x" * 5001)),
            422,
            ["body", "description"],
        ),
        (
            "huge party name",
            raw(record_body(kind="dispute", category="neighbour", parties=[{"name": "x" * 101}])),
            422,
            ["body", "parties", 0, "name"],
        ),
        (
            "huge party role",
            raw(
                record_body(
                    kind="dispute",
                    category="neighbour",
                    parties=[{"name": "张三", "role": "x" * 33}],
                )
            ),
            422,
            ["body", "parties", 0, "role"],
        ),
        (
            "huge party id number",
            raw(
                record_body(
                    kind="dispute",
                    category="neighbour",
                    parties=[{"name": "张三", "id_number": "1" * 33}],
                )
            ),
            422,
            ["body", "parties", 0, "id_number"],
        ),
        ("deep array", DEEP_ARRAY, 422, ["body"]),
        ("deep object", DEEP_OBJECT, 422, ["body"]),
        (
            "nested description",
            raw(record_body(description=[[["楼道"]]])),
            422,
            ["body", "description"],
        ),
        (
            "object as party name",
            raw(
                record_body(
                    kind="dispute", category="neighbour", parties=[{"name": {"zh": "张三"}}]
                )
            ),
            422,
            ["body", "parties", 0, "name"],
        ),
        ("deep track", raw(patrol(track=[[[[X0, Y0, AT]]]] * 2)), 422, ["body", "track", 0, 0]),
        ("empty body", "", 422, ["body"]),
        ("array not object", "[]", 422, ["body"]),
        ("array of records", json.dumps([record_body()]), 422, ["body"]),
        ("string not object", '"record"', 422, ["body"]),
        (
            "duplicate key, last bad",
            raw(record_body())[:-1] + ', "lon": 250.0}',
            422,
            ["body", "lon"],
        ),
        (
            "duplicate kind, last bad",
            raw(record_body())[:-1] + ', "kind": "picnic"}',
            422,
            ["body", "kind"],
        ),
        ("5000-digit number", raw(record_body(lon=SLOT), "9" * 5000), 422, ["body"]),
        pytest.param(
            "check-in building id beyond any integer column",
            raw(patrol(checkins=[checkin(building_id=10**20)])),
            422,
            ["body", "checkins", 0, "building_id"],
            id="check-in building id beyond any integer column",
        ),
    ]
    numeric = [
        ("lon", record_body(lon=SLOT), ["body", "lon"]),
        ("lat", record_body(lat=SLOT), ["body", "lat"]),
        # a track point's coordinate named (the domain's point check) or numbered (the strict
        # number type, which refuses a non-finite one first where it is in place)
        ("track lon", patrol(track=track_with(0, SLOT)), TRACK_LON),
        ("track lat", patrol(track=track_with(1, SLOT)), TRACK_LAT),
        ("check-in lon", patrol(checkins=[checkin(lon=SLOT)]), ["body", "checkins", 0, "lon"]),
        ("check-in lat", patrol(checkins=[checkin(lat=SLOT)]), ["body", "checkins", 0, "lat"]),
        (
            "check-in building",
            patrol(checkins=[checkin(building_id=SLOT)]),
            ["body", "checkins", 0, "building_id"],
        ),
    ]
    for token in TOKENS:
        for field, body, loc in numeric:
            cases.append((f"{token} in {field}", raw(body, token), 422, loc))
    return cases


def case_ids(cases: list) -> list[str]:
    """Each case's name (a ``pytest.param`` carries its own id)."""
    return [c.id if hasattr(c, "id") else c[0] for c in cases]


RECORD_CASES = _record_cases()


@pytest.fixture(scope="module")
def router(api):  # noqa: ANN001, ANN201
    """A second app over the same store without the direct entry: every request via the router."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(api.store.settings, api.store, ingest=False)) as client:
        yield client


@pytest.fixture(params=["direct", "router"])
def client(request, api):  # noqa: ANN001, ANN201
    """The app with the direct entry for plain records, or the router alone."""
    return api.client if request.param == "direct" else request.getfixturevalue("router")


def send(api, path: str, user: str, content: str, method: str = "POST"):  # noqa: ANN001, ANN201
    """Send ``content`` as a JSON body to /api/v1{path} as ``user``."""
    headers = {**api.auth(user), **JSON}
    return api.client.request(method, "/api/v1" + path, content=content.encode(), headers=headers)


def refused(
    api,  # noqa: ANN001
    before: dict[str, int],
    r,  # noqa: ANN001
    status: int | tuple[int, ...],
    loc: list | tuple[list, ...],
) -> None:
    """``r`` has ``status`` (or one of them), names ``loc`` (or one of a tuple of them) in its
    detail, and no table changed."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.status_code, r.text[:500])
    detail = r.json()["detail"]
    named = [d["loc"] for d in detail]
    wanted = loc if isinstance(loc, tuple) else (loc,)
    assert any(w in named for w in wanted) and all(d["msg"] for d in detail), detail
    assert counts(api) == before


@pytest.mark.parametrize("name,content,status,loc", RECORD_CASES, ids=case_ids(RECORD_CASES))
def test_bad_record_table(api, client, name, content, status, loc):
    before = counts(api)
    headers = {**api.auth("officer"), **JSON}
    r = client.post("/api/v1/records", content=content.encode(), headers=headers)
    refused(api, before, r, status, loc)


WRONG_TYPES = [
    ("text/plain", {"Content-Type": "text/plain"}),
    ("form", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("no content type", {}),
]


@pytest.mark.parametrize("kind,headers", WRONG_TYPES, ids=[w[0] for w in WRONG_TYPES])
@pytest.mark.parametrize("path", ["/records", "/places"])
def test_wrong_content_type_is_refused(api, client, path, kind, headers):
    before = counts(api)
    body = record_body() if path == "/records" else place_body()
    content = json.dumps(body) if kind != "form" else "id=1&kind=incident"
    r = client.post("/api/v1" + path, content=content, headers={**api.auth("officer"), **headers})
    if kind == "no content type":  # FastAPI reads a body without a type as JSON
        assert r.status_code in (201, 415, 422), r.text
        return
    refused(api, before, r, (415, 422), ["body"])


def test_multipart_to_a_json_endpoint_and_json_to_photos(api, client):
    before = counts(api)
    files = {"file": ("r.json", json.dumps(record_body()), "application/json")}
    r = client.post("/api/v1/records", files=files, headers=api.auth("officer"))
    refused(api, before, r, (415, 422), ["body"])
    before_photos = api.count("photos")
    r = client.post("/api/v1/photos", json={"file": "x"}, headers=api.auth("officer"))
    refused(api, before, r, (415, 422), ["body", "file"])
    assert api.count("photos") == before_photos


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/records", "/places"])
def test_oversize_body_is_413(api, client, path, chunked):
    before = counts(api)
    body = record_body() if path == "/records" else place_body()
    content = json.dumps({**body, "description": "x" * 400_000}).encode()
    if chunked:

        def pieces():  # noqa: ANN202
            for i in range(0, len(content), 16_384):
                yield content[i : i + 16_384]

        data: object = pieces()
    else:
        data = content
    r = client.post("/api/v1" + path, content=data, headers={**api.auth("officer"), **JSON})
    refused(api, before, r, 413, ["body"])


def place_body(**over) -> dict:  # noqa: ANN003
    """A valid new rental place in the officer's first cell; fields overridable."""
    body = {
        "id": str(uuid.uuid4()),
        "kind": "rental",
        "name": "出租屋",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
        "attrs": {"landlord": "李"},
    }
    body.update(over)
    return body


def _place_cases() -> list:
    """(name, raw JSON body, status, loc) for POST /places."""
    cases = [
        ("swapped", raw(place_body(lon=Y0 + 0.007, lat=X0 + 0.004)), 422, ["body", "lat"]),
        ("unknown kind", raw(place_body(kind="zoo")), 422, ["body", "kind"]),
        ("unknown risk level", raw(place_body(risk_level="extreme")), 422, ["body", "risk_level"]),
        ("huge name", raw(place_body(name="x" * 201)), 422, ["body", "name"]),
        ("huge address", raw(place_body(address="x" * 301)), 422, ["body", "address"]),
        ("nested name", raw(place_body(name=[["出租屋"]])), 422, ["body", "name"]),
        ("deep array", DEEP_ARRAY, 422, ["body"]),
        ("deep object", DEEP_OBJECT, 422, ["body"]),
        ("empty body", "", 422, ["body"]),
        ("array not object", "[]", 422, ["body"]),
        (
            "duplicate key, last bad",
            raw(place_body())[:-1] + ', "lat": 200.0}',
            422,
            ["body", "lat"],
        ),
    ]
    for token in TOKENS:
        for field, body, loc in (
            ("lon", place_body(lon=SLOT), ["body", "lon"]),
            ("lat", place_body(lat=SLOT), ["body", "lat"]),
            ("attrs", place_body(attrs={"tenant_count": SLOT}), ["body", "attrs", "tenant_count"]),
        ):
            cases.append((f"{token} in {field}", raw(body, token), 422, loc))
    return cases


PLACE_CASES = _place_cases()


@pytest.mark.parametrize("name,content,status,loc", PLACE_CASES, ids=[c[0] for c in PLACE_CASES])
def test_bad_place_table(api, name, content, status, loc):
    before = counts(api)
    r = send(api, "/places", "officer", content)
    refused(api, before, r, status, loc)


@pytest.fixture
def targets(api) -> tuple[str, str]:  # noqa: ANN001
    """The ids of a record and a place of the officer's, for PATCH and transitions."""
    made = api.post("/places", "officer", json=place_body(id=PLACE_ID))  # again: the same
    assert made.status_code in (200, 201), made.text
    rec = api.post("/records", "officer", json=record_body())
    assert rec.status_code == 201, rec.text
    return rec.json()["id"], PLACE_ID


def _change_cases() -> list:
    """(name, path template, method, raw JSON body, status, loc) for PATCH and transitions."""
    rec, place, move = "/records/{rec}", "/places/{place}", "/records/{rec}/transitions"
    cases = [
        (
            "record swapped",
            rec,
            raw({"version": 1, "lon": Y0 + 0.008, "lat": X0 + 0.005}),
            ["body", "lat"],
        ),
        (
            "record unknown category",
            rec,
            raw({"version": 1, "category": "alien"}),
            ["body", "category"],
        ),
        (
            "record unknown priority",
            rec,
            raw({"version": 1, "priority": "soon"}),
            ["body", "priority"],
        ),
        (
            "record huge description",
            rec,
            raw({"version": 1, "description": "x" * 5001}),
            ["body", "description"],
        ),
        (
            "place swapped",
            place,
            raw({"version": 1, "lon": Y0 + 0.007, "lat": X0 + 0.004}),
            ["body", "lat"],
        ),
        (
            "place unknown risk level",
            place,
            raw({"version": 1, "risk_level": "extreme"}),
            ["body", "risk_level"],
        ),
        ("place huge name", place, raw({"version": 1, "name": "x" * 201}), ["body", "name"]),
        ("unknown action", move, raw({"version": 1, "action": "teleport"}), ["body", "action"]),
        (
            "huge note",
            move,
            raw({"version": 1, "action": "register", "note": "x" * 2001}),
            ["body", "note"],
        ),
        ("transition deep array", move, DEEP_ARRAY, ["body"]),
        ("patch array not object", rec, "[]", ["body"]),
    ]
    for token in TOKENS:
        cases += [
            (f"{token} record version", rec, raw({"version": SLOT}, token), ["body", "version"]),
            (f"{token} record lon", rec, raw({"version": 1, "lon": SLOT}, token), ["body", "lon"]),
            (f"{token} record lat", rec, raw({"version": 1, "lat": SLOT}, token), ["body", "lat"]),
            (f"{token} place lon", place, raw({"version": 1, "lon": SLOT}, token), ["body", "lon"]),
            (f"{token} place version", place, raw({"version": SLOT}, token), ["body", "version"]),
            (f"{token} place lat", place, raw({"version": 1, "lat": SLOT}, token), ["body", "lat"]),
            (
                f"{token} transition version",
                move,
                raw({"version": SLOT, "action": "register"}, token),
                ["body", "version"],
            ),
        ]
    return cases


CHANGE_CASES = _change_cases()


@pytest.mark.parametrize("name,path,content,loc", CHANGE_CASES, ids=[c[0] for c in CHANGE_CASES])
def test_bad_change_table(api, targets, name, path, content, loc):
    rec, place = targets
    url = "/api/v1" + path.format(rec=rec, place=place)
    method = "POST" if url.endswith("/transitions") else "PATCH"
    before = counts(api)
    headers = {**api.auth("officer"), **JSON}
    r = api.client.request(method, url, content=content.encode(), headers=headers)
    refused(api, before, r, (400, 422) if "deep" in name else 422, loc)


def _centre_cases() -> list:
    """(name, raw JSON body, loc) for POST /analytics/centres (as admin)."""
    base = {"kind": "station", "name": "警务站", "lon": X0 + 0.004, "lat": Y0 + 0.007}
    cases = [
        ("unknown kind", raw({**base, "kind": "spaceport"}), ["body", "kind"]),
        ("swapped", raw({**base, "lon": Y0 + 0.007, "lat": X0 + 0.004}), ["body", "lat"]),
        ("huge name", raw({**base, "name": "x" * 1000}), ["body", "name"]),
        pytest.param(
            "capacity beyond any integer column",
            raw({**base, "capacity": 10**20}),
            ["body", "capacity"],
            id="capacity beyond any integer column",
        ),
    ]
    for token in TOKENS:
        for field in ("lon", "lat", "radius_m", "capacity"):
            cases.append(
                (f"{token} in {field}", raw({**base, field: SLOT}, token), ["body", field])
            )
    return cases


CENTRE_CASES = _centre_cases()


@pytest.mark.parametrize("name,content,loc", CENTRE_CASES, ids=case_ids(CENTRE_CASES))
def test_bad_centre_table(api, name, content, loc):
    before = counts(api)
    r = send(api, "/analytics/centres", "admin", content)
    refused(api, before, r, 422, loc)


SWAPPED_BOX = f"{Y0},{X0},{Y0 + W},{X0 + W}"
QUERY_CASES = [
    ("/cells/locate", {"lon": Y0 + 0.005, "lat": X0 + 0.005}, ["query", "lat"]),
    ("/cells/locate", {"lon": "NaN", "lat": Y0 + 0.005}, ["query", "lon"]),
    ("/cells/locate", {"lon": X0 + 0.005, "lat": "Infinity"}, ["query", "lat"]),
    ("/cells/locate", {"lon": "-inf", "lat": Y0 + 0.005}, ["query", "lon"]),
    ("/cells/locate", {"lon": "1e400", "lat": Y0 + 0.005}, ["query", "lon"]),
    ("/cells", {"bbox": SWAPPED_BOX}, ["query", "bbox"]),
    ("/buildings", {"bbox": SWAPPED_BOX}, ["query", "bbox"]),
    ("/places", {"bbox": SWAPPED_BOX}, ["query", "bbox"]),
    ("/cells", {"bbox": f"NaN,{Y0},{X0 + W},{Y0 + W}"}, ["query", "bbox"]),
    ("/buildings", {"bbox": f"{X0},{Y0},Infinity,{Y0 + W}"}, ["query", "bbox"]),
    ("/places", {"bbox": f"{X0},-inf,{X0 + W},{Y0 + W}"}, ["query", "bbox"]),
    ("/cells", {"bbox": f"{X0},{Y0},1e400,{Y0 + W}"}, ["query", "bbox"]),
    ("/cells", {"bbox": f"{X0 + W},{Y0},{X0},{Y0 + W}"}, ["query", "bbox"]),  # min > max
    ("/cells", {"bbox": f"{X0},{Y0},{X0 + W},{Y0 + W},1"}, ["query", "bbox"]),
    ("/stats/register", {"by": "district"}, ["query", "by"]),
    ("/stats/register", {"on": "2999-01-01"}, ["query", "on"]),
    ("/stats/register", {"on": "1800-01-01"}, ["query", "on"]),
    ("/register/search", {"q": ""}, ["query", "q"]),
    ("/persons/not-a-uuid", {}, ["path", "id"]),
    ("/buildings/x/register", {}, ["path", "id"]),
]


@pytest.mark.parametrize(
    "path,params,loc",
    QUERY_CASES,
    ids=[f"{c[0]}?{','.join(map(str, c[1].values()))}" for c in QUERY_CASES],
)
def test_bad_query_table(api, path, params, loc):
    r = api.get(path, "officer", params=params)
    assert r.status_code == 422, r.text
    assert loc in [d["loc"] for d in r.json()["detail"]], r.text


CENTRE_PATCH_CASES = [
    ("only lon", raw({"lon": X0 + 0.004}), ["body", "lat"]),
    ("swapped", raw({"lon": Y0 + 0.007, "lat": X0 + 0.004}), ["body", "lat"]),
    ("outside every cell", raw({"lon": X0 - 0.05, "lat": Y0 - 0.05}), ["body", "lon"]),
    ("blank name", raw({"name": "   "}), ["body", "name"]),
    ("negative capacity", raw({"capacity": -1}), ["body", "capacity"]),
    ("string radius", raw({"radius_m": "300"}), ["body", "radius_m"]),
    ("unknown field", raw({"colour": "red"}), ["body", "colour"]),
    *[
        (f"{token} in {field}", raw({"lon": X0 + 0.004, "lat": Y0 + 0.007, field: SLOT}, token),
         ["body", field])
        for token in TOKENS
        for field in ("lon", "lat")
    ],
]


@pytest.mark.parametrize(
    "name,content,loc", CENTRE_PATCH_CASES, ids=case_ids(CENTRE_PATCH_CASES)
)
def test_bad_centre_patch_changes_nothing(api, name, content, loc):
    body = {"kind": "station", "name": "改址站", "lon": X0 + 0.004, "lat": Y0 + 0.007}
    made = api.post("/analytics/centres", "admin", json=body)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    before = counts(api)
    r = send(api, f"/analytics/centres/{cid}", "admin", content, method="PATCH")
    refused(api, before, r, 422, loc)
    centres = api.get("/analytics/coverage", "admin").json()["centres"]["features"]
    stored = next(f for f in centres if f["properties"]["id"] == cid)
    assert stored["geometry"]["coordinates"] == [body["lon"], body["lat"]]
    assert stored["properties"]["name"] == "改址站"
