"""Crash test (issue 9): concurrent writers against the real server, ``kill -9`` of its process
group mid-load, a restart on the same database, then every acknowledged record is stored exactly
once and the heat pre-aggregate equals a rebuild.

The server runs as ``wangge serve`` in a subprocess on a free loopback port: 2 worker processes on
PostGIS, one on SQLite (as the README runs it). Bounded to well under 40 s per backend.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import PASSWORDS, X0, Y0, W, fresh_database, seed
from sqlalchemy import func, select

from api.analytics import heatagg
from api.db import make_engine
from api.models import Party, Record
from api.models.accounts import AuditEntry
from api.settings import Settings
from api.store import make_store

ROOT = Path(__file__).resolve().parents[2]
SECRET = "crash-secret-0123456789abcdef0123456789"
HOST = "127.0.0.1"  # loopback only
WRITERS = 8
LOAD_BEFORE_KILL = 5.0  # seconds of load before the kill (or fewer, once enough are acknowledged)
ENOUGH = 400  # acknowledged records that make the kill worth it
# Shapes resent after the restart; disputes (records with parties) join once their resend no
# longer answers 500 (issue 9, finding 1: its own resend test covers them meanwhile).
RESEND_SHAPES = ("plain", "patrol", "dispute")
OWNER = {False: "officer", True: "officer2"}  # the writer's account by side (east: officer2's)
START_TIMEOUT = 60.0  # generous: a loaded CI machine starts 2 workers slowly


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """``wangge serve`` in its own process group, so one signal reaches every worker."""

    def __init__(self, url: str, tmp: Path, workers: int) -> None:
        self.port, self.workers = free_port(), workers
        self.base = f"http://{HOST}:{self.port}"
        self.log = tmp / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "WANGGE_SECRET_KEY": SECRET,
            "WANGGE_PHOTO_DIR": str(tmp / "photos"),
            "WANGGE_WEB_DIR": str(tmp / "no-web"),
            "WANGGE_DEMO": "0",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        cmd = [
            sys.executable,
            "-m",
            "api.cli.main",
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        cmd += ["--workers", str(self.workers), "--log-level", "warning"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.base + "/api/v1/meta", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"server did not answer within {START_TIMEOUT} s:\n{self.log.read_text()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the server's whole process group and reap the leader."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM), or by force when it does not go."""
        self.kill(signal.SIGTERM)


@dataclass
class Load:
    """What the writers saw: acknowledged ids by shape, statuses, transport errors."""

    acked: dict[str, str] = field(default_factory=dict)  # id -> "plain" | "dispute" | "patrol"
    statuses: Counter[int] = field(default_factory=Counter)
    dropped: int = 0  # requests whose answer never came (connection lost or refused)
    sent: dict[str, tuple[str, dict, bool]] = field(default_factory=dict)  # id -> shape, body, east
    lost: list[str] = field(default_factory=list)  # ids whose answer never came
    lock: threading.Lock = field(default_factory=threading.Lock)


def body(n: int, east: bool) -> tuple[str, dict]:
    """The ``n``-th record of a writer (its shape, its body): mostly plain incidents, every
    fifth a dispute with two parties, every fifth a patrol with a track."""
    x0 = X0 + (W if east else 0.0)
    lon, lat = x0 + 0.001 + (n * 37 % 80) * 1e-4, Y0 + 0.001 + (n * 53 % 80) * 1e-4
    at = f"2024-05-{1 + n % 28:02d}T{n % 24:02d}:15:00+08:00"
    rec: dict = {"id": str(uuid.uuid4()), "occurred_at": at, "description": f"crash {n}"}
    if n % 5 == 1:
        shape = "dispute"
        rec |= {"kind": "dispute", "category": "neighbour", "lon": lon, "lat": lat}
        rec["parties"] = [{"name": "张三", "phone": "13800000000"}, {"name": "李四"}]
    elif n % 5 == 3:
        shape = "patrol"
        end = f"2024-05-{1 + n % 28:02d}T{n % 24:02d}:45:00+08:00"
        rec |= {"kind": "patrol", "category": "routine", "started_at": at, "ended_at": end}
        rec["track"] = [[lon, lat, at], [lon + 1e-4, lat, end]]
    else:
        shape = "plain"
        rec |= {"kind": "incident", "category": "fire", "priority": "routine"}
        rec |= {"lon": lon, "lat": lat}
    return shape, rec


def writer(base: str, token: str, east: bool, load: Load, stop: threading.Event) -> None:
    """Post records back to back until ``stop``, noting each acknowledged id."""
    n = 0
    with httpx.Client(base_url=base, headers=auth(token), timeout=10) as client:
        while not stop.is_set():
            n += 1
            shape, rec = body(n, east)
            with load.lock:
                load.sent[rec["id"]] = (shape, rec, east)
            try:
                r = client.post("/api/v1/records", json=rec)
            except httpx.HTTPError:
                with load.lock:
                    load.dropped += 1
                    load.lost.append(rec["id"])
                time.sleep(0.02)
                continue
            with load.lock:
                load.statuses[r.status_code] += 1
                if 200 <= r.status_code < 300:
                    load.acked[rec["id"]] = shape


def resend(base: str, tokens: dict[str, str], load: Load) -> dict[str, str]:
    """Send again, as a tablet's outbox does after a crash, every record whose answer was lost
    and some acknowledged ones; each must be answered 201 (it was never stored) or 200 (it was);
    the acknowledged ones 200. Returns the ids now acknowledged, with their shapes."""
    again = [i for i in load.lost if load.sent[i][0] in RESEND_SHAPES]
    known = [i for i, s in load.acked.items() if s in RESEND_SHAPES][:10]
    acked = {}
    with httpx.Client(base_url=base, timeout=10) as client:
        for rid in again + known:
            shape, rec, east = load.sent[rid]
            r = client.post("/api/v1/records", json=rec, headers=auth(tokens[OWNER[east]]))
            expected = (200,) if rid in load.acked else (200, 201)
            assert r.status_code in expected, (shape, r.status_code, r.text)
            acked[rid] = shape
    return acked


def auth(token: str) -> dict[str, str]:
    """The Authorization header of ``token``."""
    return {"Authorization": f"Bearer {token}"}


def token(base: str, user: str) -> str:
    """A bearer token for ``user`` (signed with the fixed key, so it outlives a restart)."""
    r = httpx.post(
        base + "/api/v1/auth/token", data={"username": user, "password": PASSWORDS[user]}
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture(params=["sqlite", "postgis"])
def crash_db(request, tmp_path) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    """A fresh database of each backend, migrated and seeded like the fixtures: (backend, url)."""
    gen = fresh_database(request.param, tmp_path)
    url = next(gen)
    try:
        settings = Settings(database_url=url, secret_key=SECRET, web_dir=tmp_path / "none")
        store = make_store(settings)
        try:
            seed(store)
        finally:
            store.engine.dispose()
        yield request.param, url
    finally:
        gen.close()


def stored(url: str) -> tuple[Counter[str], dict[str, int], set[str], Counter[str]]:
    """What the database holds: record ids (with multiplicity), parties per record, ids of
    records with a track, and "create" audit entries per record id."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ids = Counter(str(i) for i in conn.scalars(select(Record.id)))
            parties = {
                str(r): int(n)
                for r, n in conn.execute(
                    select(Party.record_id, func.count()).group_by(Party.record_id)
                )
                if r is not None
            }
            tracks = {
                str(i) for i in conn.scalars(select(Record.id).where(Record.track.is_not(None)))
            }
            audits = Counter(
                conn.scalars(
                    select(AuditEntry.entity_id).where(
                        AuditEntry.entity == "record", AuditEntry.action == "create"
                    )
                )
            )
            live = heatagg.snapshot(conn)
            heatagg.rebuild(conn)
            rebuilt = heatagg.snapshot(conn)
            conn.rollback()
    finally:
        engine.dispose()
    for name, frame in live.items():
        assert frame.equals(rebuilt[name]), f"{name} differs from a rebuild"
    return ids, parties, tracks, audits


@pytest.mark.slow
def test_kill_9_mid_load_loses_no_acknowledged_record(crash_db, tmp_path):
    backend, url = crash_db
    server = Server(url, tmp_path, workers=2 if backend == "postgis" else 1)
    load, stop = Load(), threading.Event()
    threads: list[threading.Thread] = []
    try:
        server.start()
        tokens = {u: token(server.base, u) for u in ("officer", "officer2", "admin")}
        for i in range(WRITERS):
            east = i % 2 == 1
            args = (server.base, tokens[OWNER[east]], east, load, stop)
            threads.append(threading.Thread(target=writer, args=args, daemon=True))
        for t in threads:
            t.start()
        deadline = time.monotonic() + LOAD_BEFORE_KILL
        while time.monotonic() < deadline and len(load.acked) < ENOUGH:
            time.sleep(0.05)
        server.kill()  # kill -9 of every server process, writers still sending
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=15)
        acked = dict(load.acked)
        assert len(acked) > 10, (load.statuses, load.dropped)
        errors = {s: n for s, n in load.statuses.items() if s >= 500 and s != 503}
        assert not errors, errors

        server.start()  # the same database after the crash
        after = body(0, east=False)[1]
        with httpx.Client(base_url=server.base) as client:
            r = client.post("/api/v1/records", json=after, headers=auth(tokens["officer"]))
            assert r.status_code == 201, r.text
            for rid in [i for i, s in acked.items() if s != "plain"][:5] + list(acked)[:5]:
                r = client.get(f"/api/v1/records/{rid}", headers=auth(tokens["admin"]))
                assert r.status_code == 200, r.text
        acked |= resend(server.base, tokens, load)
        server.stop()

        ids, parties, tracks, audits = stored(url)
        assert max(ids.values()) == 1  # nothing stored twice
        missing = set(acked) - set(ids)
        assert not missing, f"{len(missing)} of {len(acked)} acknowledged records lost"
        assert after["id"] in ids
        for rid, shape in acked.items():
            assert audits[rid] == 1, rid
            assert parties.get(rid, 0) == (2 if shape == "dispute" else 0), rid
            assert (rid in tracks) == (shape == "patrol"), rid
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
        server.kill()
