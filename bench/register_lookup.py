"""Register lookup by ID number at 1M people on PostGIS: the blind-index lookup the API runs
(``persons.id_index`` = HMAC of the number, then the row's name and ID decrypted) against the
peer, a plain-text lookup on an indexed unencrypted column of the same rows (what a store without
encryption would do). Prints p50/p99 of each and the ratio. Target (DESIGN §8): p99 ≤ 10 ms.

The people are fictitious (valid ID numbers by checksum, drawn names), loaded with COPY into a
fresh database that is dropped afterwards.

    .venv/bin/python bench/register_lookup.py [--people 1000000] [--lookups 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.migrate import upgrade  # noqa: E402
from api.register.crypto import DataCipher, new_key  # noqa: E402
from grid.register.idnumbers import make_id  # noqa: E402

PG = os.environ.get("WANGGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/")
PER_HOUSEHOLD = 3


def numbers(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct valid ID numbers (births spread over 80 years, distinct sequences)."""
    days = rng.integers(0, 80 * 365, n)
    base = date(1940, 1, 1).toordinal()
    return [
        make_id("120101", date.fromordinal(base + int(d)), 100 + i % 900)
        for i, d in enumerate(days)
    ]


def load(url: str, n: int, cipher: DataCipher) -> list[str]:
    """``n`` people in ``n / 3`` households of one building and room, by COPY; their numbers."""
    rng = np.random.default_rng(11)
    ids = list(dict.fromkeys(numbers(n + n // 50, rng)))[:n]  # drawn with room for repeats
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO buildings (id, households, households_estimated, geom) VALUES "
            "(1, 0, false, ST_GeomFromText('MULTIPOLYGON(((117.2 39.1,117.201 39.1,117.201 "
            "39.101,117.2 39.1)))', 4326))"
        )
        conn.execute(
            "INSERT INTO rooms (id, building_id, unit, floor, room, use) "
            "VALUES (1, 1, '1', '1', '101', 'own')"
        )
        homes = [uuid.uuid4() for _ in range(len(ids) // PER_HOUSEHOLD + 1)]
        with conn.cursor().copy(
            "COPY households (id, room_id, building_id, household_no, created_at, updated_at, "
            "version, content_hash) FROM STDIN"
        ) as copy:
            for h in homes:
                copy.write_row((h, 1, 1, "", now, now, 1, "x"))
        conn.execute("ALTER TABLE persons ADD COLUMN plain_id text")  # the peer's column
        with conn.cursor().copy(
            "COPY persons (id, household_id, building_id, person_type, relation, name, "
            "id_number, id_index, plain_id, created_at, updated_at, version, content_hash) "
            "FROM STDIN"
        ) as copy:
            for i, number in enumerate(ids):
                copy.write_row(
                    (
                        uuid.uuid4(),
                        homes[i // PER_HOUSEHOLD],
                        1,
                        "registered",
                        "self",
                        cipher.encrypt("name", f"居民{i}"),
                        cipher.encrypt("id_number", number),
                        cipher.index(number),
                        number,
                        now,
                        now,
                        1,
                        "x",
                    )
                )
        conn.execute("CREATE INDEX ix_persons_plain_id ON persons (plain_id)")
        conn.execute("ANALYZE persons")
    return ids


def timed(
    conn: psycopg.Connection, sql: str, keys: list[str], decrypt: DataCipher | None
) -> np.ndarray:
    """Milliseconds per lookup of each key (the row fetched, and decrypted when ``decrypt``)."""
    out = []
    for key in keys:
        start = time.perf_counter()
        row = conn.execute(sql, (decrypt.index(key) if decrypt else key,)).fetchone()
        assert row is not None
        if decrypt:
            assert decrypt.decrypt("id_number", row[1]) == key
            decrypt.decrypt("name", row[0])
        out.append((time.perf_counter() - start) * 1000)
    return np.array(out)


def main() -> None:
    """Load, look up, print ours vs the plain-text peer."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--lookups", type=int, default=2000)
    args = p.parse_args()
    name = f"wangge_bench_lookup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG + "postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG + name
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        upgrade(url)
        cipher = DataCipher(new_key())
        start = time.perf_counter()
        ids = load(url, args.people, cipher)
        print(f"loaded {len(ids)} people in {time.perf_counter() - start:.0f} s")
        keys = [ids[i] for i in np.random.default_rng(5).integers(0, len(ids), args.lookups)]
        with psycopg.connect(url, autocommit=True, prepare_threshold=0) as conn:
            ours_sql = (
                "SELECT name, id_number FROM persons WHERE id_index = %s "
                "AND moved_out IS NULL LIMIT 50"
            )
            peer_sql = (
                "SELECT name, id_number FROM persons WHERE plain_id = %s "
                "AND moved_out IS NULL LIMIT 50"
            )
            timed(conn, ours_sql, keys[:100], cipher)  # warm the cache and plans
            timed(conn, peer_sql, keys[:100], None)
            ours = timed(conn, ours_sql, keys, cipher)
            peer = timed(conn, peer_sql, keys, None)
        load_avg = os.getloadavg()[0]
        for label, ms in (("ours (blind index + decrypt)", ours), ("peer (plain text)", peer)):
            print(
                f"{label:30} p50 {np.percentile(ms, 50):6.2f} ms  p99 "
                f"{np.percentile(ms, 99):6.2f} ms"
            )
        print(
            f"ratio p99 ours/peer: {np.percentile(ours, 99) / np.percentile(peer, 99):.2f}  "
            f"(target p99 <= 10 ms; load average {load_avg:.1f})"
        )
    finally:
        with psycopg.connect(PG + "postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
