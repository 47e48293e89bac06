"""The plain-record write path (api.record_create) under concurrency, on both backends: one id
sent many times at once is stored once, audited once and counted once in the heat pre-aggregate."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from conftest import X0, Y0, W, record_body


def _heat_total(api) -> int:  # noqa: ANN001
    """The sum of all heat counts."""
    return _sum(api, 'SELECT coalesce(sum("count"), 0) FROM heat_counts')


def _sum(api, sql: str) -> int:  # noqa: ANN001
    """A single integer from ``sql``."""
    from sqlalchemy import text

    with api.store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one() or 0)


def test_concurrent_resends_store_one_record_one_audit_one_count(api):
    body = record_body()
    api.auth("officer")
    heat_before, records_before = _heat_total(api), api.count("records")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: api.post("/records", "officer", json=body), range(16)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 1 and set(codes) == {200, 201}
    assert {r.json()["id"] for r in answers} == {body["id"]}
    assert api.count("records") == records_before + 1
    assert api.count(f"audit_log WHERE entity_id = '{body['id']}'") == 1
    assert _heat_total(api) == heat_before + 1


def test_concurrent_different_content_for_one_id_conflicts(api):
    rid = str(uuid.uuid4())
    bodies = [record_body(id=rid, description=f"variant {i}") for i in range(8)]
    api.auth("officer")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda b: api.post("/records", "officer", json=b), bodies))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 7
    stored = api.get(f"/records/{rid}", "officer").json()
    winner = next(b for b, r in zip(bodies, answers, strict=True) if r.status_code == 201)
    assert stored["description"] == winner["description"]
    assert all(r.json()["current"]["id"] == rid for r in answers if r.status_code == 409)
    assert api.count(f"audit_log WHERE entity_id = '{rid}'") == 1


def test_refused_plain_write_leaves_nothing(api):
    heat_before, audit_before = _heat_total(api), api.count("audit_log")
    outside = record_body(lon=X0 + 10 * W, lat=Y0 + 10 * W)
    assert api.post("/records", "officer", json=outside).status_code == 422
    foreign = record_body(lon=X0 + 1.5 * W, lat=Y0 + 0.8 * W)  # officer2 leads it
    assert api.post("/records", "officer", json=foreign).status_code == 403
    assert api.post("/records", "police", json=record_body()).status_code == 403
    assert (_heat_total(api), api.count("audit_log")) == (heat_before, audit_before)


def test_one_statement_write_is_short_enough_for_psycopg_to_cache_its_parse():
    from psycopg import _queries

    from api.record_create import pg_sql
    from grid.heat import SERVING_RESOLUTIONS

    # longer statements are re-parsed on every execute (~2 ms of CPU a write)
    assert len(pg_sql(SERVING_RESOLUTIONS)) <= _queries.MAX_CACHED_STATEMENT_LENGTH
