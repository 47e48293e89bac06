"""The direct entry for new records (api.records.ingest) answers exactly as the router does: the
same status, body and headers for stored records, resends, conflicts and every refusal, on both
backends; it serves plain records itself and hands everything else to the router."""

from __future__ import annotations

import uuid

import pytest
from conftest import X0, Y0, W, record_body
from fastapi.testclient import TestClient

from api.main import create_app
from api.records.ingest import RecordIngest

VOLATILE = ("id", "created_at", "updated_at", "deadline")  # differ between two fresh records


def _lane(client: TestClient) -> RecordIngest:
    """The RecordIngest middleware inside ``client``'s app (built on its first request)."""
    node = client.app.middleware_stack
    while node is not None and not isinstance(node, RecordIngest):
        node = getattr(node, "app", None)
    assert node is not None, "the app has no RecordIngest middleware"
    return node


@pytest.fixture(scope="module")
def router(api):  # noqa: ANN001, ANN201
    """A second app over the same store without the direct entry: every request via the router."""
    with TestClient(create_app(api.store.settings, api.store, ingest=False)) as client:
        yield client


def _same(a, b, *, fresh: bool = False) -> None:  # noqa: ANN001
    """Two answers agree: status, content type, challenge header and JSON body (for two fresh
    records, all but their ids and timestamps)."""
    assert a.status_code == b.status_code, (a.text, b.text)
    for header in ("content-type", "www-authenticate"):
        assert a.headers.get(header) == b.headers.get(header), header
    ja, jb = a.json(), b.json()
    if fresh:
        ja, jb = ({k: v for k, v in j.items() if k not in VOLATILE} for j in (ja, jb))
    assert ja == jb


def _both(api, router, body=None, user: str | None = "officer", **kw):  # noqa: ANN001, ANN003, ANN201
    """POST ``body`` (or raw ``kw``) to /records through the direct entry and the router."""
    headers = dict(api.auth(user)) if user else {}
    headers.update(kw.pop("headers", {}))
    direct = api.client.post("/api/v1/records", json=body, headers=headers, **kw)
    routed = router.post("/api/v1/records", json=body, headers=headers, **kw)
    return direct, routed


def test_plain_records_are_served_directly_and_answer_as_the_router(api, router):
    api.post("/records", "officer", json=record_body())  # builds the stack
    lane = _lane(api.client)
    served = lane.served
    a = api.post("/records", "officer", json=record_body())
    b = router.post("/api/v1/records", json=record_body(), headers=api.auth("officer"))
    assert a.status_code == 201
    _same(a, b, fresh=True)
    assert lane.served == served + 1
    # a resend (200) and a conflicting resend (409) of one stored record
    body = record_body()
    assert api.post("/records", "officer", json=body).status_code == 201
    _same(*_both(api, router, body))
    changed = {**body, "description": "改了"}
    a, b = _both(api, router, changed)
    assert a.status_code == 409
    _same(a, b)
    assert lane.served == served + 4  # the created record, its resend and the conflict


@pytest.mark.parametrize(
    "case",
    [
        "outside_cells",
        "foreign_cell",
        "police",
        "bad_token",
        "unknown_category",
        "future",
    ],
)
def test_refusals_made_by_the_shared_checks_are_identical(api, router, case):
    body, user, headers = record_body(), "officer", {}
    if case == "outside_cells":
        body = record_body(lon=X0 + 10 * W, lat=Y0 + 10 * W)
    elif case == "foreign_cell":
        body = record_body(lon=X0 + 1.5 * W, lat=Y0 + 0.8 * W)
    elif case == "police":
        user = "police"
    elif case == "bad_token":
        headers = {"Authorization": "Bearer not-a-token"}
    elif case == "unknown_category":
        body = record_body(category="no-such-category")
    elif case == "future":
        body = record_body(occurred_at="2099-01-01T00:00:00+08:00")
    before = api.count("records")
    a, b = _both(api, router, body, user, headers=headers)
    assert 400 <= a.status_code < 500
    _same(a, b)
    assert api.count("records") == before


@pytest.mark.parametrize("case", ["no_token", "bad_json", "missing_field", "extra_field", "form"])
def test_requests_it_does_not_serve_go_on_to_the_router(api, router, case):
    api.post("/records", "officer", json=record_body())  # builds the stack
    lane = _lane(api.client)
    served, before = lane.served, api.count("records")
    kw: dict = {}
    user: str | None = "officer"
    body: dict | None = record_body()
    if case == "no_token":
        user = None
    elif case == "bad_json":
        body, kw = None, {"content": b'{"id": ', "headers": {"Content-Type": "application/json"}}
    elif case == "missing_field":
        body = {k: v for k, v in record_body().items() if k != "occurred_at"}
    elif case == "extra_field":
        body = record_body(colour="red")
    elif case == "form":
        body, kw = None, {"data": {"id": str(uuid.uuid4())}}
    a, b = _both(api, router, body, user, **kw)
    assert 400 <= a.status_code < 500
    _same(a, b)
    assert lane.served == served
    assert api.count("records") == before


def test_general_records_go_through_the_router(api, router):
    api.post("/records", "officer", json=record_body())  # builds the stack
    lane = _lane(api.client)
    served = lane.served
    patrol = {
        "kind": "patrol",
        "category": "routine",
        "priority": None,
        "lon": None,
        "lat": None,
        "started_at": "2024-05-01T08:00:00+08:00",
        "ended_at": "2024-05-01T08:30:00+08:00",
        "track": [
            [X0 + 0.004, Y0 + 0.008, "2024-05-01T08:00:00+08:00"],
            [X0 + 0.005, Y0 + 0.008, "2024-05-01T08:05:00+08:00"],
        ],
    }
    a = api.post("/records", "officer", json=record_body(**patrol))
    b = router.post("/api/v1/records", json=record_body(**patrol), headers=api.auth("officer"))
    assert a.status_code == 201
    _same(a, b, fresh=True)
    assert lane.served == served


def test_a_repeated_header_is_read_as_the_router_reads_it(api, router):
    api.post("/records", "officer", json=record_body())  # builds the stack
    served = _lane(api.client).served
    good, bad = api.auth("officer")["Authorization"], "Bearer not-a-token"
    for first, second in ((good, bad), (bad, good)):
        headers = [("Authorization", first), ("Authorization", second),
                   ("Content-Type", "application/json")]
        a = api.client.post("/api/v1/records", content=_json(record_body()), headers=headers)
        b = router.post("/api/v1/records", content=_json(record_body()), headers=headers)
        assert a.status_code == (201 if first == good else 401)
        _same(a, b, fresh=True)
    assert _lane(api.client).served == served + 2


def _json(body: dict) -> bytes:
    """``body`` as JSON bytes (sent with explicit headers)."""
    import json

    return json.dumps(body).encode()


def test_a_client_gone_mid_body_is_neither_stored_nor_answered(api):
    import asyncio
    import json

    from api.records.ingest import RecordIngest

    body = json.dumps(record_body()).encode()
    passed_on: list = []

    async def app(scope, receive, send) -> None:  # noqa: ANN001
        passed_on.append(scope)

    lane = RecordIngest(app, api.store, "/api/v1/records")
    messages = [{"type": "http.request", "body": body, "more_body": True},
                {"type": "http.disconnect"}]
    sent: list = []

    async def receive() -> dict:
        return messages.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"authorization", api.auth("officer")["Authorization"].encode()),
               (b"content-type", b"application/json")]
    scope = {"type": "http", "method": "POST", "path": "/api/v1/records", "headers": headers}
    records = api.count("records")
    asyncio.run(lane(scope, receive, send))
    assert sent == [] and passed_on == [] and api.count("records") == records


@pytest.mark.parametrize("path", ["/records", "/places"])
def test_an_oversized_chunked_body_gets_413_on_every_route(api, path):
    limit = api.store.settings.max_body_bytes

    def chunks():  # no Content-Length: the limit is found while reading
        yield b'{"description": "'
        for _ in range(limit // 10_000 + 1):
            yield b"x" * 10_000
        yield b'"}'

    before = api.count("records"), api.count("places")
    headers = {**api.auth("officer"), "Content-Type": "application/json"}
    r = api.client.post("/api/v1" + path, content=chunks(), headers=headers)
    assert r.status_code == 413, r.text
    assert r.json()["detail"][0]["type"] == "too_large"
    assert (api.count("records"), api.count("places")) == before
