import pytest

from jinhai.masking import mask_id_number, mask_phone
from jinhai.templatetags.portal import percent


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("021-57181011", "*******1011"),
        ("", ""),
        (None, ""),
        ("123", "***"),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_id_number():
    assert mask_id_number("31012019800101123X") == "3****************X"
    assert mask_id_number("") == ""


def test_percent():
    assert percent(0.8123) == "81.2%"
    assert percent(None) == "—"


def test_the_quick_check_knows_every_character_that_folds_to_a_digit():
    # mask_text returns text without such a character as it is, unfolded: a character that
    # folds to a digit but escaped the check would let a number written with it go unmasked.
    import sys
    import unicodedata

    from jinhai.masking import _MAY_HOLD_NUMBER, _fold_char

    missed = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
        and _fold_char(chr(code)) in set("0123456789")
        and not _MAY_HOLD_NUMBER.match(chr(code))
    ]
    assert missed == [], unicodedata.unidata_version


def test_text_with_no_digit_is_returned_as_it_is():
    from jinhai.masking import mask_text

    assert mask_text("金水苑 · 楼组长") == "金水苑 · 楼组长"
    assert mask_text("金水苑12号楼 2022年7月15日") == "金水苑12号楼 2022年7月15日"
    assert mask_text("电话 ①③⑨ １２３４ 5678") == "电话 139****5678"
    assert mask_text("13912345678") == "139****5678"
    assert mask_text("1391234567") == "1391234567"  # ten digits: not a mobile
