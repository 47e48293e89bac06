"""Organisations import: credit codes checked (GB 32100), types mapped to codes and place kinds,
bad rows named by row and field."""

import pandas as pd
import pytest

from grid.register.creditcodes import make_credit_code
from grid.register.organisations import check_organisations, read_organisations
from tests.test_register_rows import buildings, write_xlsx

HEADERS = ["名称", "统一社会信用代码", "类型", "地址", "联系人", "电话", "从业人数", "lon", "lat"]
CODE = make_credit_code("91120101MA05K1234")
OTHER = make_credit_code("92120101MA05K9876")
GOOD = [
    ["和信商贸有限公司", CODE, "企业", "南京路100号3号楼", "张伟", "13812345678", "12", "", ""],
    ["星空网咖", OTHER.lower(), "网吧", "", "李娜", "", "3", "117.3005", "39.1005"],
]


def wrong_check(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_good_and_bad_organisations(tmp_path, suffix):
    bad = [
        (["甲", wrong_check(CODE), "企业", "南京路100号3号楼", "", "", "", "", ""], "credit_code"),
        (["乙", CODE, "企业", "南京路100号3号楼", "", "", "", "", ""], "credit_code"),
        (["丙", "", "太空站", "南京路100号3号楼", "", "", "", "", ""], "org_type"),
        (["丁", "", "商铺", "南京路100号3号楼", "", "", "2.5", "", ""], "employees"),
        (["戊", "", "商铺", "无名路1号", "", "", "", "", ""], "address"),
        (["", "", "商铺", "南京路100号3号楼", "", "", "", "", ""], "name"),
        (["己", "", "商铺", "南京路100号3号楼", "", "999", "", "", ""], "phone"),
    ]
    rows = GOOD + [b[0] for b in bad]
    path = tmp_path / f"org{suffix}"
    if suffix == ".csv":
        pd.DataFrame(rows, columns=HEADERS).to_csv(path, index=False)
    else:
        write_xlsx(path, rows, HEADERS)
    got = check_organisations(read_organisations(path), buildings())
    orgs = got.organisations
    assert orgs["building_id"].tolist()[:2] == [11, 13]
    assert orgs["org_type"].tolist()[:2] == ["company", "internet_cafe"]
    assert orgs["place_kind"].tolist()[:2] == [None, "internet_cafe"]
    assert orgs["credit_code"].tolist()[1] == OTHER
    assert orgs["employees"].tolist()[:2] == [12, 3]
    for k, (_, field) in enumerate(bad):
        assert any(p.row == 4 + k and p.field == field for p in got.problems), (k, got.problems)
    assert not any(p.row < 4 for p in got.problems)
    assert "check character" in next(p.reason for p in got.problems if p.row == 4)
    assert "same credit code as row 2" in next(p.reason for p in got.problems if p.row == 5)
