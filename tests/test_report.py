"""The offline report and notice boards: built from a fixture store, opened in Chromium with every
non-local request recorded; the maps must render and nothing may leave the machine."""

from __future__ import annotations

import re
import sys
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "api"))
from conftest import C1, X0, Y0, fresh_database, record_body, seed  # noqa: E402
from web.conftest import require_browser  # noqa: E402  (tests/web: skip or fail as CI asks)

from api.analytics import noticeboard, report  # noqa: E402
from api.analytics.filters import month  # noqa: E402
from api.models.analytics import Centre, Road  # noqa: E402
from api.records.schemas import RecordIn  # noqa: E402
from api.records.service import create_record  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.store import make_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "report"
CHROMIUM = "/usr/bin/chromium"



def _previous_month() -> str:
    """The calendar month before this one (Asia/Shanghai), so the records are always in the past."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    last = date(today.year, today.month, 1).toordinal() - 1
    return date.fromordinal(last).strftime("%Y-%m")


PERIOD = _previous_month()
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):  # noqa: ANN001, ANN201
    """A SQLite store with the API fixture world, a centre and some records in PERIOD."""
    from geoalchemy2 import WKTElement

    from api.accounts.access import load_scope
    from api.models import User

    tmp = tmp_path_factory.mktemp("report")
    gen = fresh_database("sqlite", tmp)
    st = make_store(
        Settings(
            database_url=next(gen),
            secret_key="r" * 40,
            web_dir=tmp,
            duty_phones={"officer": "022-2330 1234", "police": "022-2701 5678"},
        )
    )
    seed(st)
    with st.sessions() as s:
        st.cells.refresh(s)
        scope = load_scope(s, s.query(User).filter_by(username="officer").one())
        for i in range(30):
            body = record_body(
                id=str(uuid.uuid4()),
                lon=X0 + 0.001 + (i % 6) * 0.0015,
                lat=Y0 + 0.001 + (i // 6) * 0.0015,
                occurred_at=f"{PERIOD}-{1 + i % 28:02d}T09:00:00+08:00",
            )
            create_record(s, st, scope, RecordIn(**body))
        s.add(
            Centre(
                kind="station",
                name="服务站",
                lon=X0 + 0.0025,
                lat=Y0 + 0.006,
                geom=WKTElement(f"POINT({X0 + 0.0025} {Y0 + 0.006})", srid=4326),
                radius_m=300,
                capacity=10,
            )
        )
        from geoalchemy2.shape import to_shape

        from api.models import Cell

        cell = s.query(Cell).filter_by(code=C1 + "001").one()
        cx, cy = to_shape(cell.geom).centroid.x, to_shape(cell.geom).centroid.y
        line = f"LINESTRING({cx - 0.01} {cy}, {cx + 0.01} {cy})"  # a street across the cell
        s.add(Road(name="南京路", highway="primary", geom=WKTElement(line, srid=4326)))
        s.commit()
    yield st
    st.engine.dispose()
    gen.close()


def _open(path: Path, shot: str) -> tuple[list[int], list[str], str]:
    """Open ``path`` in Chromium; returns (per-frame Leaflet counts, non-local requests, the text
    the map frames show)."""
    sync_api = require_browser()
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = b.new_page(viewport={"width": 1200, "height": 1600})
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith(("file:", "data:", "about:"))
                else None
            ),
        )
        page.goto(path.as_uri())  # waits for the load event of the page and its map frames
        for frame in page.frames[1:]:  # each map has drawn its vectors
            frame.wait_for_selector(".leaflet-container path", state="attached", timeout=20000)
        counts = [
            f.evaluate("document.querySelectorAll('.leaflet-container path').length")
            for f in page.frames[1:]
        ]
        shown = " ".join(f.inner_text("body") for f in page.frames[1:])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        b.close()
    return counts, outside, shown


@pytest.mark.browser
def test_report_opens_offline_with_its_maps(store, tmp_path):
    html = report.build(store, C1, month(PERIOD, ("period",)))
    assert not re.search(r'src=(&quot;|")https?:|stylesheet(&quot;|") href=(&quot;|")https?:', html)
    out = tmp_path / "report.html"
    out.write_text(html, encoding="utf-8")
    counts, outside, _ = _open(out, "report.png")
    assert outside == []
    assert len(counts) == 3 and all(n > 0 for n in counts), counts
    assert "网格统计与考核指标" in html and C1 + "001" in html
    # local time, whole numbers, integer legend classes with their unit, a legend per map
    assert "（北京时间）" in html and "UTC" not in html
    tables = html[html.index("<h2>服务覆盖</h2>") :]
    assert not re.search(r"<td>\d+\.0</td>", tables), "a count printed with a decimal"
    legends = re.findall(r'<p class="legend">(.*?)</p>', html)
    assert len(legends) == 3, legends
    assert "每个网格的记录条数" in legends[0] and "每个六边形的记录条数" in legends[1]
    for legend in legends[:2]:
        assert not re.search(r"\d\.\d", legend), legend  # no "≥0.082"
    assert "@media print" in html and "leaflet-control-zoom" in html


def test_class_labels_are_whole_counts():
    from grid.analysis.heat import ColourScale

    scale = ColourScale((0.082, 0.99, 2.5, 2.7, 12.0), ("a", "b", "c", "d", "e"))
    # [0.082, 0.99) holds no whole count; 0.99..2.5 → 1–2; [2.5, 2.7) → none; 2.7..12 → 3–11
    assert report.class_labels(scale) == [("b", "1–2"), ("d", "3–11"), ("e", "≥12")]


@pytest.mark.browser
def test_noticeboard_shows_leader_name_duty_phones_streets_and_buildings(store, tmp_path):
    html = noticeboard.build(store, cell=C1 + "001")
    assert C1 + "001" in html and "王网格" in html
    # the published duty numbers, never the leader's own phone (not even masked)
    assert "022-2330 1234" in html and "022-2701 5678" in html
    assert "138****5678" not in html and "13812345678" not in html
    assert "图例" in html and "楼栋" in html and "道路" in html
    assert "@media print" in html  # zoom buttons are not printed
    assert "<svg" in html and "扫码随手拍" in html  # the QR link of the cell's report page
    out = tmp_path / "board.html"
    out.write_text(html, encoding="utf-8")
    counts, outside, shown = _open(out, "noticeboard.png")
    # the cell, its buildings and the street are all drawn, the street named on the map
    assert outside == [] and len(counts) == 1 and counts[0] >= 3, counts
    assert "南京路" in shown


def test_report_refuses_unknown_community(store):
    from api.errors import InvalidInput

    with pytest.raises(InvalidInput, match="no community"):
        report.build(store, "120101001999", month(PERIOD, ("period",)))
