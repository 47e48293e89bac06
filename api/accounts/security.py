"""Passwords (argon2) and bearer tokens (JWT signed with WANGGE_SECRET_KEY)."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.errors import NotAuthenticated
from api.models import utcnow

_hasher = PasswordHasher()
ALGORITHM = "HS256"
REQUIRED = ["exp", "iat", "sub"]  # claims every token must carry


def hash_password(password: str) -> str:
    """The argon2id hash to store for ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_token(username: str, secret: str, minutes: int) -> str:
    """A signed access token naming ``username`` that expires after ``minutes``."""
    now = utcnow()
    claims = {"sub": username, "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _refused(msg: str = "invalid token") -> NotAuthenticated:
    """The 401 for a token we do not accept, naming the header it came in."""
    return NotAuthenticated(msg, ("header", "Authorization"))


def _numeric_date(value: object) -> bool:
    """Whether ``value`` is a JWT NumericDate: a JSON number (not text, not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def verified_claims(token: str, secret: str, max_minutes: int) -> tuple[str, float]:
    """The username and expiry of a valid token: signed with ``secret``, with a subject, an
    issue time and an expiry (numbers) at most ``max_minutes`` apart, and not expired; otherwise
    NotAuthenticated. A token lacking any of these would be accepted forever."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": REQUIRED})
    except jwt.ExpiredSignatureError as e:
        raise _refused("token expired; sign in again") from e
    except jwt.PyJWTError as e:
        raise _refused() from e
    sub, iat, exp = claims["sub"], claims["iat"], claims["exp"]
    if not isinstance(sub, str) or not sub or not (_numeric_date(iat) and _numeric_date(exp)):
        raise _refused()
    if exp - iat > max_minutes * 60:
        raise _refused("token lifetime longer than this server issues")
    return sub, float(exp)


class TokenCache:
    """Verified tokens by their exact text, so each token's signature is checked once per process.

    An entry is used only while the token's own ``exp`` lies ahead; after that the token is decoded
    again, which refuses it as expired. Only verified tokens (``verified_claims``: subject, issue
    time and expiry present) are kept, at most ``size`` of them.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._verified: dict[tuple[str, str], tuple[str, float]] = {}

    def subject(self, token: str, secret: str, max_minutes: int) -> str:
        """The username in ``token`` (``verified_claims``), from the cache when still valid."""
        hit = self._verified.get((token, secret))
        if hit is not None and time.time() < hit[1]:
            return hit[0]
        username, exp = verified_claims(token, secret, max_minutes)
        if len(self._verified) >= self.size:
            self._verified.clear()
        self._verified[(token, secret)] = (username, exp)
        return username
