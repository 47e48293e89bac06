"""The notice board (网格公示牌) with the cell's whole duty roster: rendered in Chromium, looked at
in screenshots, and its QR code decoded from the screenshot to the cell's report page."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "api"))
from conftest import C1, fresh_database, seed  # noqa: E402
from web.conftest import (  # noqa: E402  (tests/web: skip or fail as CI asks)
    CHROMIUM,
    CHROMIUM_ARGS,
    require_browser,
)

from api.analytics import noticeboard  # noqa: E402
from api.db import session_scope  # noqa: E402
from api.io.loaders import add_user  # noqa: E402
from api.models import Building, User  # noqa: E402
from api.residents.qr import report_url  # noqa: E402
from api.roster.schemas import MemberIn  # noqa: E402
from api.roster.service import add_member  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.store import make_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "noticeboard"
CELL = C1 + "001"
PHONES = {"officer": "022-2330 1234", "police": "022-2701 5678"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):  # noqa: ANN001, ANN201
    """A SQLite store with the API fixture world and a full team on the officer's cell."""
    tmp = tmp_path_factory.mktemp("board")
    gen = fresh_database("sqlite", tmp)
    st = make_store(
        Settings(
            database_url=next(gen),
            secret_key="r" * 40,
            web_dir=tmp,
            public_url="https://wangge.example.cn",
            duty_phones=PHONES,
        )
    )
    seed(st)
    with session_scope(st.sessions) as s:
        add_user(s, "backup_li", "x-pass", "officer", display_name="李后备", phone="13700000001")
        add_user(s, "cop_zhou", "x-pass", "police", display_name="周民警", phone="13600000002")
        s.flush()
        ids = {u.username: u.id for u in s.query(User)}
        building = s.query(Building).filter_by(cell_code=CELL).one().id
        for body in (
            {"role": "backup", "user_id": ids["backup_li"]},
            {"role": "police", "user_id": ids["cop_zhou"]},
            {"role": "mediator", "contact_name": "孙调解", "duty_phone": "022-5555 0101"},
            {"role": "building_leader", "contact_name": "钱楼长", "building_id": building},
            {"role": "unit_leader", "contact_name": "吴单元", "building_id": building, "unit": 2},
            {"role": "volunteer", "contact_name": "郑志愿"},
        ):
            add_member(s, None, CELL, MemberIn(**body))
    yield st
    st.engine.dispose()
    gen.close()


@pytest.mark.browser
def test_board_shows_the_whole_roster_and_a_qr_that_scans(store, tmp_path):
    import zxingcpp
    from PIL import Image

    html = noticeboard.build(store, cell=CELL)
    for secret in ("13812345678", "13700000001", "13600000002", "backup_li", "cop_zhou"):
        assert secret not in html, secret  # private phones and login names never printed
    out = tmp_path / "board.html"
    out.write_text(html, encoding="utf-8")
    sync_api = require_browser()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.goto(out.as_uri())
        rows = page.locator("table.roster tbody tr").all_inner_texts()
        shot = page.screenshot(full_page=True)
        (ARTIFACTS / "board.png").write_bytes(shot)
        browser.close()
    cells = [r.split("\t") for r in rows]
    got = {(c[0].strip(), c[1].strip()) for c in cells}
    assert {
        ("网格长", "王网格"),
        ("AB岗（后备网格员）", "李后备"),
        ("社区民警", "周民警"),
        ("调解员", "孙调解"),
        ("楼栋长", "钱楼长"),
        ("单元长", "吴单元"),
        ("志愿者", "郑志愿"),
    } == got
    assert [c[0].strip() for c in cells][:2] == ["网格长", "AB岗（后备网格员）"]  # leader first
    phones = {c[0].strip(): c[3].strip() for c in cells}
    assert phones["网格长"] == PHONES["officer"] and phones["社区民警"] == PHONES["police"]
    assert phones["调解员"] == "022-5555 0101" and phones["志愿者"] == ""
    units = {c[0].strip(): c[2].strip() for c in cells}
    assert units["单元长"] == "1号楼 2单元" and units["楼栋长"] == "1号楼"
    # the QR code, as a resident's phone would read it off the printed board
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)).convert("L"))
    texts = [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert texts == [report_url(store.settings, CELL)]
    assert texts[0] == "https://wangge.example.cn/report.html?cell=" + CELL
