"""A small pool of autocommitting async psycopg connections for single-statement writes on PostGIS.

The hot write path (``api.records.batch``) is one self-contained statement per round of records,
so it needs no session, no transaction block and no thread: it runs on the event loop over one of
these connections. Each connection belongs to the event loop that opened it; a pool used from
another loop (tests that start their own) drops the old connections and starts again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine

IDLE = TransactionStatus.IDLE
CONNECT_TIMEOUT = 10  # seconds to open a connection
STATEMENT_TIMEOUT = "30s"  # longest a write statement may run
LOCK_TIMEOUT = "10s"  # longest a write statement may wait for a row lock


def conninfo(engine: Engine) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL engine."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncPgPool:
    """At most ``size`` autocommit connections, opened on first use and reused."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn, self.size = dsn, size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection] = []
        self._slots: asyncio.Semaphore | None = None

    def _bind(self) -> asyncio.Semaphore:
        """The slot semaphore of the running loop (a new pool if the loop changed)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            self.discard()
            self._loop, self._slots = loop, asyncio.Semaphore(self.size)
        return self._slots

    async def fetchall(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run one statement (its own transaction) on an idle connection (opening one if none)
        and return all its rows."""
        async with self._bind():
            conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed:
                conn = await self._connect()
            try:
                rows = await (await conn.execute(sql, params)).fetchall()
            except BaseException:
                # an idle connection is reusable (the statement failed and was rolled back);
                # a broken or interrupted one is closed and the next write opens a fresh one
                if conn.closed or conn.info.transaction_status != IDLE:
                    conn.pgconn.finish()
                else:
                    self._idle.append(conn)
                raise
            self._idle.append(conn)
            return rows

    async def _connect(self) -> psycopg.AsyncConnection:
        """A new autocommit connection whose statements give up rather than hang: a stalled
        database or a held lock becomes an error (which the caller may retry), not a request
        that waits for ever."""
        conn = await psycopg.AsyncConnection.connect(
            self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT
        )
        await conn.execute(
            f"SET statement_timeout = '{STATEMENT_TIMEOUT}'; SET lock_timeout = '{LOCK_TIMEOUT}'"
        )
        return conn

    def discard(self) -> None:
        """Close every idle connection (synchronously: their loop may be gone)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            if not conn.closed:
                conn.pgconn.finish()

    async def close(self) -> None:
        """Close the pool's connections on its own loop (at shutdown)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()
