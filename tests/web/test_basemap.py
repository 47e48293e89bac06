"""The basemap from /meta `tiles` (server settings WANGGE_TILE_URL / WANGGE_TILE_CRS): tiles are
requested with the right z/x/y for the view, a GCJ-02 basemap gets overlays shifted onto it (a
known point lands on its pixel), and when tiles fail the map works on vectors alone. The tile
servers are stood in for by Playwright routes answering generated PNG tiles."""

import math
import re
import struct
import zlib

import pytest

from grid.input.shift import wgs84_to_gcj02

from . import world
from .conftest import LANDSCAPE, PORTRAIT, cell_centre, login, running_server, shot, tap_at

pytestmark = pytest.mark.browser

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
AMAP = "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
TILE = 256
P = cell_centre(world.C1 + "015")  # the officer stands here; their marker is the overlay measured


def world_px(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Web Mercator pixel of a point at zoom ``z`` (in the basemap's own datum)."""
    n = TILE * 2 ** z
    s = math.sin(math.radians(lat))
    return (lon + 180) / 360 * n, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n


def png_tile(mark: tuple[int, int] | None) -> bytes:
    """A 256×256 tile: pale paper, a 32 px grid, and a red 9×9 square centred on ``mark``."""
    paper, line, red = b"\xee\xea\xe0", b"\xc8\xc4\xba", b"\xe0\x00\x00"
    rows = []
    for y in range(TILE):
        row = bytearray((line if y % 32 == 0 else paper) * TILE)
        for x in range(0, TILE, 32):
            row[3 * x:3 * x + 3] = line
        if mark and abs(y - mark[1]) <= 4:
            for x in range(max(0, mark[0] - 4), min(TILE, mark[0] + 5)):
                row[3 * x:3 * x + 3] = red
        rows.append(b"\x00" + bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", TILE, TILE, 8, 2, 0, 0, 0))
    return (b"\x89PNG\r\n\x1a\n" + header
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 1)) + chunk(b"IEND", b""))


class TileStandIn:
    """Answers tile requests for ``pattern`` with generated tiles, marking ``mark_lonlat``."""

    def __init__(self, url: str, mark_lonlat: tuple[float, float], fail: bool = False) -> None:
        self.url, self.mark, self.fail = url, mark_lonlat, fail
        self.requested: list[tuple[int, int, int]] = []

    def zxy(self, url: str) -> tuple[int, int, int]:
        q = dict(re.findall(r"[?&/]?([xyz])=(\d+)", url)) if "?" in url else {}
        if not q:
            z, x, y = re.search(r"/(\d+)/(\d+)/(\d+)\.png", url).groups()
            q = {"z": z, "x": x, "y": y}
        return int(q["z"]), int(q["x"]), int(q["y"])

    def handle(self, route) -> None:  # noqa: ANN001
        z, x, y = self.zxy(route.request.url)
        self.requested.append((z, x, y))
        if self.fail:
            return route.abort("connectionrefused")
        mx, my = world_px(*self.mark, z)
        mark = (round(mx - x * TILE), round(my - y * TILE))
        inside = 0 <= mark[0] < TILE and 0 <= mark[1] < TILE
        route.fulfill(status=200, content_type="image/png", body=png_tile(mark if inside else None),
                      headers={"Access-Control-Allow-Origin": "*"})

    def install(self, page) -> None:  # noqa: ANN001
        host = re.match(r"https://[^/]+", self.url).group(0)
        page.context.route(host + "/**", self.handle)


@pytest.fixture(scope="module")
def osm_base(server):  # noqa: ANN001, ANN201
    with running_server(server.tmp, server.db, WANGGE_TILE_URL=OSM, WANGGE_TILE_CRS="wgs84",
                        WANGGE_TILE_ATTRIBUTION="© OpenStreetMap contributors") as base:
        yield base


@pytest.fixture(scope="module")
def amap_base(server):  # noqa: ANN001, ANN201
    with running_server(server.tmp, server.db, WANGGE_TILE_URL=AMAP, WANGGE_TILE_CRS="gcj02",
                        WANGGE_TILE_ATTRIBUTION="© 高德地图") as base:
        yield base


MEASURE = """([z, tx, ty, ox, oy]) => {
    const m = window.wangge.map;
    if (!m.me || m.map._animatingZoom || m.map.getZoom() !== z) return null;
    const img = [...document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile-loaded')]
      .find((i) => i.src.includes(`x=${tx}&y=${ty}&z=${z}`)
        || i.src.endsWith(`/${z}/${tx}/${ty}.png`));
    if (!img || img.parentElement.style.opacity === '0') return null;
    const t = img.getBoundingClientRect();
    const me = m.me._path.getBoundingClientRect();
    const b = m.map.getBounds();
    return { mark: [t.left + ox, t.top + oy], me: [me.left + me.width / 2, me.top + me.height / 2],
             bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom: m.map.getZoom(),
             basemap: m.map.getContainer().dataset.basemap };
}"""


def settle(page, mark_lonlat: tuple[float, float], z: int = 17) -> dict:  # noqa: ANN001
    """Wait until the tile holding the mark is loaded at zoom ``z`` and measure both pixels."""
    mx, my = world_px(*mark_lonlat, z)
    tx, ty = int(mx // TILE), int(my // TILE)
    arg = [z, tx, ty, mx - tx * TILE, my - ty * TILE]
    # The first frame with the tile loaded can still be mid-pan (the map recentres on the
    # position fix): take the measurement only once two readings 250 ms apart agree.
    last = None
    for _ in range(40):
        got = page.wait_for_function(MEASURE, arg=arg, timeout=30000).json_value()
        if last is not None and got["mark"] == last["mark"] and got["me"] == last["me"]:
            return got
        last = got
        page.wait_for_timeout(250)
    raise AssertionError(f"the map never settled: {last}")


def expected_tiles(bounds: list[float], z: int) -> set[tuple[int, int, int]]:
    w, s, e, n = bounds
    x0, y0 = world_px(w, n, z)
    x1, y1 = world_px(e, s, z)
    return {(z, x, y) for x in range(int(x0 // TILE), int((x1 - 1e-9) // TILE) + 1)
            for y in range(int(y0 // TILE), int((y1 - 1e-9) // TILE) + 1)}


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_osm_tiles_for_the_view_and_overlays_on_their_pixel(tablet, osm_base, viewport):
    stand_in = TileStandIn(OSM, P)
    page = tablet(viewport, geolocation={"longitude": P[0], "latitude": P[1]}, base_url=osm_base)
    stand_in.install(page)
    login(page)
    got = settle(page, P)
    assert got["basemap"] == "ok"
    dx, dy = got["me"][0] - got["mark"][0], got["me"][1] - got["mark"][1]
    # WGS84 basemap: the position marker sits on the tile's mark
    assert math.hypot(dx, dy) <= 3, got
    want = expected_tiles(got["bounds"], 17)
    assert want <= set(stand_in.requested), sorted(want - set(stand_in.requested))
    assert "OpenStreetMap" in page.text_content(".leaflet-control-attribution")
    shot(page, f"14-basemap-osm-{'landscape' if viewport is LANDSCAPE else 'portrait'}")


def test_gcj02_tiles_get_shifted_overlays(tablet, amap_base):
    gx, gy = wgs84_to_gcj02(P[0], P[1])
    mark = (float(gx), float(gy))  # where Amap draws the officer's true position
    stand_in = TileStandIn(AMAP, mark)
    page = tablet(LANDSCAPE, geolocation={"longitude": P[0], "latitude": P[1]}, base_url=amap_base)
    stand_in.install(page)
    login(page)
    got = settle(page, mark)
    dx, dy = got["me"][0] - got["mark"][0], got["me"][1] - got["mark"][1]
    assert math.hypot(dx, dy) <= 3, got
    # Without the shift the marker would sit hundreds of metres off: the check can tell.
    ux, uy = world_px(*P, 17)
    sx, sy = world_px(*mark, 17)
    assert math.hypot(ux - sx, uy - sy) > 50
    want = expected_tiles(got["bounds"], 17)  # bounds are GCJ-02, like the tiles
    assert want <= set(stand_in.requested)
    # A tap on the shifted map still records at the WGS84 point (the cell under the finger).
    tap_at(page, *P)
    assert world.C1 + "015" in page.text_content("#where")
    shot(page, "15-basemap-gcj02-landscape")


def test_tiles_failing_leaves_a_working_vector_map(tablet, osm_base, server):
    stand_in = TileStandIn(OSM, P, fail=True)
    page = tablet(PORTRAIT, base_url=osm_base)
    stand_in.install(page)
    login(page)
    page.wait_for_selector("#map[data-basemap=failed] .basemap-note:not([hidden])")
    assert stand_in.requested  # it tried
    assert page.locator(".cell-label.own").count() == world.COLS * world.ROWS
    buildings = world.COLS * world.ROWS * world.BUILDINGS_PER_CELL
    assert page.evaluate("wangge.buildings.length") == buildings
    tap_at(page, *cell_centre(world.C1 + "007"))
    assert page.locator("#where.ok").count() == 1
    assert page.locator("#sheet [data-record=incident]").count() == 1
    page.click("#sheet .icon-btn")
    shot(page, "16-basemap-failed-portrait")
