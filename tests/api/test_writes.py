"""The plain-record write path (api.records.create, and on PostGIS the group commit of
api.records.batch) under concurrency: one id sent many times at once is stored once, audited once
and counted once in the heat pre-aggregate; a round of records is one statement whose heat counts
equal a rebuild; a bad record in a round fails alone."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
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


def _plans(api, bodies: list[dict]) -> list[dict]:  # noqa: ANN001
    """The planned values of plain records by the officer (as the endpoint plans them)."""
    from api.dependencies import _load_scope
    from api.records.create import plan
    from api.records.schemas import RecordIn

    scope = _load_scope(api.store, "officer")
    return [plan(api.store, scope, RecordIn.model_validate(b)) for b in bodies]


def _group_commit(api, plans: list[dict], dsn: str | None = None) -> tuple[list, object]:  # noqa: ANN001
    """Submit ``plans`` at once to a fresh GroupCommit (one round at a time) on its own pool
    (to the test database, or to ``dsn``); the answers (or errors) and the GroupCommit."""
    import asyncio

    from api.pgasync import AsyncPgPool, conninfo
    from api.records.batch import GroupCommit

    pool = AsyncPgPool(dsn or conninfo(api.store.engine), 2)
    group = GroupCommit(pool, 1)

    async def go() -> list:
        try:
            return await asyncio.gather(*(group.store(v) for v in plans), return_exceptions=True)
        finally:
            await pool.close()

    return asyncio.run(go()), group


def _heat_matches_rebuild(api) -> None:  # noqa: ANN001
    """The live heat tables equal a rebuild from the stored records (checked, then rolled back)."""
    from api.analytics import heatagg

    with api.store.engine.connect() as conn:
        live = heatagg.snapshot(conn)
        heatagg.rebuild(conn)
        rebuilt = heatagg.snapshot(conn)
        conn.rollback()
    for name, frame in live.items():
        assert frame.equals(rebuilt[name]), name


POSTGIS_ONLY = pytest.mark.parametrize("api", ["postgis"], indirect=True)  # the group-commit path


@POSTGIS_ONLY
def test_records_arriving_together_are_stored_in_one_statement(api):
    hours = [f"2024-05-01T0{h}:15:00+08:00" for h in range(8)]
    bodies = [
        record_body(occurred_at=hours[i % 8], category=("fire", "traffic")[i % 2],
                    lon=X0 + 0.001 + 0.0002 * i, lat=Y0 + 0.006 + 0.0001 * i)
        for i in range(40)
    ]
    bodies.append(dict(bodies[0]))  # a resend racing its original, in the same round
    records, audit = api.count("records"), api.count("audit_log")
    answers, group = _group_commit(api, _plans(api, bodies))
    assert answers == [True] * 40 + [False]  # the resend finds the stored original
    assert (group.statements, group.records) == (2, 41)  # the resend went in a second statement
    assert api.count("records") == records + 40
    assert api.count("audit_log") == audit + 40
    _heat_matches_rebuild(api)


@POSTGIS_ONLY
def test_a_failing_record_fails_alone(api):
    import psycopg

    plans = _plans(api, [record_body() for _ in range(5)])
    plans[2]["author_id"] = 987_654  # no such user: the foreign key refuses this one row
    records, audit = api.count("records"), api.count("audit_log")
    answers, group = _group_commit(api, plans)
    assert isinstance(answers[2], psycopg.errors.ForeignKeyViolation)
    assert [a for i, a in enumerate(answers) if i != 2] == [True] * 4
    assert group.statements == 1  # the round failed as a whole, then went one record at a time
    assert api.count("records") == records + 4
    assert api.count("audit_log") == audit + 4
    _heat_matches_rebuild(api)


@POSTGIS_ONLY
def test_a_lost_database_fails_the_round_unacknowledged(api):
    import psycopg

    plans = _plans(api, [record_body() for _ in range(3)])
    records = api.count("records")
    answers, _ = _group_commit(api, plans, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert all(isinstance(a, psycopg.OperationalError) for a in answers), answers
    assert api.count("records") == records


@POSTGIS_ONLY
def test_a_round_that_times_out_on_a_held_row_is_sent_again(api, monkeypatch):
    import threading
    import time

    import psycopg

    from api import pgasync
    from api.pgasync import conninfo

    monkeypatch.setattr(pgasync, "LOCK_TIMEOUT", "100ms")
    plan = _plans(api, [record_body(occurred_at="2024-07-01T09:00:00+08:00")])
    _group_commit(api, plan)  # its heat rows now exist
    again = _plans(api, [record_body(occurred_at="2024-07-01T09:00:00+08:00")])
    with psycopg.connect(conninfo(api.store.engine)) as holder:  # another writer, mid-transaction
        holder.execute("SELECT 1 FROM heat_counts WHERE day = '2024-07-01' FOR UPDATE")
        threading.Timer(0.15, holder.rollback).start()  # lets go after the first attempt gave up
        start = time.monotonic()
        answers, _ = _group_commit(api, again)
    assert answers == [True] and time.monotonic() - start >= 0.1
    _heat_matches_rebuild(api)


@POSTGIS_ONLY
def test_a_full_write_queue_refuses_with_503_and_stores_nothing_it_refused(api, monkeypatch):
    from api.errors import Busy, domain_response
    from api.records import batch as record_batch

    monkeypatch.setattr(record_batch, "MAX_WAITING", 2)
    plans = _plans(api, [record_body() for _ in range(5)])
    records = api.count("records")
    answers, _ = _group_commit(api, plans)
    assert answers[:2] == [True, True]
    assert all(isinstance(a, Busy) for a in answers[2:])
    assert api.count("records") == records + 2
    answer = domain_response(answers[2])
    assert answer.status_code == 503 and answer.headers["retry-after"] == "2"


@POSTGIS_ONLY
def test_a_round_locks_heat_counts_before_heat_bins(api):
    """The ORM path locks heat_counts, then heat_bins: a round must take them in that order too,
    or the two deadlock. Hold a round's heat_bins row; it must already hold its heat_counts row."""
    import threading
    import time

    import psycopg

    from api.pgasync import conninfo
    from api.records.batch import batch_params, row_of

    dsn = conninfo(api.store.engine)
    same_shard = [str(uuid.uuid4())[:-2] + "00" for _ in range(2)]  # the same heat_bins rows
    first, second = _plans(api, [record_body(id=i, occurred_at="2024-08-01T09:00:00+08:00")
                                 for i in same_shard])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(*batch_params([row_of(first)]))  # the heat rows exist
    row = row_of(second)
    res = row.resolutions[0]
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as probe:
        holder.execute("SELECT 1 FROM heat_bins WHERE res = %s AND monthly AND h3 = %s FOR UPDATE",
                       (res, row.values[f"p{res}"]))

        def send() -> None:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(*batch_params([row]))

        writer = threading.Thread(target=send)
        writer.start()
        for _ in range(50):  # until the round waits on the held row
            waiting = probe.execute(
                "SELECT backend_xid::text FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'WITH x AS%%'").fetchall()
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the round never waited on the held heat_bins row"
        holders = probe.execute("SELECT xmax::text FROM heat_counts WHERE day = '2024-08-01'"
                                ).fetchall()
        holder.rollback()
        writer.join()
    assert [x for (x,) in holders] == [waiting[0][0]]  # heat_counts was taken first
