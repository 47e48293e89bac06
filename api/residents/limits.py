"""Abuse resistance of the public channel without a third-party service: keyed hashes of the
caller's address and phone (the phone's is the register cipher's blind index), and per-address
and per-phone rate limits.

Reports are counted in the database (``resident_reports``), so the limits hold across worker
processes; photo uploads, which leave no row of their own, are counted per process.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import defaultdict, deque
from datetime import timedelta

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.errors import TooMany
from api.models import ResidentReport, utcnow
from api.settings import Settings

HOUR = 3600.0
# the field name a reporter's phone is sealed under (``api.register.crypto``: associated data)
PHONE_FIELD = "resident_phone"


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (only ever stored as a keyed hash)."""
    return request.client.host if request.client else "unknown"


def keyed(secret: str, purpose: str, value: str) -> str:
    """A keyed hash of ``value`` (an address or a phone) for ``purpose``: countable, not
    reversible without the server's key, so the raw value need not be kept."""
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def digits(phone: str) -> str:
    """A phone number's digits (and a leading +), so spacing does not dodge the limit."""
    return ("+" if phone.startswith("+") else "") + "".join(c for c in phone if c.isdigit())


def check_report_limits(
    session: Session, settings: Settings, ip_hash: str, phone_hash: str | None
) -> None:
    """Refuse (429) a report over the per-address hourly or per-phone daily limit."""
    now = utcnow()
    by_ip = session.scalar(
        select(func.count())
        .select_from(ResidentReport)
        .where(
            ResidentReport.ip_hash == ip_hash,
            ResidentReport.created_at >= now - timedelta(hours=1),
        )
    )
    if (by_ip or 0) >= settings.report_ip_per_hour:
        raise TooMany(
            f"at most {settings.report_ip_per_hour} reports an hour from one address",
            ("body",),
        )
    if phone_hash is None:
        return
    by_phone = session.scalar(
        select(func.count())
        .select_from(ResidentReport)
        .where(
            ResidentReport.phone_hash == phone_hash,
            ResidentReport.created_at >= now - timedelta(days=1),
        )
    )
    if (by_phone or 0) >= settings.report_phone_per_day:
        raise TooMany(
            f"at most {settings.report_phone_per_day} reports a day from one phone",
            ("body", "phone"),
        )


class Window:
    """A per-process sliding window: at most ``limit`` hits per key in ``seconds``."""

    def __init__(self, limit: int, seconds: float = HOUR) -> None:
        self.limit, self.seconds = limit, seconds
        self.hits: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def hit(self, key: str, loc: tuple[str, ...] = ("body", "file")) -> None:
        """Count one hit for ``key``, or refuse it (429) when the window is full."""
        now = time.monotonic()
        with self.lock:
            q = self.hits[key]
            while q and q[0] <= now - self.seconds:
                q.popleft()
            if len(q) >= self.limit:
                raise TooMany(f"at most {self.limit} photos an hour from one address", loc)
            q.append(now)
