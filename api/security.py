"""Passwords (argon2) and bearer tokens (JWT signed with WANGGE_SECRET_KEY)."""

from __future__ import annotations

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
