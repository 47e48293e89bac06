"""Open311 GeoReport v2: shapes in JSON and XML, api_key, and the round trip through the case
loop (POST → the officer sees it → closed → Open311 says closed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from conftest import C1, X0, Y0
from residents_helpers import close_case, resident

from api.open311.service import add_client

SERVICE_KEYS = {
    "service_code": str,
    "service_name": str,
    "description": str,
    "metadata": bool,
    "type": str,
    "keywords": str,
    "group": str,
}
REQUEST_KEYS = {
    "service_request_id": str,
    "status": str,
    "status_notes": str,
    "service_name": str,
    "service_code": str,
    "agency_responsible": str,
    "service_notice": (str, type(None)),
    "requested_datetime": str,
    "updated_datetime": str,
    "expected_datetime": (str, type(None)),
    "address": (str, type(None)),
    "address_id": (str, type(None)),
    "zipcode": (str, type(None)),
    "lat": float,
    "long": float,
    "media_url": (str, type(None)),
}


def _shape(item: dict, keys: dict) -> None:
    """``item`` has exactly the GeoReport v2 keys, each of its type."""
    assert set(item) == set(keys), set(item) ^ set(keys)
    for k, t in keys.items():
        assert isinstance(item[k], t), (k, item[k])


def _xml_items(text: bytes, root: str, item: str) -> list[dict[str, str]]:
    """The items of a GeoReport v2 XML list as {element: text}."""
    doc = ET.fromstring(text)
    assert doc.tag == root
    return [{c.tag: (c.text or "") for c in el} for el in doc.findall(item)]


@pytest.fixture(scope="module")
def key(api) -> str:  # noqa: ANN001
    with api.store.sessions() as s:
        return add_client(s, f"hotline-12345-{api.backend}")


def test_discovery_and_services_in_json_and_xml(api):
    c = resident(api)
    d = c.get("/open311/v2/discovery.json").json()
    assert d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ET.fromstring(c.get("/open311/v2/discovery.xml").content).find("endpoints/endpoint")
    js = c.get("/open311/v2/services.json")
    assert js.headers["content-type"].startswith("application/json")
    for s in js.json():
        _shape(s, SERVICE_KEYS)
    xml = c.get("/open311/v2/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    items = _xml_items(xml.content, "services", "service")
    assert [i["service_code"] for i in items] == [s["service_code"] for s in js.json()]
    assert all(set(i) == set(SERVICE_KEYS) for i in items)
    assert {i["metadata"] for i in items} == {"true", "false"}
    en = c.get("/open311/v2/services.json", params={"locale": "en"}).json()
    assert "Fire" in [s["service_name"] for s in en]


def test_service_definition(api):
    c = resident(api)
    d = c.get("/open311/v2/services/hazard.json").json()
    assert d["service_code"] == "hazard"
    a = d["attributes"][0]
    assert a["datatype"] == "singlevaluelist" and a["variable"] is True
    assert {"key", "name"} == set(a["values"][0])
    doc = ET.fromstring(c.get("/open311/v2/services/hazard.xml").content)
    assert doc.tag == "service_definition"
    assert doc.find("attributes/attribute/values/value/key").text == a["values"][0]["key"]
    assert c.get("/open311/v2/services/nope.json").status_code == 404
    assert c.get("/open311/v2/services.yaml").status_code == 422


def test_post_needs_a_valid_key_and_writes_nothing_otherwise(api, key):
    c = resident(api)
    before = api.count("records")
    form = {"service_code": "fire", "lat": Y0 + 0.007, "long": X0 + 0.004}
    assert c.post("/open311/v2/requests.json", data={**form, "api_key": "wrong"}).status_code == 403
    assert c.post("/open311/v2/requests.json", data=form).status_code == 422
    bad = c.post(
        "/open311/v2/requests.json",
        data={**form, "api_key": key, "service_code": "hazard", "attribute[hazard_category]": "x"},
    )
    assert bad.status_code == 422
    assert bad.json()[0]["code"] == 422  # GeoReport v2's error list, the field named first
    assert bad.json()[0]["description"].startswith("attribute[hazard_category]: ")
    out = c.post("/open311/v2/requests.json", data={**form, "api_key": key, "lat": Y0 - 1})
    assert out.status_code == 422 and "outside every grid cell" in out.text
    assert api.count("records") == before


def test_round_trip_post_officer_close_open311_closed(api, key):
    c = resident(api)
    form = {
        "api_key": key,
        "service_code": "hazard",
        "attribute[hazard_category]": "gas",
        "lat": Y0 + 0.007,
        "long": X0 + 0.004,
        "description": "煤气味 张三 13700001111",
        "phone": "13700001111",
    }
    r = c.post("/open311/v2/requests.xml", data=form)
    assert r.status_code == 201, r.text
    posted = _xml_items(r.content, "service_requests", "request")
    rid = posted[0]["service_request_id"]
    # the officer sees it, reported, from open311, with the attribute in its description
    rec = api.get(f"/records/{rid}", "officer").json()
    assert rec["source"] == "open311" and rec["status"] == "reported"
    assert rec["cell_code"] == C1 + "001" and "燃气" in rec["description"]
    one = c.get(f"/open311/v2/requests/{rid}.json").json()
    assert len(one) == 1
    _shape(one[0], REQUEST_KEYS)
    assert one[0]["status"] == "open"
    assert datetime.fromisoformat(one[0]["requested_datetime"]).utcoffset() is not None
    assert "13700001111" not in str(one) and "张三" not in str(one)
    close_case(api, rid)
    closed = c.get(f"/open311/v2/requests/{rid}.json").json()[0]
    assert closed["status"] == "closed" and closed["expected_datetime"]
    listed = c.get("/open311/v2/requests.json", params={"status": "closed"}).json()
    assert rid in [x["service_request_id"] for x in listed]
    assert rid not in [
        x["service_request_id"]
        for x in c.get("/open311/v2/requests.json", params={"status": "open"}).json()
    ]
    xml = _xml_items(
        c.get(f"/open311/v2/requests/{rid}.xml").content, "service_requests", "request"
    )
    assert xml[0]["status"] == "closed" and set(xml[0]) == set(REQUEST_KEYS)


def test_officers_own_records_are_not_listed(api):
    from conftest import record_body

    rec = api.post("/records", "officer", json=record_body()).json()
    c = resident(api)
    assert c.get(f"/open311/v2/requests/{rec['id']}.json").status_code == 404
    assert rec["id"] not in str(c.get("/open311/v2/requests.json").json())
    assert c.get("/open311/v2/requests.json", params={"service_request_id": "x"}).status_code == 422


def test_cli_manages_client_keys(cli_database, capsys):
    from api.cli.main import main
    from api.store import open_store

    assert main(["open311", "add-client", "hotline"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) >= 32
    assert main(["open311", "add-client", "hotline"]) == 2
    assert "already exists" in capsys.readouterr().err
    from api.open311.service import client_of

    with open_store().sessions() as s:
        assert client_of(s, key) > 0
    assert main(["open311", "disable-client", "hotline"]) == 0
    with open_store().sessions() as s, pytest.raises(Exception, match="invalid api_key"):
        client_of(s, key)
    assert main(["open311", "list-clients"]) == 0
    assert "hotline\tdisabled" in capsys.readouterr().out


def test_errors_in_the_specs_shape_json_and_xml(api):
    """Every refusal under /open311/v2/ is GeoReport v2's ``[{code, description}]`` (JSON) or
    ``<errors><error>`` (XML), whichever layer refused: a missing form field (validation), an
    unknown service (a domain error), an unreadable body; the HTTP status is kept."""
    c = api.client
    missing = c.post("/open311/v2/requests.json", data={"service_code": "fire"})
    assert missing.status_code == 422
    assert {e["code"] for e in missing.json()} == {422}
    assert any(e["description"].startswith("api_key: ") for e in missing.json())
    gone = c.get("/open311/v2/services/nope.xml")
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("text/xml")
    error = ET.fromstring(gone.content).find("error")
    assert error is not None and error.findtext("code") == "404"
    assert "nope" in (error.findtext("description") or "")
    wrong = c.post("/open311/v2/requests.json", content=b"\xff\xfe", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert wrong.status_code == 422 and isinstance(wrong.json(), list)
    assert api.client.get("/api/v1/meta/nope").json()["detail"]  # the API keeps its own shape
