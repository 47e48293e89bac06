"""Settings come from the environment; a bad basemap setting stops start-up naming its variable,
and the basemap settings reach clients through /meta ``tiles``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from api.cli.main import main as wangge
from api.meta.router import meta
from api.settings import Settings, SettingsError, load_settings


def test_tile_settings_from_environment(monkeypatch):
    monkeypatch.setenv("WANGGE_TILE_URL", "https://webrd0{s}.is.autonavi.com/{z}/{x}/{y}")
    monkeypatch.setenv("WANGGE_TILE_CRS", "gcj02")
    monkeypatch.setenv("WANGGE_TILE_SUBDOMAINS", "1234")
    monkeypatch.setenv("WANGGE_TILE_MAX_ZOOM", "18")
    s = load_settings()
    assert (s.tile_crs, s.tile_subdomains, s.tile_max_zoom) == ("gcj02", "1234", 18)


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("WANGGE_TILE_CRS", "bd09"),
        ("WANGGE_TILE_CRS", "WGS84 "),
        ("WANGGE_TILE_MAX_ZOOM", "30"),
        ("WANGGE_TILE_MAX_ZOOM", "deep"),
        ("WANGGE_TILE_SUBDOMAINS", "a,b"),
    ],
)
def test_bad_tile_setting_names_the_variable(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=var):
        load_settings()


def test_cli_reports_bad_setting_and_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("WANGGE_TILE_CRS", "bd09")
    assert wangge(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "WANGGE_TILE_CRS" in err and "gcj02" in err


def test_meta_tiles_carry_every_tile_setting():
    s = Settings(
        tile_url="https://t{s}.example/{z}/{x}/{y}.png",
        tile_crs="gcj02",
        tile_attribution="© 示例",
        tile_subdomains="0123",
        tile_max_zoom=17,
    )
    assert meta(SimpleNamespace(settings=s))["tiles"] == {
        "url": "https://t{s}.example/{z}/{x}/{y}.png",
        "crs": "gcj02",
        "attribution": "© 示例",
        "subdomains": "0123",
        "max_zoom": 17,
    }


def test_meta_tiles_defaults(api):
    tiles = api.get("/meta", "officer").json()["tiles"]
    assert tiles["crs"] == "wgs84" and tiles["subdomains"] == "abc" and tiles["max_zoom"] == 18
