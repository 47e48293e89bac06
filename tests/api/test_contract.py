"""The OpenAPI document is the contract: Schemathesis sends every operation generated requests (as
admin and as an officer, on SQLite and on PostGIS) and every answer must be no server error, have a
documented status and content type, and match its documented schema.

Seeded (derandomised) with a fixed example budget per operation, so it finds the same things on
every run and stays within a few minutes on a small CI machine. The requests go through the `api`
fixture's TestClient, so the app, its store and its event loop are those the other tests use.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import Api

EXAMPLES = 25  # generated requests per operation, role and backend (positive and negative)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BASE = "http://testserver"


def _document() -> dict[str, Any]:
    """The app's OpenAPI document, built at collection time without a database (assembling the
    app needs no store until it serves a request)."""
    tmp = Path(tempfile.gettempdir())
    cfg = Settings(
        database_url="sqlite://", secret_key="k" * 40, photo_dir=tmp, web_dir=tmp / "no-web"
    )
    return create_app(cfg, store=object()).openapi()  # type: ignore[arg-type]


DOCUMENT = _document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [r.ok().label for r in SCHEMA.get_all_operations()]


@pytest.fixture(params=["admin", "officer"])
def role(request: pytest.FixtureRequest) -> str:
    """The user the generated requests are sent as."""
    return request.param


def send(api: Api, case: Any, headers: dict[str, str]) -> Any:
    """Send ``case`` through the TestClient: the request is encoded as Schemathesis means it
    (its arguments are for ``requests``), then the bytes go to the app."""
    kw = case.as_transport_kwargs(base_url=BASE, headers=headers)
    kw.pop("auth", None)
    prepared = requests.Request(**kw).prepare()
    body = prepared.body
    api.client.cookies.clear()
    return api.client.request(
        prepared.method or "GET",
        prepared.url or BASE,
        headers=dict(prepared.headers),
        content=body.encode() if isinstance(body, str) else body,
    )


def test_document_is_the_apps(api: Api) -> None:
    """The document the cases come from is the one the running app serves."""
    assert api.client.get("/openapi.json").json() == DOCUMENT


@pytest.mark.slow
@pytest.mark.parametrize("label", OPERATIONS)
def test_contract(api: Api, role: str, label: str) -> None:
    """Requests generated for the operation (valid and invalid) each get an answer the document
    allows: a documented status and content type, a body matching its schema, never a 5xx."""
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    headers = dict(api.auth(role))
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def check(case: Any) -> None:
        note(f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r}")
        response = send(api, case, headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()


# --- what Schemathesis found, each as a plain regression test ------------------------------------


def test_body_that_is_not_utf8_is_a_field_error(api: Api) -> None:
    """A JSON body that is not UTF-8 at all answers 422 on ``body`` (it was an undocumented 400)."""
    place = "cccae0fc-8445-481a-a8b8-3419326e975d"
    headers = {**api.auth("admin"), "Content-Type": "application/json"}
    r = api.client.patch(f"/api/v1/places/{place}", content=b"\xff\x16\xfeY", headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body"]


@pytest.mark.parametrize("format", ["json", "csv"])
def test_table_of_a_period_before_any_cell(api: Api, format: str) -> None:
    """A period before the first cell existed is an empty table, not a server error (merging the
    empty KPI frame, whose key column had no type, failed)."""
    r = api.get("/analytics/table", "admin", params={"to": "2000-01-01", "format": format})
    assert r.status_code == 200, r.text
    if format == "json":
        assert r.json()["rows"] == []


GPKG_AFTER_SPATIALITE = """
import shapely, geopandas as gpd, sys
from api.routers.exports import Format, encode
from api.db import make_engine
engine = make_engine("sqlite:///" + sys.argv[1])
with engine.connect():
    pass
gdf = gpd.GeoDataFrame({"code": ["1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
print(len(encode(gdf, Format.GPKG, "cells")[0]) > 0)
"""


def test_geopackage_export_after_spatialite_does_not_crash(tmp_path: Path) -> None:
    """The first GeoPackage export of a process that has opened the SQLite store works (GDAL loaded
    after mod_spatialite segfaulted the server); its own process, as a crash would take pytest."""
    import os
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", GPKG_AFTER_SPATIALITE, str(tmp_path / "s.sqlite")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr[-2000:]
