"""Browser tests: a real server (uvicorn in a subprocess on a free port, fresh SQLite database,
the fixture world of world.py) driven by Debian's Chromium through Playwright at tablet sizes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from . import world

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """An httpx client on the running server with a cached token per demo account."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base + "/api/v1", timeout=60)
        self.tokens: dict[str, str] = {}

    def auth(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            form = {"username": user, "password": world.PASSWORDS[user]}
            r = self.http.post("/auth/token", data=form)
            r.raise_for_status()
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, path: str, user: str = "admin", **kw) -> httpx.Response:  # noqa: ANN003
        return self.http.get(path, headers=self.auth(user), **kw)

    def post(self, path: str, user: str = "admin", **kw) -> httpx.Response:  # noqa: ANN003
        return self.http.post(path, headers=self.auth(user), **kw)

    def patch(self, path: str, user: str = "admin", **kw) -> httpx.Response:  # noqa: ANN003
        return self.http.patch(path, headers=self.auth(user), **kw)


@contextmanager
def running_server(tmp: Path, db: str, **env_extra: str) -> Iterator[str]:
    """uvicorn on ``db`` in a subprocess with extra ``WANGGE_*`` settings; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db, "WANGGE_SECRET_KEY": "browser-tests",
           "WANGGE_PHOTO_DIR": str(tmp / "photos"), "WANGGE_DEMO": "0",
           "WANGGE_DATA_KEY_FILE": str(tmp / "data_key"), **env_extra}
    log_path = tmp / f"server-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/api/v1/meta", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + log_path.read_text())
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def seed_places(api: Api) -> None:
    """The world's 500 places, created through the API as an officer's tablet would."""
    for i, (lon, lat) in enumerate(world.place_points()):
        r = api.post("/places", json={
            "id": str(uuid.uuid4()), "kind": "rental" if i % 3 else "internet_cafe",
            "name": f"场所{i + 1}", "address": f"和平路{i + 1}号", "lon": lon, "lat": lat,
            "risk_level": ("normal", "watch", "strict")[i % 3], "attrs": {}})
        assert r.status_code == 201, r.text


@contextmanager
def world_server(tmp: Path) -> Iterator[Api]:
    """The server on a fresh SQLite file in ``tmp`` with the fixture world of world.py (30 cells,
    3000 buildings, 500 places); also used by bench/first_load.py."""
    if not (ROOT / "web" / "public" / "vendor" / "leaflet" / "leaflet.js").exists():
        raise RuntimeError("web assets not built: run `npm ci && npm run build` in web/")
    db = f"sqlite:///{tmp / 'wangge.sqlite'}"
    world.seed(db)
    with running_server(tmp, db) as base:
        api = Api(base)
        api.tmp, api.db = tmp, db
        seed_places(api)
        yield api


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The Wangge server on a fresh SQLite file with the fixture world; stopped afterwards."""
    if not (ROOT / "web" / "public" / "vendor" / "leaflet" / "leaflet.js").exists():
        pytest.fail("web assets not built: run `npm ci && npm run build` in web/")
    with world_server(tmp_path_factory.mktemp("wangge-web")) as api:
        yield api


def require_browser():  # noqa: ANN201
    """Playwright's sync API when Playwright and Chromium are there; otherwise skip, or fail when
    WANGGE_REQUIRE_BROWSER=1 (CI must not pass by skipping every browser test)."""
    required = os.environ.get("WANGGE_REQUIRE_BROWSER") == "1"
    try:
        from playwright import sync_api
    except ImportError as e:
        if required:
            pytest.fail(f"playwright is not installed ({e}) and WANGGE_REQUIRE_BROWSER=1")
        pytest.skip(f"playwright is not installed: {e}")
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"{CHROMIUM} not found and WANGGE_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} not found")
    return sync_api


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = require_browser()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def tablet(browser, server):  # noqa: ANN001, ANN201
    """A factory of fresh tablet contexts: tablet(viewport=PORTRAIT, locale="zh-CN") -> page."""
    contexts = []

    def make(viewport: dict = PORTRAIT, locale: str = "zh-CN", geolocation: dict | None = None,
             base_url: str | None = None):  # noqa: ANN202
        ctx = browser.new_context(
            viewport=viewport, has_touch=True, is_mobile=True, device_scale_factor=1,
            locale=locale, timezone_id="Asia/Shanghai", base_url=base_url or server.base,
            permissions=["geolocation"],
            geolocation=geolocation or {"longitude": world.X0 - 0.01, "latitude": world.Y0 - 0.01})
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(20000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page, name: str) -> Path:  # noqa: ANN001
    """Save a screenshot under test-artifacts/web/ (looked at by a person, not compared)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def login(page, user: str = "officer") -> None:  # noqa: ANN001
    """Open the app, log in as ``user`` and wait until the map has its data and has taken the
    first position fix (which may recentre it), so a tap lands where it is aimed."""
    page.goto("/")
    page.fill("#username", user)
    page.fill("#password", world.PASSWORDS[user])
    page.click("#login-submit")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("body[data-located]", state="attached")


def centre_map(page, lon: float, lat: float, zoom: float = 18) -> None:  # noqa: ANN001
    """Centre the map on a WGS84 point at ``zoom`` without animation (so a tap lands where
    aimed)."""
    page.evaluate("""([lon, lat, z]) => {
        const m = window.wangge.map;
        m.map.setView(m.toMap(lon, lat), z, { animate: false });
    }""", [lon, lat, zoom])


def tap_at(page, lon: float, lat: float) -> None:  # noqa: ANN001
    """Tap the map at a WGS84 point (through the map's own datum transform)."""
    xy = page.evaluate(
        """([lon, lat]) => {
            const m = window.wangge.map;
            const p = m.map.latLngToContainerPoint(m.toMap(lon, lat));
            const r = m.map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lon, lat])
    page.touchscreen.tap(xy[0], xy[1])


def queue_count(page) -> int:  # noqa: ANN001
    return int(page.text_content("#queue-count"))


def wait_queue(page, n: int, timeout: float = 20000) -> None:  # noqa: ANN001
    page.wait_for_function(f"document.getElementById('queue-count').textContent === '{n}'",
                           timeout=timeout)


def png(seed: int) -> dict:
    """A small distinct PNG (8×8, one colour per seed) for set_input_files."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    r, g, b = (seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256
    raw = b"".join(b"\x00" + bytes([r, g, b]) * 8 for _ in range(8))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return {"name": f"photo{seed}.png", "mimeType": "image/png", "buffer": data}


def cell_centre(code: str) -> tuple[float, float]:
    """A point well inside a fixture cell (its centre, nudged off the place rows)."""
    c = world.cells().set_index("code").loc[code].geometry
    return c.centroid.x, c.centroid.y + world.DY * 0.1


def records_with(server: Api, text: str, user: str = "officer") -> list[dict]:
    """The records visible to ``user`` whose description contains ``text``."""
    r = server.get("/records", user, params={"limit": 500})
    r.raise_for_status()
    return [x for x in r.json() if text in (x.get("description") or "")]


def fill_record(page, kind: str, text: str, photos: list[dict]) -> None:  # noqa: ANN001
    """In the open tap sheet: choose ``kind``, fill the short form and save."""
    page.click(f"#sheet [data-record={kind}]")
    page.select_option("#sheet select[name=category]", index=1)
    page.fill("#sheet textarea[name=description]", text)
    if photos:
        page.set_input_files("#sheet input[name=photos]", photos)
        page.wait_for_function(
            f"document.querySelectorAll('#sheet .thumb').length === {len(photos)}"
        )
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")


def until(page, check, timeout: float = 20.0, what: str = "condition"):  # noqa: ANN001, ANN201
    """Poll ``check()`` (e.g. an API read) until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(200)  # lets the page run (its sync) between reads
