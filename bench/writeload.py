"""Light load generators for bench/writes.py: wrk (C, with a Lua script) or a lean asyncio client.

Both keep ``clients`` HTTP/1.1 keep-alive connections busy creating records back to back (a closed
loop, like 64 tablets), each body with a fresh client UUID and a random point inside the bench
cells, and report the same ``Load`` figures. Neither parses JSON nor builds request objects, so the
generator takes a small share of the 2 cores the server runs on.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import resource
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

PATH = "/api/v1/records"


@dataclass
class Load:
    """What a load run saw: 2xx answers, their latencies, the other statuses, wall time."""

    tool: str
    ok: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    client_cpu: float = 0.0  # CPU seconds the load generator itself used

    @property
    def client_ms(self) -> float:
        """Load-generator CPU per acknowledged record."""
        return self.client_cpu * 1000 / max(self.ok, 1)

    @property
    def rate(self) -> float:
        """Acknowledged records per second."""
        return self.ok / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    """Whether the wrk binary is on PATH."""
    return shutil.which("wrk") is not None


# The body is the one bench/writes.py's Python client sends; ids are <run prefix>-<thread>-<counter>
# so two requests never share an id, across threads and runs.
LUA = r"""
local token, box_x, box_y, width = "%(token)s", %(x0)r, %(y0)r, %(w)r
local prefix = "%(prefix)s"
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tid = tonumber(tid) or 0  -- set by setup() in this thread's state
  math.randomseed(os.time() * 1000 + tid)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local id = string.format("%%s-%%04x-%%012x", prefix, tid, counter)
  local lon = box_x + 1e-4 + math.random() * (width - 2e-4)
  local lat = box_y + 1e-4 + math.random() * (width - 2e-4)
  local body = string.format(
    '{"id":"%%s","kind":"incident","category":"traffic","priority":"routine",' ..
    '"description":"bench","occurred_at":"%%s","lon":%%.7f,"lat":%%.7f}',
    id, os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ"), lon, lat)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d p50_us=%%d p99_us=%%d " ..
    "connect=%%d read=%%d write=%%d timeout=%%d status=%%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def run_wrk(
    base: str, token: str, clients: int, seconds: float, box: tuple[float, float, float]
) -> Load:
    """Drive the server with wrk (2 threads) for ``seconds``."""
    prefix = uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:4] + "-4" + uuid.uuid4().hex[:3]
    script = LUA % {"token": token, "x0": box[0], "y0": box[1], "w": box[2], "prefix": prefix}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    before = _children_cpu()
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{clients}",
                f"-d{seconds:.0f}s",
                "--timeout",
                "30s",
                "-s",
                f.name,
                base + PATH,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(f.name).unlink()
    m = re.search(r"RESULT (.*)", out)
    if not m:
        raise RuntimeError("wrk printed no result:\n" + out)
    v = {k: int(x) for k, x in (kv.split("=") for kv in m.group(1).split())}
    errors = {k: v[k] for k in ("connect", "read", "write", "timeout", "status") if v[k]}
    # wrk counts non-2xx/3xx answers in both requests and errors.status
    return Load(
        "wrk",
        v["requests"] - v["status"],
        v["duration_us"] / 1e6,
        v["p50_us"] / 1000,
        v["p99_us"] / 1000,
        errors,
        _children_cpu() - before,
    )


def _children_cpu() -> float:
    """User + system CPU seconds of this process's finished children (wrk)."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def body(rng: random.Random, box: tuple[float, float, float]) -> bytes:
    """A random incident inside the bench cells, as JSON bytes."""
    x0, y0, w = box
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "kind": "incident",
            "category": "traffic",
            "priority": "routine",
            "description": "bench",
            "occurred_at": datetime.now(UTC).isoformat(),
            "lon": x0 + rng.uniform(1e-4, w - 1e-4),
            "lat": y0 + rng.uniform(1e-4, w - 1e-4),
        }
    ).encode()


async def _client(
    host: str,
    port: int,
    token: str,
    stop: float,
    box: tuple[float, float, float],
    lat: list[float],
    errors: dict[str, int],
    seed: int,
) -> None:
    """One keep-alive connection posting records back to back until ``stop``."""
    rng = random.Random(seed)
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop:
            data = body(rng, box)
            t0 = time.perf_counter()
            writer.write(head + str(len(data)).encode() + b"\r\n\r\n" + data)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            status = int(status_line.split()[1])
            if 200 <= status < 300:
                lat.append(time.perf_counter() - t0)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
    finally:
        writer.close()


def run_python(
    base: str, token: str, clients: int, seconds: float, box: tuple[float, float, float]
) -> Load:
    """Drive the server with ``clients`` raw asyncio connections (the fallback without wrk)."""
    host, port = base.removeprefix("http://").split(":")
    lat: list[float] = []
    errors: dict[str, int] = {}

    async def main() -> float:
        start = time.perf_counter()
        await asyncio.gather(
            *(
                _client(host, int(port), token, start + seconds, box, lat, errors, i)
                for i in range(clients)
            )
        )
        return time.perf_counter() - start

    cpu0 = time.process_time()
    elapsed = asyncio.run(main())
    cpu = time.process_time() - cpu0
    arr = np.asarray(lat) * 1000
    p50, p99 = np.percentile(arr, [50, 99]) if arr.size else (float("nan"),) * 2
    return Load("python", len(lat), elapsed, float(p50), float(p99), errors, cpu)


def drive(
    base: str,
    token: str,
    clients: int,
    seconds: float,
    box: tuple[float, float, float],
    tool: str = "auto",
) -> Load:
    """Run the chosen generator (``auto``: wrk when installed, else the Python client)."""
    if tool == "wrk" or (tool == "auto" and wrk_available()):
        return run_wrk(base, token, clients, seconds, box)
    return run_python(base, token, clients, seconds, box)
