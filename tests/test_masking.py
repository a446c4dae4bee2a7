import pytest

from jinhai import masking
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


def test_the_few_digits_shortcut_skips_nothing_a_scan_would_find():
    """mask_text returns text with fewer than eleven digits unscanned: every character that
    `fold` turns into a digit must be one str.isdigit counts."""
    import sys
    import unicodedata

    missed = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if len(folded := unicodedata.normalize("NFKC", chr(code))) == 1
        and folded.isdigit()
        and not chr(code).isdigit()
    ]
    assert missed == []
    assert masking.mask_text("１３９ １２３４ ５６７８") == "139****5678"
    assert masking.mask_text("金水苑3号楼 1390000") == "金水苑3号楼 1390000"
