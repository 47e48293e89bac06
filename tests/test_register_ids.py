"""ID numbers, credit codes and phones of the register: known good and bad values, and properties
(normalising is idempotent, generated numbers pass, one changed character fails)."""

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.register.creditcodes import (
    CHARSET,
    credit_code_error,
    credit_code_errors,
    make_credit_code,
    normalise_credit_code,
)
from grid.register.idnumbers import (
    birth_date,
    id_number_error,
    id_number_errors,
    make_id,
    normalise_id,
    sex,
)
from grid.register.phones import normalise_phone, phone_error, phone_errors

# GB 11643's own worked example, and a published sample credit code.
GOOD_ID = "11010519491231002X"
GOOD_CODE = "91350100M000100Y43"


def test_standard_example_is_valid():
    assert id_number_error(GOOD_ID) is None
    assert birth_date(GOOD_ID) == date(1949, 12, 31)
    assert sex(GOOD_ID) == "female"
    assert sex(make_id("120101", date(1980, 1, 1), 11)) == "male"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "17 digits"),
        ("99010519491231002X", "region code 99"),
        ("110105194902300021", "not a real date"),
        ("110105299912310023", "impossible"),
        ("110105194912310021", "invalid ID checksum"),
        ("", "18 characters, not 0"),
    ],
)
def test_bad_ids_say_why(value, reason):
    assert reason in (id_number_error(value) or "")


def test_full_width_and_lower_x_are_normalised():
    assert normalise_id(" １１０１０５１９４９１２３１００２ｘ ") == GOOD_ID
    assert id_number_error("11010519491231002x") is None


def test_column_check_keeps_index_and_missing_values():
    s = pd.Series([GOOD_ID, None, "110105194912310021"], index=[5, 6, 7])
    errs = id_number_errors(s)
    assert list(errs.index) == [5, 6, 7]
    assert errs[5] is None and "18" in errs[6] and "checksum" in errs[7]


def test_future_birth_date_is_refused():
    tomorrow = date.today() + timedelta(days=1)
    first17 = f"120101{tomorrow:%Y%m%d}001"
    from grid.register.idnumbers import check_char

    assert "impossible" in id_number_error(first17 + check_char(first17))


ids = st.builds(
    make_id,
    st.sampled_from(["120101", "120102", "110105", "440305", "650102"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date.today()),
    st.integers(0, 999),
)


@settings(max_examples=300, deadline=None)
@given(ids)
def test_generated_ids_pass(value):
    assert id_number_error(value) is None
    assert normalise_id(normalise_id(value)) == normalise_id(value)


@settings(max_examples=300, deadline=None)
@given(ids, st.integers(0, 17), st.sampled_from(list("0123456789X")))
def test_one_changed_character_fails(value, pos, char):
    changed = value[:pos] + char + value[pos + 1 :]
    if changed != value:
        assert id_number_error(changed) is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=25))
def test_normalise_id_is_idempotent_and_never_raises(text):
    once = normalise_id(text)
    assert normalise_id(once) == once
    id_number_error(text)


def test_credit_code_examples():
    assert credit_code_error(GOOD_CODE) is None
    assert credit_code_error(" 91350100m000100y43") is None
    assert "check character" in credit_code_error("91350100M000100Y44")
    assert "not allowed" in credit_code_error("91350100M000100I43")
    assert "18 characters" in credit_code_error("9135")
    errs = credit_code_errors(pd.Series([GOOD_CODE, "X"]))
    assert errs[0] is None and errs[1] is not None


codes = st.builds(
    lambda a, b, region, org: make_credit_code(a + b + region + org),
    st.sampled_from(list("159Y")),
    st.sampled_from(list("123")),
    st.from_regex(r"[1-6][0-9]{5}", fullmatch=True),
    st.text(alphabet=CHARSET, min_size=9, max_size=9),
)


@settings(max_examples=300, deadline=None)
@given(codes, st.integers(0, 17), st.sampled_from(list(CHARSET)))
def test_generated_credit_codes_pass_and_one_change_fails(code, pos, char):
    assert credit_code_error(code) is None
    assert normalise_credit_code(normalise_credit_code(code)) == code
    changed = code[:pos] + char + code[pos + 1 :]
    if changed != code:
        assert credit_code_error(changed) is not None


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("８６１３８１２３４５６７８", "13812345678"),
        ("022-23456789", "022-23456789"),
        ("(022) 2345 6789", "022-23456789"),
        ("+86 22 2345 6789", "022-23456789"),
        ("010-12345678", "010-12345678"),
        ("0571-8765432", "0571-8765432"),
    ],
)
def test_good_phones(value, normal):
    assert normalise_phone(value) == normal
    assert phone_error(value) is None


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "23456789", "abc", "", "013-812"])
def test_bad_phones(value):
    assert phone_error(value) is not None


def test_phone_column_check_skips_missing():
    errs = phone_errors(pd.Series(["13812345678", None, "", "123"]))
    assert errs.tolist()[:3] == [None, None, None] and errs[3] is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_normalise_phone_is_idempotent(text):
    once = normalise_phone(text)
    assert normalise_phone(once) == once
