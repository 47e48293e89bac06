"""OGC API – Features read by GDAL, the real client: a live uvicorn server on SQLite and on
PostGIS, every collection read through GDAL's ``OAPIF`` driver (pyogrio) as admin and as an
officer, compared with what the database holds in that user's scope; paging, CQL2, CRS, errors,
and no personal data in any collection."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import geopandas as gpd
import h3
import httpx
import pyogrio
import pytest
import shapely
from conftest import C1, C2, PASSWORDS, X0, Y0, W, fresh_database, record_body, seed
from sqlalchemy import create_engine, insert, select, text

from api.db import session_scope
from api.io.loaders import load_buildings
from api.models import Building, RegisterAddress
from api.settings import Settings
from api.store import make_store
from grid.register.creditcodes import make_credit_code
from grid.register.idnumbers import make_id
from tests.web.conftest import ROOT, running_server

PARTY = ("张三丰", "13800001111", "110101199003071234", "李四光", "13911112222")
RESIDENT = ("欧阳明轩", "13912345678", make_id("120101", date(1986, 3, 14), 271))
CONTACT = ("赵老板", "13811112222", "钱经理", "13722223333")
PERSONAL = (*PARTY, *RESIDENT, *CONTACT)  # in records, places and the register: never served
N_BUILDINGS = 48  # beside the fixture's two: 50 in all, several GDAL pages of 10


@dataclass
class Live:
    """The running server, its database, a token per user and its data key file."""

    base: str
    db: str
    tokens: dict[str, str]
    data_key_file: str = ""

    def get(self, path: str, user: str = "admin", **params: Any) -> httpx.Response:
        """GET ``/ogcapi{path}`` as ``user``."""
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        return httpx.get(self.base + "/ogcapi" + path, params=params, headers=headers, timeout=60)

    def sql(self, query: str, **params: Any) -> list[Any]:
        """Rows of a query on the server's database (the test's own view of the truth)."""
        engine = create_engine(self.db.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(query), params).all())
        finally:
            engine.dispose()


def _extra_buildings() -> gpd.GeoDataFrame:
    """Small footprints spread over the four fixture cells."""
    rows, geoms = [], []
    for i in range(N_BUILDINGS):
        comm, north = (C1, C2)[i % 2], (i // 2) % 2 == 0
        x = X0 + (i % 2) * W + 0.0005 + (i // 4) * 0.0007
        y = Y0 + (0.006 if north else 0.001)
        rows.append({"households": 10 + i, "name": f"楼{i}", "households_estimated": i % 3 == 0,
                     "cell_code": comm + ("001" if north else "002")})  # fmt: skip
        geoms.append(shapely.box(x, y, x + 0.0003, y + 0.0003))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)


def _post(base: str, token: str, path: str, body: dict[str, Any]) -> None:
    """POST a JSON body to the JSON API; it must be created."""
    r = httpx.post(base + "/api/v1" + path, json=body, timeout=60,
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 201, r.text


def _addresses(store: Any) -> dict[str, int]:
    """A standard address for every other building (straight into the table, as the register's
    import does); the id of one building per cell."""
    with session_scope(store.sessions) as s:
        rows = s.execute(select(Building.id, Building.cell_code).order_by(Building.id)).all()
        s.execute(insert(RegisterAddress), [
            {"building_id": b, "address": f"南京路{b}号", "text": f"南京路{b}号楼"}
            for b, _ in rows[::2]])  # fmt: skip
    return {str(cell): int(b) for b, cell in reversed(rows)}


def _register(base: str, tokens: dict[str, str], buildings: dict[str, int]) -> None:
    """A household with a resident (name, ID number, phone) and two organisations with contact
    persons and phones (one located by its building, one by a point), through the JSON API."""
    hid = str(uuid.uuid4())
    room = {"unit": "1", "floor": "3", "room": "301", "use": "rented"}
    _post(base, tokens["officer"], "/households",
          {"id": hid, "building_id": buildings[C1 + "001"], **room})  # fmt: skip
    person = {"id": str(uuid.uuid4()), "household_id": hid, "name": RESIDENT[0],
              "phone": RESIDENT[1], "id_number": RESIDENT[2], "person_type": "floating",
              "relation": "self"}  # fmt: skip
    _post(base, tokens["officer"], "/persons", person)
    shop = {"id": str(uuid.uuid4()), "name": "和平商店", "org_type": "shop",
            "credit_code": make_credit_code("91120101MA05XXXX0"), "address": "南京路1号",
            "contact": CONTACT[0], "phone": CONTACT[1], "employees": 4,
            "building_id": buildings[C1 + "002"]}  # fmt: skip
    _post(base, tokens["officer"], "/organisations", shop)
    firm = {"id": str(uuid.uuid4()), "name": "劝业公司", "org_type": "company",
            "contact": CONTACT[2], "phone": CONTACT[3], "lon": X0 + W + 0.002,
            "lat": Y0 + 0.002}  # fmt: skip
    _post(base, tokens["officer2"], "/organisations", firm)


def _fill(base: str, tokens: dict[str, str]) -> None:
    """Records of every kind (some with parties: personal data), places (one with a landlord's
    name and phone) and a service centre, written through the JSON API as the tablets would."""
    now = datetime.now(UTC)
    party = [{"name": PARTY[0], "phone": PARTY[1], "id_number": PARTY[2]}]
    for i in range(12):
        user = "officer" if i % 3 else "officer2"
        x = X0 + (0.001 if user == "officer" else W + 0.001) + i * 0.0006
        kind, category = [("incident", "fire"), ("incident", "traffic"), ("dispute", "neighbour"),
                          ("patrol", "routine")][i % 4]  # fmt: skip
        body = record_body(kind=kind, category=category, lon=x, lat=Y0 + 0.007,
                           occurred_at=(now - timedelta(days=i + 1)).isoformat())  # fmt: skip
        if kind == "patrol":
            body.pop("priority")
        if i % 4 == 2:
            body["parties"] = party
        _post(base, tokens[user], "/records", body)
    attrs = {"landlord": PARTY[3], "landlord_phone": PARTY[4]}
    place = {"kind": "rental", "name": "出租屋", "lon": X0 + 0.004, "lat": Y0 + 0.007}
    _post(base, tokens["officer"], "/places", {"id": str(uuid.uuid4()), **place, "attrs": attrs})
    cafe = {"kind": "internet_cafe", "name": "网吧", "lon": X0 + W + 0.004, "lat": Y0 + 0.003}
    _post(base, tokens["officer2"], "/places", {"id": str(uuid.uuid4()), **cafe})
    centre = {"kind": "station", "name": "服务站", "lon": X0 + 0.0025, "lat": Y0 + 0.006}
    _post(base, tokens["admin"], "/analytics/centres", centre)


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """The server on a fresh database of each backend with the fixture world and some data."""
    tmp = tmp_path_factory.mktemp(f"ogc-{request.param}")
    gen = fresh_database(request.param, tmp)
    url = next(gen)
    settings = Settings(database_url=url, secret_key="k" * 40, photo_dir=tmp / "photos",
                        web_dir=tmp / "no-web")  # fmt: skip
    store = make_store(settings)
    seed(store)
    with session_scope(store.sessions) as s:
        load_buildings(s, _extra_buildings())
    buildings = _addresses(store)
    store.engine.dispose()
    with running_server(tmp, url) as base:
        tokens = {}
        for user in ("admin", "officer", "officer2", "street", "police"):
            form = {"username": user, "password": PASSWORDS[user]}
            r = httpx.post(base + "/api/v1/auth/token", data=form, timeout=60)
            tokens[user] = r.json()["access_token"]
        _fill(base, tokens)
        _register(base, tokens, buildings)
        yield Live(base, url, tokens, str(tmp / "data_key"))
    gen.close()


def _gdal(live: Live, user: str, layer: str, **kw: Any) -> gpd.GeoDataFrame:
    """``layer`` read by GDAL's OAPIF driver, signed in by the ``api_key`` query parameter
    (which GDAL carries into every request it makes), 10 features a page."""
    url = f"OAPIF:{live.base}/ogcapi?api_key={live.tokens[user]}"
    return pyogrio.read_dataframe(url, layer=layer, PAGE_SIZE=10, **kw)


SCOPE = {  # the cells each user may see (the fixture: officer leads C1's, officer2 C2's)
    "admin": (C1, C2),
    "officer": (C1,),
    "street": (C1, C2),
}


def _expected(live: Live, user: str, collection: str) -> dict[str, Any]:
    """The database's rows of ``collection`` in ``user``'s scope: id → a property to compare."""
    comms = SCOPE[user]
    like = " OR ".join(f"{{col}} LIKE '{c}%'" for c in comms)  # formatted with the column
    if collection == "communities":
        rows = live.sql(f"SELECT code, name FROM communities WHERE {like.format(col='code')}")
    elif collection == "cells":
        rows = live.sql(f"SELECT code, households FROM cells WHERE valid_to IS NULL "
                        f"AND ({like.format(col='code')})")  # fmt: skip
    elif collection == "buildings":
        rows = live.sql(
            f"SELECT id, households FROM buildings WHERE {like.format(col='cell_code')}"
        )
    elif collection.startswith("places"):
        kind = collection.partition("-")[2]
        extra = f" AND kind = '{kind}'" if kind else ""
        rows = live.sql(
            f"SELECT id, name FROM places WHERE ({like.format(col='cell_code')}){extra}"
        )
    elif collection.startswith("records"):
        kind = collection.partition("-")[2]
        extra = f" AND kind = '{kind}'" if kind else ""
        rows = live.sql(
            f"SELECT id, category FROM records WHERE ({like.format(col='cell_code')}){extra}"
        )
    elif collection == "addresses":
        on = "JOIN buildings b ON b.id = a.building_id"
        rows = live.sql(f"SELECT a.id, a.address FROM reg_addresses a {on} "
                        f"WHERE {like.format(col='b.cell_code')}")  # fmt: skip
    elif collection == "organisations":
        rows = live.sql(f"SELECT id, name FROM organisations WHERE {like.format(col='cell_code')}")
    elif collection == "centres":
        rows = live.sql("SELECT id, name FROM centres")
    else:  # heat: the records' res-9 bins of the last 30 days
        since = datetime.now(UTC) - timedelta(days=29)
        pts = live.sql(f"SELECT lat, lon, occurred_at FROM records "
                       f"WHERE {like.format(col='cell_code')}")  # fmt: skip
        bins: dict[str, int] = {}
        for lat, lon, at in pts:
            at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
            if at.replace(tzinfo=UTC) >= since:
                key = h3.latlng_to_cell(lat, lon, 9)
                bins[key] = bins.get(key, 0) + 1
        return bins
    return {str(uuid.UUID(str(k))) if collection[:2] in ("pl", "re", "or") else str(k): v
            for k, v in rows}  # fmt: skip


COLLECTIONS = {  # collection → (its id property, the property compared)
    "communities": ("code", "name"),
    "cells": ("code", "households"),
    "buildings": ("id", "households"),
    "places": ("id", "name"),
    "places-rental": ("id", "name"),
    "places-internet_cafe": ("id", "name"),
    "records": ("id", "category"),
    "records-incident": ("id", "category"),
    "records-dispute": ("id", "category"),
    "records-patrol": ("id", "category"),
    "centres": ("id", "name"),
    "addresses": ("id", "address"),
    "organisations": ("id", "name"),
    "heat": ("h3", "count"),
}


@pytest.mark.parametrize("user", ["admin", "officer", "street"])
def test_gdal_reads_every_collection_as_the_database_holds_it(live: Live, user: str) -> None:
    """Every collection, read by GDAL, has the features and values the database has in the
    user's scope: an officer sees only their own cells and what lies in them."""
    listed = pyogrio.list_layers(f"OAPIF:{live.base}/ogcapi?api_key={live.tokens[user]}")
    assert set(COLLECTIONS) <= {str(name) for name, _ in listed}
    for collection, (key, prop) in COLLECTIONS.items():
        got = _gdal(live, user, collection)
        want = _expected(live, user, collection)
        assert len(got) == len(want), (collection, user)
        if not want:  # an empty layer: GDAL has no features to learn its fields from
            continue
        seen = {str(k): v for k, v in zip(got[key], got[prop], strict=True)}
        assert seen == {str(k): v for k, v in want.items()}, (collection, user)
    officer_cells = set(_gdal(live, "officer", "cells")["code"])
    assert officer_cells and all(c.startswith(C1) for c in officer_cells)
    for layer in ("addresses", "organisations"):  # the register: the officer's cells only
        mine = _gdal(live, "officer", layer)
        assert len(mine) and set(mine["cell_code"]) <= officer_cells, layer


def test_gdal_pages_through_many_pages(live: Live) -> None:
    """50 buildings at 10 a page: GDAL follows the ``next`` links to the end, no feature twice."""
    got = _gdal(live, "admin", "buildings")
    assert len(got) == N_BUILDINGS + 2 and got["id"].is_unique
    page = live.get("/collections/buildings/items", limit="10", offset="20").json()
    assert page["numberMatched"] == N_BUILDINGS + 2 and page["numberReturned"] == 10
    assert [k["rel"] for k in page["links"]].count("next") == 1
    last = live.get("/collections/buildings/items", limit="10", offset="40").json()
    assert "next" not in [k["rel"] for k in last["links"]]
    huge = live.get("/collections/buildings/items", limit="99999999")
    assert huge.status_code == 200 and huge.json()["numberReturned"] == N_BUILDINGS + 2


def test_a_cql2_filter_selects_what_the_database_does(live: Live) -> None:
    """``kind = 'incident' AND category = 'fire'`` (as QGIS's filter box sends it) returns the
    database's fire incidents, through the API and through GDAL."""
    cql = "kind = 'incident' AND category = 'fire'"
    r = live.get("/collections/records/items", filter=cql, **{"filter-lang": "cql2-text"})
    assert r.status_code == 200, r.text
    want = live.sql("SELECT count(*) FROM records WHERE kind = 'incident' AND category = 'fire'")
    assert r.json()["numberMatched"] == want[0][0] > 0
    assert {f["properties"]["category"] for f in r.json()["features"]} == {"fire"}
    by_gdal = _gdal(live, "admin", "records", where="category = 'fire' AND kind = 'incident'")
    assert len(by_gdal) == want[0][0]
    r = live.get("/collections/buildings/items", filter="households >= 40 OR name LIKE '楼1%'")
    expected = live.sql("SELECT count(*) FROM buildings WHERE households >= 40 OR name LIKE '楼1%'")
    assert r.json()["numberMatched"] == expected[0][0]


def test_crs_epsg_4490_answers_lat_lon(live: Live) -> None:
    """``crs=EPSG:4490`` (CGCS2000) answers latitude first and says so in ``Content-Crs``;
    ``bbox-crs`` takes a bbox in that axis order; EPSG:3857 answers metres."""
    uri = "http://www.opengis.net/def/crs/EPSG/0/4490"
    plain = live.get("/collections/centres/items").json()["features"][0]["geometry"]
    r = live.get("/collections/centres/items", crs=uri)
    assert r.headers["content-crs"] == f"<{uri}>"
    lat_lon = r.json()["features"][0]["geometry"]["coordinates"]
    assert lat_lon == plain["coordinates"][::-1]
    box = f"{Y0},{X0},{Y0 + W},{X0 + W / 2}"  # lat/lon order, the west half of C1
    r = live.get("/collections/buildings/items", bbox=box, **{"bbox-crs": uri}, limit="100")
    west = live.get("/collections/buildings/items", bbox=f"{X0},{Y0},{X0 + W / 2},{Y0 + W}")
    assert r.json()["numberMatched"] == west.json()["numberMatched"] > 0
    merc = live.get("/collections/centres/items", crs="EPSG:3857").json()
    assert merc["features"][0]["geometry"]["coordinates"][0] > 1e7


def test_no_personal_data_in_any_collection(live: Live) -> None:
    """Names, phones and ID numbers of parties and landlords appear in no collection, in JSON
    or HTML, for the role that could see them in full elsewhere."""
    people = "SELECT count(*) FROM persons WHERE name IS NOT NULL AND phone IS NOT NULL"
    contacts = "SELECT count(*) FROM organisations WHERE contact IS NOT NULL AND phone IS NOT NULL"
    assert live.sql(people)[0][0] == 1 and live.sql(contacts)[0][0] == 2  # stored, encrypted
    for collection in COLLECTIONS:
        for f in ("json", "html"):
            body = live.get(f"/collections/{collection}/items", f=f, limit="1000").text
            assert not [p for p in PERSONAL if p in body], collection
    orgs = live.get("/collections/organisations/items").json()["features"]
    assert {o["properties"]["name"] for o in orgs} == {"和平商店", "劝业公司"}
    assert {k for o in orgs for k in o["properties"]} == {
        "id", "name", "org_type", "credit_code", "address", "employees", "place_id",
        "building_id", "cell_code", "community_code"}  # fmt: skip
    queryable = live.get("/collections/organisations/queryables").json()["properties"]
    assert "name" in queryable and not {"contact", "phone"} & set(queryable)


@pytest.mark.parametrize(
    ("path", "params", "status", "where"),
    [
        ("/collections/nowhere/items", {}, 404, "collectionId"),
        ("/collections/cells/items", {"bbox": "1,2,3"}, 400, "bbox"),
        ("/collections/cells/items", {"bbox": "3,2,1,0"}, 400, "bbox"),
        ("/collections/cells/items", {"filter": "code = "}, 400, "filter"),
        ("/collections/cells/items", {"filter": "nosuch = 1"}, 400, "filter"),
        ("/collections/cells/items", {"filter": "households = 'many'"}, 400, "filter"),
        ("/collections/cells/items", {"crs": "EPSG:2000"}, 400, "crs"),
        ("/collections/cells/items", {"limit": "0"}, 400, "limit"),
        ("/collections/cells/items", {"datetime": "yesterday"}, 400, "datetime"),
        ("/collections/cells/items", {"colour": "red"}, 400, "colour"),
        ("/collections/buildings/items/999999", {}, 404, "featureId"),
        ("/collections/buildings/items/1e400", {}, 404, "featureId"),
        ("/collections/heat/items/-1", {}, 404, "featureId"),
        ("/collections/heat/items/ffffffffffffffffffff", {}, 404, "featureId"),
        ("/collections/records/items/not-a-uuid", {}, 404, "featureId"),
        ("/collections/addresses/items/abc", {}, 404, "featureId"),
        ("/collections/organisations/items/not-a-uuid", {}, 404, "featureId"),
        ("/collections/organisations/items", {"filter": "phone = '138'"}, 400, "filter"),
        ("/collections/organisations/items", {"filter": "contact IS NULL"}, 400, "filter"),
        ("/collections/addresses/items", {"filter": "building_id = 'x'"}, 400, "filter"),
    ],
)
def test_bad_parameters_get_the_standards_exception(
    live: Live, path: str, params: dict[str, str], status: int, where: str
) -> None:
    """Unknown collections and features are 404, malformed parameters 400, each with the
    standard's ``code`` and ``description`` and the parameter named."""
    r = live.get(path, **params)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] and body["description"]
    assert body["detail"][0]["loc"][-1] == where


def test_signing_in_as_gdal_and_qgis_can(live: Live) -> None:
    """The token works as a bearer header, an ``X-API-Key`` header (GDAL_HTTP_HEADERS) and an
    ``api_key`` or ``token`` query parameter; without one the collections are a 401."""
    path = live.base + "/ogcapi/collections/cells/items"
    tok = live.tokens["officer"]
    assert httpx.get(path).status_code == 401
    for kw in ({"headers": {"X-API-Key": tok}}, {"params": {"api_key": tok}},
               {"params": {"token": tok}}):  # fmt: skip
        r = httpx.get(path, **kw)  # type: ignore[arg-type]
        assert r.status_code == 200 and r.json()["numberMatched"] == 2
    for header in (f"Authorization: Bearer {tok}", f"X-API-Key: {tok}"):
        got = _debian_gdal(live, "cells", {"GDAL_HTTP_HEADERS": header})
        assert sorted(f["properties"]["code"] for f in got) == [C1 + "001", C1 + "002"]


def _debian_gdal(
    live: Live, layer: str, env: dict[str, str], where: str | None = None
) -> list[dict[str, Any]]:
    """``layer`` read by Debian's GDAL (``ogr2ogr`` of gdal-bin, GDAL 3.6 on Debian 12: what a
    city platform's scripts run; pyogrio bundles a newer GDAL), as GeoJSON features."""
    out = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{live.base}/ogcapi", layer,
         *(["-where", where] if where else [])],
        capture_output=True, text=True, timeout=120, env={**os.environ, **env}, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)["features"]


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin is not installed")
def test_debian_gdal_reads_the_collections_within_scope(live: Live) -> None:
    """Debian's GDAL 3.6, signed in by ``GDAL_HTTP_HEADERS``, pages through the buildings (GDAL
    3.6 asks 10 a page) and reads the officer's records: what the database holds for them."""
    header = {"GDAL_HTTP_HEADERS": f"Authorization: Bearer {live.tokens['officer']}"}
    for layer in ("buildings", "records", "heat", "organisations"):
        feats = _debian_gdal(live, layer, header)
        key, prop = COLLECTIONS[layer]
        got = {str(f["properties"][key]): f["properties"][prop] for f in feats}
        assert got == {str(k): v for k, v in _expected(live, "officer", layer).items()}, layer
    # GDAL 3.6 finds `filter-lang` in /ogcapi/api and sends the where clause as CQL text
    fire = "kind = 'incident' AND category = 'fire'"
    feats = _debian_gdal(live, "records", header, where=fire)
    want = live.sql(f"SELECT count(*) FROM records WHERE {fire} AND cell_code LIKE '{C1}%'")
    assert len(feats) == want[0][0] > 0


def test_the_service_description_is_openapi_30_relative_to_ogcapi(live: Live) -> None:
    """``/ogcapi/api`` (the landing page's service-desc) is an OpenAPI 3.0 document whose items
    path says the limit's bounds and the filter languages, as GDAL and QGIS look them up."""
    landing = live.get("").json()
    desc = next(k for k in landing["links"] if k["rel"] == "service-desc")
    r = httpx.get(desc["href"], timeout=60)
    assert r.status_code == 200 and "version=3.0" in r.headers["content-type"]
    doc = r.json()
    assert doc["openapi"].startswith("3.0") and doc["servers"][0]["url"].endswith("/ogcapi")
    params = {q["name"]: q for q in doc["paths"]["/collections/{collectionId}/items"]["get"][
        "parameters"]}  # fmt: skip
    assert params["limit"]["schema"]["maximum"] == 10_000
    assert "cql2-text" in params["filter-lang"]["schema"]["enum"]
    assert "heat" in params["collectionId"]["schema"]["enum"]


def test_landing_conformance_and_html(live: Live) -> None:
    """The landing page links the service description, conformance and data; conformance lists
    core, GeoJSON, OpenAPI 3.0, HTML, CRS and CQL2; every document has an HTML page."""
    rels = {k["rel"] for k in live.get("").json()["links"]}
    assert {"service-desc", "conformance", "data"} <= rels
    classes = " ".join(live.get("/conformance").json()["conformsTo"])
    for part in ("1.0/conf/core", "conf/geojson", "conf/oas30", "conf/html",
                 "features-2/1.0/conf/crs", "cql2-text", "basic-cql2"):  # fmt: skip
        assert part in classes
    for path in ("", "/collections", "/collections/cells", "/collections/cells/queryables",
                 "/collections/cells/items", f"/collections/cells/items/{C1}001"):  # fmt: skip
        r = live.get(path, f="html")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
    q = live.get("/collections/records/queryables").json()["properties"]
    assert q["occurred_at"] == {"type": "string", "format": "date-time"} and "kind" in q


def _wangge(live: Live, *args: str) -> str:
    """Run the ``wangge`` command on the server's database; its standard output."""
    code = "import sys; from api.cli.main import main; sys.exit(main(sys.argv[1:]))"
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "DATABASE_URL": live.db, "WANGGE_SECRET_KEY": "k" * 40, "PYTHONPATH": path,
           "WANGGE_DATA_KEY_FILE": live.data_key_file}  # the server's key: its register is sealed
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, timeout=120, check=False, cwd=ROOT)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_a_service_account_key_reads_within_its_users_scope(live: Live) -> None:
    """``wangge apikeys add`` gives a long-lived key: GDAL reads with it (as a header or a query
    parameter) within its user's scope; the JSON API does not take it; revoked, it is refused."""
    printed = _wangge(live, "apikeys", "add", "officer", "--name", "city platform")
    key = printed.split(": ", 1)[1].split()[0]
    assert key.startswith("wgk_") and key not in _wangge(live, "apikeys", "list")
    feats = _debian_gdal(live, "cells", {"GDAL_HTTP_HEADERS": f"X-API-Key: {key}"})
    assert sorted(f["properties"]["code"] for f in feats) == [C1 + "001", C1 + "002"]
    url = f"OAPIF:{live.base}/ogcapi?api_key={key}"
    assert len(pyogrio.read_dataframe(url, layer="buildings")) == len(
        _expected(live, "officer", "buildings")
    )
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(live.base + "/api/v1/cells", headers=headers).status_code == 401
    key_id = printed.split()[1]
    _wangge(live, "apikeys", "revoke", key_id)
    r = httpx.get(live.base + "/ogcapi/collections/cells/items", params={"api_key": key})
    assert r.status_code == 401
    r = httpx.get(live.base + "/ogcapi/collections", headers={"X-API-Key": "wgk_nonsense"})
    assert r.status_code == 401


def test_credentials_in_urls_never_reach_the_access_log(caplog: pytest.LogCaptureFixture) -> None:
    """uvicorn's access-log line of a request signed in by ``api_key`` or ``token`` shows
    ``***`` in place of the credential (the app installs the filter when it is made)."""
    from api.edge import logs

    logs.install()
    path = "/ogcapi/collections/cells/items?limit=10&api_key=wgk_secret&f=json&token=eyJ.x.y"
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", path, "1.1", 200
        )
    line = caplog.records[-1].getMessage()
    assert "wgk_secret" not in line and "eyJ.x.y" not in line
    assert "limit=10&api_key=***&f=json&token=***" in line


def test_personal_search_terms_never_reach_the_access_log(caplog: pytest.LogCaptureFixture) -> None:
    """A register search by ID number, a CQL2 filter on a name and a stated purpose leave only
    ``***`` in uvicorn's access-log line: personal data is never in logs."""
    from api.edge import logs

    logs.install()
    paths = (
        "/api/v1/register/search?q=11010519491231002X&purpose=visit%20%E5%BC%A0%E4%B8%89",
        "/ogcapi/collections/organisations/items?filter=name%3D%27%E5%BC%A0%E4%B8%89%27&f=json",
    )
    for path in paths:
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            logging.getLogger("uvicorn.access").info(
                '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", path, "1.1", 200
            )
        line = caplog.records[-1].getMessage()
        assert "11010519491231002X" not in line and "%E5%BC%A0" not in line, line
        assert "=***" in line


def test_the_registers_features_stand_where_they_are(live: Live) -> None:
    """An address stands at a point of its building; an organisation at its own point or, when
    located by its building, on the building; a CQL2 filter and a bbox select them; CRS, HTML,
    paging and one feature by id answer, and a feature outside officer2's cells is a 404."""
    for a in live.get("/collections/addresses/items", limit="100").json()["features"]:
        foot = live.get(f"/collections/buildings/items/{a['properties']['building_id']}").json()
        assert shapely.geometry.shape(foot["geometry"]).contains(
            shapely.geometry.shape(a["geometry"])
        )
    orgs = live.get("/collections/organisations/items").json()["features"]
    by_name = {o["properties"]["name"]: o for o in orgs}
    assert by_name["劝业公司"]["geometry"]["coordinates"] == pytest.approx(
        [X0 + W + 0.002, Y0 + 0.002]
    )
    shop = by_name["和平商店"]
    foot = live.get(f"/collections/buildings/items/{shop['properties']['building_id']}").json()
    assert shapely.geometry.shape(foot["geometry"]).contains(
        shapely.geometry.shape(shop["geometry"])
    )
    r = live.get("/collections/organisations/items", filter="org_type = 'shop' AND employees >= 4")
    assert [o["properties"]["name"] for o in r.json()["features"]] == ["和平商店"]
    east = live.get("/collections/organisations/items", bbox=f"{X0 + W},{Y0},{X0 + 2 * W},{Y0 + W}")
    assert [o["properties"]["name"] for o in east.json()["features"]] == ["劝业公司"]
    for name in ("addresses", "organisations"):  # every way of asking answers, by id too
        for params in ({"crs": "EPSG:3857"}, {"f": "html"}, {"datetime": "2020-01-01T00:00:00Z"},
                       {"limit": "1", "offset": "1"}, {"bbox": "0,0,1,1"}):  # fmt: skip
            assert live.get(f"/collections/{name}/items", **params).status_code == 200, params
        first = live.get(f"/collections/{name}/items", limit="1").json()["features"][0]
        one = live.get(f"/collections/{name}/items/{first['id']}")
        assert one.status_code == 200 and one.json()["properties"] == first["properties"]
        assert live.get(
            f"/collections/{name}/items/{first['id']}", user="officer2"
        ).status_code == (404 if first["properties"]["cell_code"].startswith(C1) else 200)
