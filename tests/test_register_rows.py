"""Reading and checking a register file: XLSX and CSV agree, every bad row is named with its row
and field, good rows match buildings by address or by a point inside a footprint."""

from datetime import date

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from grid.errors import InputError
from grid.register.idnumbers import make_id
from grid.register.rows import REGISTER_COLUMNS, check_register, read_register

TODAY = date(2026, 6, 1)
HEADERS = ["地址", "单元", "房号", "户号", "姓名", "身份证号", "电话", "人员类型", "与户主关系"]
HEADERS += ["迁入日期", "lon", "lat", "标签"]
A = make_id("120101", date(1980, 5, 1), 11)
B = make_id("120101", date(1982, 7, 9), 22)
C = make_id("120102", date(2010, 1, 2), 33)
D = make_id("120103", date(1975, 3, 3), 45)
GOOD = [
    ["南京路100号3号楼", "2", "301", "H1", "张伟", A, "13812345678", "户籍", "户主", "2015-03-01"],
    ["南京路一百号三栋", "二", "301室", "H1", "李娜", B.lower(), "", "户籍", "配偶", "2015/3/1"],
    ["南京路100号3幢", "2", "301", "H1", "张子涵", C, "", "户籍", "子女", ""],
    ["某路1号", "1", "101", "H2", "王强", D, "022-23456789", "流动", "本人", "2020年1月2日"],
]
GOOD[3] += ["117.3005", "39.1005", "独居老人"]
for r in GOOD[:3]:
    r += ["", "", ""]
GOOD[0][-1] = "低保、残疾人"


def buildings() -> gpd.GeoDataFrame:
    """Three footprints: two with standard addresses, one with none (matched by point)."""
    boxes = [shapely.box(117.1 + i * 0.1, 39.1, 117.101 + i * 0.1, 39.101) for i in range(3)]
    return gpd.GeoDataFrame(
        {"id": [11, 12, 13], "address": ["南京路100号3号楼", "天津市和平区南京路100号4栋", None]},
        geometry=boxes,
        crs="EPSG:4326",
    )


def write_csv(path, rows, headers=HEADERS):
    pd.DataFrame(rows, columns=headers).to_csv(path, index=False)
    return path


def write_xlsx(path, rows, headers=HEADERS, blank_top=0):
    wb = openpyxl.Workbook()
    ws = wb.active
    for _ in range(blank_top):
        ws.append([])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_good_file_round_trips_from_csv_and_xlsx(tmp_path):
    csv = read_register(write_csv(tmp_path / "r.csv", GOOD))
    xlsx = read_register(write_xlsx(tmp_path / "r.xlsx", GOOD))
    assert set(REGISTER_COLUMNS) <= set(csv.columns)
    assert csv["row"].tolist() == xlsx["row"].tolist() == [2, 3, 4, 5]
    for rows in (csv, xlsx):
        got = check_register(rows, buildings(), today=TODAY)
        assert got.problems == [], got.problems
        people = got.people
        assert people["building_id"].tolist() == [11, 11, 11, 13]
        assert people["matched_by"].tolist() == ["address"] * 3 + ["point"]
        assert people["person_type"].tolist() == ["registered"] * 3 + ["floating"]
        assert people["relation"].tolist() == ["self", "spouse", "child", "self"]
        assert people["id_number"].tolist()[1] == B
        assert people["household_key"].nunique() == 2
        assert people["unit"].tolist()[:3] == ["2", "2", "2"]
        assert people["room"].tolist()[:3] == ["301", "301", "301"]
        assert people["floor"].tolist()[:3] == ["3", "3", "3"]
        assert people["standard_address"].iloc[1] == "南京路100号3号楼2单元3层301室"
        assert people["address"].iloc[1] == "南京路一百号三栋"
        assert people["moved_in"].iloc[3] == pd.Timestamp("2020-01-02")
        assert people["birth_date"].iloc[0] == pd.Timestamp("1980-05-01")
        assert people["tags"].iloc[0] == ("low_income", "disabled")
        assert people["tags"].iloc[3] == ("elderly_alone",)
        assert got.summary["matched_by_address"] == 3 and got.summary["matched_by_point"] == 1
        assert got.summary["households"] == 2


def bad_rows():
    """Good rows followed by one bad row per kind of problem, with the field that is wrong."""
    rows = [list(r) for r in GOOD]
    bad_id = A[:-1] + ("0" if A[-1] != "0" else "1")
    serial = iter(range(100, 200))

    def row(**change):
        r = list(GOOD[3])
        r[3] = change.pop("household", "H9")
        r[5] = change.pop("id_number", make_id("120104", date(1990, 8, 8), next(serial)))
        for key, value in change.items():
            r[HEADERS.index(key)] = value
        return r

    cases = [
        (row(id_number=bad_id), "id_number", "checksum"),
        (row(id_number="120101203001010011"), "id_number", "impossible"),
        (row(id_number="120101199002300011"), "id_number", "not a real date"),
        (row(迁入日期="2099-01-01"), "moved_in", "impossible"),
        (row(迁入日期="2020-13-45"), "moved_in", "not a date"),
        (row(迁入日期="1985-01-01"), "moved_in", "before the birth date"),
        (row(人员类型="游客"), "person_type", "unknown person type"),
        (row(与户主关系="邻居"), "relation", "unknown relation"),
        (row(地址="无名路9号", lon="", lat=""), "address", "matches no building"),
        (row(lon="abc"), "lon", "not a number"),
        (list(GOOD[0]), "id_number", "duplicate of row 2"),
        (row(id_number=B, household="H7"), "id_number", "also in another household at row 3"),
        (row(电话="12345"), "phone", "phone must be"),
        (row(姓名=""), "name", "missing"),
        (row(标签="外星人"), "tags", "unknown key group"),
        (row(id_number=make_id("120101", date(1970, 1, 1), 3)), "id_number", "lives at another"),
        (row(household="H1"), "relation", "already has a householder"),
        (row(household="H1", 与户主关系="子女"), "household_no", "another building at row 2"),
    ]
    return rows + [c[0] for c in cases], [(c[1], c[2]) for c in cases]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_bad_row_is_named(tmp_path, suffix):
    rows, expected = bad_rows()
    write = write_csv if suffix == ".csv" else write_xlsx
    table = read_register(write(tmp_path / f"bad{suffix}", rows))
    elsewhere = frozenset({make_id("120101", date(1970, 1, 1), 3)})
    got = check_register(table, buildings(), existing_ids=elsewhere, today=TODAY)
    by_row = {}
    for p in got.problems:
        by_row.setdefault(p.row, []).append(p)
    first_bad = len(GOOD) + 2
    for k, (field, words) in enumerate(expected):
        found = by_row.get(first_bad + k, [])
        assert any(p.field == field and words in p.reason for p in found), (k, found)
    assert not any(p.row < first_bad for p in got.problems), got.problems[:3]
    assert got.summary["duplicates"] == 1
    assert got.summary["in_two_households"] == 1
    assert got.summary["already_elsewhere"] == 1
    assert got.summary["invalid_ids"] == 3
    assert got.summary["unmatched"] == 2  # no building at that address; lon not a number


def test_a_formula_cell_is_refused_with_its_row(tmp_path):
    rows = [list(r) for r in GOOD]
    rows[2][6] = "=A1&B1"
    with pytest.raises(InputError, match="row 4, column G: cell holds a formula"):
        read_register(write_xlsx(tmp_path / "f.xlsx", rows))
    with pytest.raises(InputError, match="row 4, column G: cell holds a formula"):
        read_register(write_csv(tmp_path / "f.csv", rows))


def test_rows_count_from_the_sheet_and_skip_blank_lines(tmp_path):
    table = read_register(write_xlsx(tmp_path / "t.xlsx", [GOOD[0], [], GOOD[1]], blank_top=2))
    assert table["row"].tolist() == [4, 6]
    path = write_csv(tmp_path / "t.csv", [GOOD[0], GOOD[1]])
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], lines[1], "", lines[2]]) + "\n", encoding="utf-8")
    assert read_register(path)["row"].tolist() == [2, 4]
    multi = pd.DataFrame([GOOD[0], GOOD[1]], columns=HEADERS)
    multi.loc[0, "地址"] = "南京路100号\n3号楼"
    multi.to_csv(tmp_path / "m.csv", index=False)
    table = read_register(tmp_path / "m.csv")
    assert table["row"].tolist() == [2, 3] and "\n" in table["address"].iloc[0]


def test_english_headers_and_a_mapping(tmp_path):
    headers = ["address", "unit", "room", "household_no", "name", "id_number", "phone"]
    headers += ["person_type", "relation", "moved_in", "lon", "lat", "tags"]
    headers[4] = "户主姓名"
    path = write_csv(tmp_path / "en.csv", GOOD, headers)
    with pytest.raises(InputError, match="no column for name"):
        read_register(path)
    table = read_register(path, mapping={"户主姓名": "name"})
    assert table["name"].tolist()[0] == "张伟"
    with pytest.raises(InputError, match="not in the file"):
        read_register(path, mapping={"名字": "name"})


def test_gbk_csv_is_read(tmp_path):
    path = tmp_path / "gbk.csv"
    pd.DataFrame(GOOD, columns=HEADERS).to_csv(path, index=False, encoding="gb18030")
    assert read_register(path)["name"].tolist()[0] == "张伟"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [("x.txt", b"", "empty"), ("x.pdf", b"%PDF", "unsupported"), ("x.xlsx", b"PK", "XLSX")],
)
def test_unreadable_files_are_refused(tmp_path, name, content, words):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=words):
        read_register(tmp_path / name)


def test_header_only_file_and_missing_columns(tmp_path):
    empty = read_register(write_csv(tmp_path / "e.csv", []))
    got = check_register(empty, buildings())
    assert got.problems == [] and got.summary["rows"] == 0 and len(got.people) == 0
    bare = pd.DataFrame({"name": ["张伟"], "id_number": [A], "person_type": ["户籍"]})
    got = check_register(bare, buildings(), today=TODAY)
    assert [(p.row, p.field) for p in got.problems] == [(2, "address")]
