"""The demo load (Heping partitioned by grid) and the CLI's import, users and leaders commands."""

from __future__ import annotations

import json

import pytest
from conftest import fresh_database
from fastapi.testclient import TestClient

from api.cli.main import main as wangge
from api.io.demo import ACCOUNTS, is_empty, load_demo
from api.main import create_app
from api.settings import Settings
from api.store import make_store


@pytest.mark.slow
def test_demo_load_serves_accounts_cells_and_records(tmp_path):
    gen = fresh_database("sqlite", tmp_path)
    url = next(gen)
    settings = Settings(
        database_url=url, secret_key="k" * 40, photo_dir=tmp_path / "p", web_dir=tmp_path / "none"
    )
    store = make_store(settings)
    assert is_empty(store)
    loaded = load_demo(store)
    assert loaded["cells"] > loaded["communities"] > 0 and not is_empty(store)
    with TestClient(create_app(settings, store)) as client:
        tokens = {}
        for username, password, _role in ACCOUNTS:
            r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
            assert r.status_code == 200, username
            tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        me1 = client.get("/api/v1/me", headers=tokens["officer"]).json()
        me2 = client.get("/api/v1/me", headers=tokens["officer2"]).json()
        assert me1["communities"] < me2["communities"] and me1["cells"]
        assert all(c.startswith("120101001") for c in me1["cells"] + me2["cells"])
        recs = client.get("/api/v1/records", headers=tokens["officer"]).json()
        assert recs and {r["cell_code"] for r in recs} <= set(me1["cells"])
        # The demo seeds records across the district: each officer sees only their own cells'.
        recs2 = client.get("/api/v1/records", headers=tokens["officer2"]).json()
        assert {r["cell_code"] for r in recs2} <= set(me2["cells"])
        assert not {r["id"] for r in recs} & {r["id"] for r in recs2}
        cells = client.get("/api/v1/cells", headers=tokens["police"]).json()["features"]
        assert len(cells) == loaded["cells"]
        # issue 12: every led cell has its team, and officer2 has a case dispatched to them
        team = client.get(f"/api/v1/cells/{me1['cells'][0]}/roster", headers=tokens["officer"])
        roles = {m["role"] for m in team.json()["members"]}
        assert {"leader", "backup", "police", "mediator", "volunteer"} <= roles, roles
        mine = client.get("/api/v1/records?assigned=me", headers=tokens["officer2"]).json()
        assert len(mine) == 1 and mine[0]["assignee"]["username"] == "officer2"
    store.engine.dispose()
    gen.close()


def test_cli_imports_users_and_leaders(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("WANGGE_SECRET_KEY", "k" * 40)
    from api.settings import get_settings

    get_settings.cache_clear()
    square = [[117.2, 39.1], [117.21, 39.1], [117.21, 39.11], [117.2, 39.11], [117.2, 39.1]]
    comms = tmp_path / "communities.geojson"
    comms.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "120101001001", "name": "一社区"},
                        "geometry": {"type": "Polygon", "coordinates": [square]},
                    }
                ],
            }
        )
    )
    cells = tmp_path / "cells.geojson"
    cells.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"CELL": "120101001001001", "HH": 150},
                        "geometry": {"type": "Polygon", "coordinates": [square]},
                    }
                ],
            }
        )
    )
    places = tmp_path / "places.csv"
    places.write_text("kind,name,lon,lat\nrental,出租屋,117.205,39.105\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,name,lon,lat\nrental,甲,117.205,39.105\nspaceship,乙,117.205,39.105\n")
    try:
        assert wangge(["import", "communities", str(comms)]) == 0
        assert (
            wangge(
                ["import", "cells", str(cells), "--field", "code=CELL", "--field", "households=HH"]
            )
            == 0
        )
        assert wangge(["users", "add", "boss", "--role", "admin", "--password", "pw-boss"]) == 0
        assert wangge(["users", "add", "li", "--role", "officer", "--password", "pw-li"]) == 0
        assert wangge(["leaders", "assign", "120101001001001", "li"]) == 0
        assert wangge(["import", "places", str(places)]) == 0
        capsys.readouterr()
        assert wangge(["import", "places", str(bad)]) == 2
        err = capsys.readouterr().err
        assert "bad.csv" in err and "row 2" in err and "spaceship" in err
        assert wangge(["leaders", "assign", "999", "li"]) == 2
        out = tmp_path / "places.gpkg"
        assert wangge(["export", "places", "--format", "gpkg", "--out", str(out)]) == 0
        import pyogrio

        assert list(pyogrio.read_dataframe(out).name) == ["出租屋"]  # the bad file wrote nothing
    finally:
        get_settings.cache_clear()
