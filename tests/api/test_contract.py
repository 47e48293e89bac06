"""The OpenAPI document is the contract: Schemathesis sends every operation generated requests (as
admin and as an officer, on SQLite and on PostGIS) and every answer must be no server error, have a
documented status and content type, and match its documented schema.

Seeded (derandomised) with a fixed example budget per operation, so it finds the same things on
every run and stays within a few minutes on a small CI machine. The requests go through the `api`
fixture's TestClient, so the app, its store and its event loop are those the other tests use.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, note, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.analytics.responses import Coverage, HeatLayer, Hotspots, MapContext, Profile, Table
from api.edge.responses import FeatureCollection, PlaceProps, RecordDetail, RecordOut
from api.main import create_app
from api.settings import Settings
from tests.api.conftest import X0, Y0, Api, W, record_body

# random requests per operation, role and backend, after the boundary cases; CI keeps the budget
# small, a deeper run sets WANGGE_FUZZ_EXAMPLES (e.g. 100) and takes proportionally longer
EXAMPLES = int(os.environ.get("WANGGE_FUZZ_EXAMPLES", "5"))
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


def _some_data(api: Api) -> dict[str, str]:
    """Records (plain, served by the direct entry, and with parties, by the router), a place and a
    service centre, so that the answers Schemathesis checks have rows and features in them."""
    now = datetime.now(UTC)
    made: dict[str, str] = {}
    for i in range(8):
        user = "officer" if i % 2 == 0 else "officer2"
        x = X0 + (0.004 if user == "officer" else W + 0.004) + i * 0.0002
        extra: dict[str, Any] = (
            {"parties": [{"name": "张三", "phone": "13800001111"}]} if i < 2 else {}
        )
        body = record_body(
            lon=x, lat=Y0 + 0.007, occurred_at=(now - timedelta(days=i + 1)).isoformat(), **extra
        )
        r = api.post("/records", user, json=body)
        assert r.status_code == 201, r.text
        made.setdefault(f"record_{user}", body["id"])
    place = {
        "id": str(uuid.uuid4()),
        "kind": "rental",
        "name": "出租屋",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
    }
    r = api.post("/places", "officer", json=place)
    assert r.status_code == 201, r.text
    made["place"] = place["id"]
    centre = {
        "kind": "station",
        "name": "服务站",
        "lon": X0 + 0.0025,
        "lat": Y0 + 0.006,
        "radius_m": 300,
    }
    assert api.post("/analytics/centres", "admin", json=centre).status_code == 201
    made.update(_register_data(api))
    return made


def _register_data(api: Api) -> dict[str, str]:
    """A household, a resident and an organisation in the officer's building (the register)."""
    from tests.api.test_register import building_in, fresh_id, household, person_body

    h = household(api)
    p = api.post("/persons", "officer", json=person_body(h["id"], id_number=fresh_id()))
    assert p.status_code == 201, p.text
    org = {
        "id": str(uuid.uuid4()),
        "name": "商店",
        "org_type": "shop",
        "building_id": h["building_id"],
    }
    assert api.post("/organisations", "officer", json=org).status_code == 201
    return {
        "household": h["id"],
        "person": p.json()["id"],
        "organisation": org["id"],
        "building": str(building_in(api, h["cell_code"])),
    }


REGISTER_PATHS = {
    "/households/": "household",
    "/persons/": "person",
    "/organisations/": "organisation",
    "/buildings/": "building",
}


def _aimed_id(path: str, data: dict[str, str]) -> str:
    """The stored object a generated path ``id`` is pointed at."""
    for part, name in REGISTER_PATHS.items():
        if part in path:
            return data[name]
    return data["place"] if "/places/" in path else data["record_officer"]


@pytest.fixture(scope="module")
def data(api: Api) -> dict[str, str]:
    """``_some_data`` once per backend for this module."""
    return _some_data(api)


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


def aim(case: Any, data: dict[str, str]) -> None:
    """Point three in four generated requests (chosen by their content, so runs repeat) at what
    exists: a path ``id`` at the fixture record or place, a body's point inside the officer's cell
    and its ``id`` at a stored one, so that writes, resends, patches and conflicts are reached."""
    key = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
    if key % 4 == 3:
        return
    params = case.path_parameters
    if params and "id" in params:
        params["id"] = _aimed_id(case.path, data)
    body = case.body
    if isinstance(body, dict):
        if "lon" in body and "lat" in body:
            body["lon"], body["lat"] = X0 + 0.004 + (key % 97) * 1e-5, Y0 + 0.007
        if "kind" in body and "category" in body and case.path.endswith("/records"):
            body["kind"], body["category"] = "incident", "fire"
            body["occurred_at"] = "2024-05-01T08:00:00+08:00"  # when the cells exist
        if "building_id" in body:
            body["building_id"] = int(data["building"])
        if "household_id" in body:
            body["household_id"] = data["household"]
        if "id" in body and key % 3 == 0:
            body["id"] = data["place"] if case.path.endswith("/places") else data["record_officer"]


def test_document_is_the_apps(api: Api) -> None:
    """The document the cases come from is the one the running app serves."""
    assert api.client.get("/openapi.json").json() == DOCUMENT


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_contract(case: Any, api: Api, role: str, data: dict[str, str]) -> None:
    """Requests generated for each operation (its examples, the boundary cases of every parameter
    and random ones, valid and invalid) each get an answer the document allows: a documented
    status and content type, a body matching its schema, never a 5xx."""
    headers = dict(api.auth(role))
    aim(case, data)
    note(f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r}")
    response = send(api, case, headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


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
        Table.model_validate(r.json())


GPKG_AFTER_SPATIALITE = """
import shapely, geopandas as gpd, sys
from api.io.router import Format, encode
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


def test_answers_match_their_models(api: Api, data: dict[str, str]) -> None:
    """Successful answers with rows in them, the direct entry's included, match the documented
    models field for field (the models forbid unknown fields)."""
    body = record_body(lon=X0 + 0.003, lat=Y0 + 0.008)
    direct = api.post("/records", "officer", json=body)  # a plain record: the direct entry
    assert direct.status_code == 201, direct.text
    RecordOut.model_validate(direct.json())
    RecordOut.model_validate(api.post("/records", "officer", json=body).json())  # resend: 200
    general = record_body(lon=X0 + 0.003, lat=Y0 + 0.008, parties=[{"name": "李四"}])
    routed = api.post("/records", "officer", json=general)  # with a party: the router
    assert routed.status_code == 201, routed.text
    RecordOut.model_validate(routed.json())
    assert set(routed.json()) == set(direct.json())
    for user in ("admin", "officer"):
        listed = api.get("/records", user).json()
        assert listed and [RecordOut.model_validate(r) for r in listed]
        RecordDetail.model_validate(api.get(f"/records/{data['record_officer']}", user).json())
        places = FeatureCollection[PlaceProps].model_validate(api.get("/places", user).json())
        assert places.features
        heat = HeatLayer.model_validate(api.get("/analytics/heat", user).json())
        assert heat.features
        # the fuzzer may have retired the fixture's centre (DELETE /analytics/centres/{id})
        centre = {"kind": "station", "name": "站", "lon": X0 + 0.0025, "lat": Y0 + 0.006}
        assert api.post("/analytics/centres", "admin", json=centre).status_code == 201
        Coverage.model_validate(api.get("/analytics/coverage", user).json())
        Profile.model_validate(api.get("/analytics/profile", user).json())
        MapContext.model_validate(api.get("/analytics/context", user).json())
        Hotspots.model_validate(api.get("/analytics/hotspots", user).json())
        Table.model_validate(api.get("/analytics/table", user).json())
