"""Standard addresses: the written variants of one address agree, parts come out right, and
normalising is idempotent on any text."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.register.addresses import (
    AddressParts,
    building_key,
    building_keys,
    cn_number,
    normalise_address,
    normalise_addresses,
    parse_address,
    parse_addresses,
)

SAME = [
    "南京路100号3号楼2单元301室",
    "天津市和平区南京路100号3栋2门301",
    "南京路一百号三号楼二单元三零一室",
    "南京路１００号　３幢 ２单元 ３０１号",
    "和平区南营门街道南京路100号3-2-301",
    "南京路100号3座2单元301户",
    "南京路100号3号楼2单元301",
    "南京路100号第3栋2单元0301室",
]


@pytest.mark.parametrize("text", SAME)
def test_variants_of_one_address_agree(text):
    assert normalise_address(text) == "南京路100号3号楼2单元301室"
    assert parse_address(text) == AddressParts("南京路", "100", "3", "2", "3", "301")
    assert building_key(parse_address(text)) == "南京路100号3号楼"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("十一经路12号", AddressParts("十一经路", "12")),
        ("华苑小区5号楼1单元12层1201", AddressParts("华苑小区", None, "5", "1", "12", "1201")),
        ("宁夏路5号A座1单元5楼502号", AddressParts("宁夏路", "5", "A", "1", "5", "502")),
        ("南京路100号3楼", AddressParts("南京路", "100", "3")),
        ("农贸市场路8号", AddressParts("农贸市场路", "8")),
        ("", AddressParts()),
    ],
)
def test_parts(text, parts):
    assert parse_address(text) == parts


def test_chinese_numerals():
    assert [cn_number(t) for t in ("十", "十一", "二十", "一百零五", "一〇五", "两千")] == [
        10,
        11,
        20,
        105,
        105,
        2000,
    ]


def test_column_versions_agree_with_single_ones():
    s = pd.Series(SAME + ["十一经路12号", None, "华苑小区5号楼1单元12层1201"], index=range(10, 21))
    normal = normalise_addresses(s)
    assert list(normal.index) == list(s.index)
    assert normal.tolist() == [normalise_address(t) for t in s]
    parts = parse_addresses(s)
    for i, text in s.items():
        expected = parse_address(text)
        got = AddressParts(*[None if pd.isna(v) else v for v in parts.loc[i]])
        assert got == expected
        assert building_keys(parts)[i] == building_key(expected)


address_text = st.lists(
    st.sampled_from(
        list("南京路号楼栋幢座单元门层室户房第一二三十百零〇两0123456789AB-— ，、#区市省街道小")
        + ["天津市", "和平区", "街道", "小区", "单元", "号楼"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(address_text, st.text(max_size=30)))
def test_normalise_address_is_idempotent(text):
    once = normalise_address(text)
    assert normalise_address(once) == once
    assert building_key(parse_address(once)) == building_key(parse_address(text))
