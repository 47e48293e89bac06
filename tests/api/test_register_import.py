"""``wangge import register``: a CSV or XLSX register loads all or nothing on both backends; a
dry run reports by row; every bad row (checksum, impossible date, no building, duplicate,
formula) refuses the whole file."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import openpyxl
import pytest
from conftest import C1, C2, X0, Y0, W
from sqlalchemy import func, select
from test_register import fresh_id

from api.cli.main import main
from api.db import session_scope
from api.models import Building, Household, Person
from api.settings import get_settings

HEADERS = [
    "地址",
    "楼栋",
    "单元",
    "楼层",
    "房号",
    "户号",
    "姓名",
    "身份证号",
    "电话",
    "人员类型",
    "与户主关系",
    "迁入日期",
    "lon",
    "lat",
    "标签",
]
P1 = (X0 + 0.0025, Y0 + 0.0065)  # inside the fixture building of the officer's cell
P2 = (X0 + W + 0.0025, Y0 + 0.0025)  # inside the other fixture building


def ids(n: int) -> list[str]:
    """``n`` valid ID numbers not used by other tests (random births and sequences)."""
    return [fresh_id() for _ in range(n)]


def good_rows() -> list[list[str]]:
    """Three people in two households in two buildings, matched by their points."""
    a, b, c = ids(3)
    return [
        [
            "",
            "",
            "1",
            "2",
            "201",
            "",
            "张伟",
            a,
            "13800000001",
            "户籍",
            "户主",
            "2015-03-01",
            str(P1[0]),
            str(P1[1]),
            "",
        ],
        [
            "",
            "",
            "1",
            "2",
            "201",
            "",
            "李娜",
            b,
            "",
            "户籍",
            "配偶",
            "2015-03-01",
            str(P1[0]),
            str(P1[1]),
            "",
        ],
        [
            "",
            "",
            "2",
            "1",
            "101",
            "",
            "王强",
            c,
            "",
            "流动",
            "户主",
            "2022-01-01",
            str(P2[0]),
            str(P2[1]),
            "社区矫正",
        ],
    ]


def write(path: Path, rows: list[list[str]]) -> Path:
    """``rows`` under the default headers as CSV or XLSX by ``path``'s suffix."""
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([HEADERS, *rows])
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        for r in [HEADERS, *rows]:
            ws.append(r)
        wb.save(path)
    return path


@pytest.fixture
def cli(api, monkeypatch):  # noqa: ANN001, ANN201
    """The ``wangge`` command over the ``api`` fixture's database and data key."""
    s = api.store.settings
    monkeypatch.setenv("DATABASE_URL", s.database_url)
    monkeypatch.setenv("WANGGE_SECRET_KEY", s.secret_key)
    monkeypatch.setenv("WANGGE_DATA_KEY_FILE", str(s.data_key_file))
    get_settings.cache_clear()
    yield lambda *argv: main([str(a) for a in argv])
    get_settings.cache_clear()


def counts(api) -> tuple[int, int]:  # noqa: ANN001
    """Households and persons stored."""
    with session_scope(api.store.sessions) as s:
        return (
            s.scalar(select(func.count()).select_from(Household)),
            s.scalar(select(func.count()).select_from(Person)),
        )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_round_trip(api, cli, tmp_path, capsys, suffix, monkeypatch):
    if suffix == ".xlsx":  # the large-load path: indexes dropped and built again after
        monkeypatch.setattr("api.register.imports.REBUILD_AT", 1)
    rows = good_rows()
    path = write(tmp_path / f"reg{suffix}", rows)
    before = counts(api)
    assert cli("import", "register", path, "--check") == 0
    assert counts(api) == before
    assert "matched_by_point 3" in capsys.readouterr().out
    assert cli("import", "register", path) == 0
    assert counts(api) == (before[0] + 2, before[1] + 3)
    found = api.get("/register/search", "admin", params={"q": rows[2][7], "purpose": "核对"})
    person = found.json()["persons"][0]
    assert person["name"] == "王强" and person["person_type"] == "floating"
    assert person["tags"][0]["group"] == "community_correction"
    # the same people again: each already lives in the register, nothing is loaded
    assert cli("import", "register", path) == 2
    assert "already lives at another address" in capsys.readouterr().err
    assert counts(api) == (before[0] + 2, before[1] + 3)


def test_bad_rows_refuse_the_whole_file(api, cli, tmp_path, capsys):
    rows = good_rows()
    bad_id = rows[0][7][:17] + ("0" if rows[0][7][17] != "0" else "1")
    rows.append([*rows[1][:6], "赵六", bad_id, *rows[1][8:]])  # row 5: wrong check character
    rows.append(
        [*rows[1][:6], "钱七", ids(1)[0], "", "户籍", "子女", "2999-01-01", *rows[1][12:]]
    )  # row 6: impossible date
    rows.append(
        [*rows[1][:6], "孙八", ids(1)[0], "", "户籍", "子女", "2015-01-01", "100.0", "10.0", ""]
    )  # row 7: no building there
    rows.append(list(rows[0]))  # row 8: duplicate of row 2
    before = counts(api)
    assert cli("import", "register", write(tmp_path / "bad.csv", rows)) == 2
    err = capsys.readouterr().err
    for expected in ("row 5: id_number", "row 6: moved_in", "row 7:", "row 8: id_number"):
        assert expected in err, err
    assert counts(api) == before


def test_formula_cell_is_refused(api, cli, tmp_path, capsys):
    rows = good_rows()
    rows[1][6] = '=HYPERLINK("http://x")'
    path = write(tmp_path / "formula.xlsx", rows)
    before = counts(api)
    assert cli("import", "register", path) == 2
    assert "formula" in capsys.readouterr().err
    assert counts(api) == before


def by_code(api, by: str) -> dict[str, dict]:  # noqa: ANN001
    """``/stats/register`` rows by code, as admin."""
    rows = api.get("/stats/register", "admin", params={"by": by}).json()["rows"]
    return {r["code"]: r for r in rows}


def test_counts_follow_the_register(api, cli, tmp_path):
    rows = good_rows()
    before = {by: by_code(api, by) for by in ("cell", "community", "street")}
    assert cli("import", "register", write(tmp_path / "reg.csv", rows)) == 0
    after = {by: by_code(api, by) for by in ("cell", "community", "street")}
    # an independent count of the file: its people per building, by the point each row gives
    expected = {
        "cell": {C1 + "001": (1, 2, 0), C2 + "002": (1, 0, 1)},
        "community": {C1: (1, 2, 0), C2: (1, 0, 1)},
        "street": {C1[:9]: (2, 2, 1)},
    }
    for by, codes in expected.items():
        for code, (households, registered, floating) in codes.items():
            old = before[by].get(code, {"households": 0, "registered": 0, "floating": 0})
            new = after[by][code]
            assert new["households"] - old["households"] == households, (by, code)
            assert new["registered"] - old["registered"] == registered, (by, code)
            assert new["floating"] - old["floating"] == floating, (by, code)
    officer = by_code_as(api, "officer")
    assert officer and all(code.startswith(C1) for code in officer)  # only their own cells
    with session_scope(api.store.sessions) as s:
        b = s.scalar(select(Building).where(Building.cell_code == C1 + "001"))
        living = s.scalar(
            select(func.count())
            .select_from(Household)
            .where(Household.building_id == b.id, Household.moved_out.is_(None))
        )
        assert (b.households, b.households_estimated) == (living, False)


def by_code_as(api, user: str) -> dict[str, dict]:  # noqa: ANN001
    """``/stats/register?by=cell`` rows by code, as ``user``."""
    return {r["code"]: r for r in api.get("/stats/register", user).json()["rows"]}


def test_organisations_import(api, cli, tmp_path, capsys):
    from grid.register.creditcodes import make_credit_code

    code = make_credit_code(
        "91120101" + uuid.uuid4().hex[:9].upper().translate(str.maketrans("IOZSV", "12345"))
    )
    good = [
        ["名称", "统一社会信用代码", "类型", "地址", "联系人", "电话", "从业人数", "lon", "lat"],
        ["和平网吧", code, "网吧", "", "赵老板", "13811112222", "5", str(P1[0]), str(P1[1])],
    ]
    path = tmp_path / "orgs.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(good)
    bad = tmp_path / "bad-orgs.csv"
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with bad.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([good[0], [*good[1][:1], wrong, *good[1][2:]]])
    before = api.count("organisations")
    assert cli("import", "organisations", bad) == 2
    assert "row 2: credit_code" in capsys.readouterr().err
    assert api.count("organisations") == before
    assert cli("import", "organisations", path) == 0
    assert api.count("organisations") == before + 1
    listed = api.get("/organisations", "officer", params={"purpose": "检查"}).json()
    mine = [o for o in listed["organisations"] if o["credit_code"] == code]
    assert mine and mine[0]["contact"] == "赵老板" and mine[0]["org_type"] == "internet_cafe"
    assert cli("import", "organisations", path) == 2  # the same credit code again


def test_street_table_carries_the_register(api):
    from test_register import household

    household(api)  # at least one registered household in the officer's first cell
    table = api.get("/analytics/table", "street", params={"by": "cell"}).json()
    assert {"reg_households", "residents", "floating", "vacant_rooms"} <= set(table["columns"])
    rows = {r["cell_code"]: r for r in table["rows"]}
    counted = {r["code"]: r for r in api.get("/stats/register", "street").json()["rows"]}
    assert counted and set(counted) <= set(rows)
    for code, c in counted.items():
        assert rows[code]["reg_households"] == c["households"]
        assert (rows[code]["residents"], rows[code]["floating"]) == (c["residents"], c["floating"])


def test_report_carries_the_register(api):
    from test_register import household

    from api.analytics.report import build
    from api.periods import month

    household(api)
    page = build(api.store, C1, month("2024-05", ("query", "period")))
    assert "实有人口（登记）" in page and "登记户数" in page
