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


def token_subject(token: str, secret: str) -> str:
    """The username in a valid token; NotAuthenticated when it is forged, expired or malformed."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM])
    except jwt.ExpiredSignatureError as e:
        raise NotAuthenticated("token expired; sign in again", ("header", "Authorization")) from e
    except jwt.PyJWTError as e:
        raise NotAuthenticated("invalid token", ("header", "Authorization")) from e
    sub = claims.get("sub")
    if not isinstance(sub, str):
        raise NotAuthenticated("invalid token", ("header", "Authorization"))
    return sub


class TokenCache:
    """Verified tokens by their exact text, so each token's signature is checked once per process.

    An entry is used only while the token's own ``exp`` lies ahead; after that the token is decoded
    again, which refuses it as expired. Only verified tokens are kept, at most ``size`` of them.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._verified: dict[tuple[str, str], tuple[str, float]] = {}

    def subject(self, token: str, secret: str) -> str:
        """The username in ``token`` (as ``token_subject``), from the cache when still valid."""
        hit = self._verified.get((token, secret))
        if hit is not None and time.time() < hit[1]:
            return hit[0]
        username = token_subject(token, secret)
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
        if isinstance(exp, (int, float)):
            if len(self._verified) >= self.size:
                self._verified.clear()
            self._verified[(token, secret)] = (username, float(exp))
        return username
