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
