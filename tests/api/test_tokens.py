"""Bearer tokens signed with the server's own key are still refused (401 naming the
Authorization header, nothing written) unless they carry a subject, an issue time and an expiry no
further apart than the server issues: through the router and through the direct record entry, the
first time and again once the verified-token cache has seen them."""

from __future__ import annotations

import base64
import time

import jwt
import pytest
from conftest import record_body

from api.accounts.security import ALGORITHM

HOUR = 3600


def _b64(raw: bytes) -> str:
    """``raw`` in unpadded base64url, as a JWT segment."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(now: int) -> dict[str, dict[str, object]]:
    """Bad claim sets, by name, issued ``now``."""
    return {
        "no exp": {"sub": "officer", "iat": now},
        "no sub": {"iat": now, "exp": now + HOUR},
        "no iat": {"sub": "officer", "exp": now + HOUR},
        "nothing": {},
        "exp as words": {"sub": "officer", "iat": now, "exp": "tomorrow"},
        "exp as digits text": {"sub": "officer", "iat": now, "exp": str(now + HOUR)},
        "exp true": {"sub": "officer", "iat": now, "exp": True},
        "exp null": {"sub": "officer", "iat": now, "exp": None},
        "exp a list": {"sub": "officer", "iat": now, "exp": [now + HOUR]},
        "iat as text": {"sub": "officer", "iat": str(now), "exp": now + HOUR},
        "sub a number": {"sub": 7, "iat": now, "exp": now + HOUR},
        "sub empty": {"sub": "", "iat": now, "exp": now + HOUR},
        "expired": {"sub": "officer", "iat": now - 2 * HOUR, "exp": now - HOUR},
        "issued in the future": {"sub": "officer", "iat": now + HOUR, "exp": now + 2 * HOUR},
        "a century long": {"sub": "officer", "iat": now, "exp": now + 100 * 365 * 24 * HOUR},
        "exp huge": {"sub": "officer", "iat": now, "exp": 10**30},
        "unknown user": {"sub": "nobody", "iat": now, "exp": now + HOUR},
    }


NAMES = list(_claims(0))


def _bad_token(api, name: str) -> str:  # noqa: ANN001
    """The token ``name`` signed with the server's real key."""
    return jwt.encode(_claims(int(time.time()))[name], api.store.secret, algorithm=ALGORITHM)


OTHER = {  # tokens not signed as the server signs
    "other key": lambda api: jwt.encode(
        {"sub": "officer", "iat": int(time.time()), "exp": int(time.time()) + HOUR},
        "another-secret-0123456789abcdef012345",
        algorithm=ALGORITHM,
    ),
    "HS512 with the real key": lambda api: jwt.encode(
        {"sub": "officer", "iat": int(time.time()), "exp": int(time.time()) + HOUR},
        api.store.secret,
        algorithm="HS512",
    ),
    "unsigned": lambda api: jwt.encode(
        {"sub": "officer", "iat": int(time.time()), "exp": int(time.time()) + HOUR},
        None,
        algorithm="none",
    ),
    "not a jwt": lambda api: "not.a.token",
    "header nested deep": lambda api: _b64(b"[" * 3000) + "." + _b64(b"{}") + ".c2ln",
    "header not an object": lambda api: _b64(b'"HS256"') + "." + _b64(b"{}") + ".c2ln",
}


def _refused(r) -> None:  # noqa: ANN001
    """Assert a 401 naming the Authorization header with a Bearer challenge."""
    assert r.status_code == 401, r.text
    assert r.json()["detail"][0]["loc"] == ["header", "Authorization"]
    assert r.headers["www-authenticate"] == "Bearer"


def _tokens(api) -> list[tuple[str, str]]:  # noqa: ANN001
    """(name, token) of every bad token."""
    return [(n, _bad_token(api, n)) for n in NAMES] + [(n, f(api)) for n, f in OTHER.items()]


@pytest.mark.parametrize("name", NAMES + list(OTHER))
def test_bad_token_refused_by_the_router(api, name):
    token = dict(_tokens(api))[name]
    for _ in range(2):  # the second time past the verified-token cache
        _refused(api.client.get("/api/v1/records", headers={"Authorization": f"Bearer {token}"}))


@pytest.mark.parametrize("name", NAMES + list(OTHER))
def test_bad_token_refused_by_the_direct_record_entry(api, name):
    token = dict(_tokens(api))[name]
    before = (api.count("records"), api.count("audit_log"))
    for _ in range(2):
        r = api.client.post(
            "/api/v1/records", json=record_body(), headers={"Authorization": f"Bearer {token}"}
        )
        _refused(r)
    assert (api.count("records"), api.count("audit_log")) == before


def test_a_token_the_server_issued_is_accepted_on_both_paths(api):
    headers = api.auth("officer")
    for _ in range(2):
        assert api.client.get("/api/v1/records", headers=headers).status_code == 200
    r = api.client.post("/api/v1/records", json=record_body(), headers=headers)
    assert r.status_code == 201, r.text
