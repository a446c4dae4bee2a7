import datetime
from decimal import Decimal

import pytest

from jinhai.imports import cells


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "+86 13812345678",
        "+86-138-1234-5678",
        "008613812345678",
        "13812345678",
        " 13812345678 ",
        13812345678,
        13812345678.0,
    ],
)
def test_phone_variants_normalise_to_11_digits(raw):
    assert cells.phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12345678901", "1381234567", "021-57181011", "电话"])
def test_invalid_phones_are_refused_in_chinese(raw):
    with pytest.raises(ValueError, match="手机号"):
        cells.phone(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2022-07-15",
        "2022/7/15",
        "2022.7.15",
        "2022年7月15日",
        "2022年7月15",
        "20220715",
        "２０２２-０７-１５",
        44757,
        44757.0,
        datetime.datetime(2022, 7, 15, 9, 30),
        datetime.date(2022, 7, 15),
        " 2022-07-15 00:00:00 ",
    ],
)
def test_date_variants(raw):
    assert cells.date(raw) == datetime.date(2022, 7, 15)


@pytest.mark.parametrize("raw", ["2022-13-01", "去年", "15/07/2022"])
def test_bad_dates(raw):
    with pytest.raises(ValueError, match="日期"):
        cells.date(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,200元", "1200.00"),
        ("１２００", "1200.00"),
        ("¥1,200.50", "1200.50"),
        (1200, "1200.00"),
        ("1.2万", "12000.00"),
        ("1,200 元", "1200.00"),
        (" 800元 ", "800.00"),
    ],
)
def test_amounts(raw, value):
    assert cells.amount(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["一千二", "约1200", "1200-300"])
def test_bad_amounts(raw):
    with pytest.raises(ValueError, match="金额"):
        cells.amount(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("是", True), ("√", True), ("否", False), ("×", False), ("Y", True), ("0", False), ("", None)],
)
def test_yes_no(raw, value):
    assert cells.yes_no(raw) is value


def test_yes_no_refuses_other_text():
    with pytest.raises(ValueError, match="是"):
        cells.yes_no("也许")


def test_integers_and_text():
    assert cells.integer("24户", unit="户") == 24
    assert cells.integer("２４") == 24
    assert cells.integer(24.0) == 24
    with pytest.raises(ValueError):
        cells.integer("二十四")
    assert cells.text("  正学苑\u3000") == "正学苑"
    assert cells.name_key(" 金水 苑 ") == cells.name_key("金水苑")
    assert cells.name_key("（保租房）") == cells.name_key("(保租房)")


@pytest.mark.parametrize(
    "raw, value",
    [
        ("101", "101"),
        ("101室", "101"),
        ("１０１室", "101"),
        (" 3-202 ", "3-202"),
        (301.0, "301"),
        ("1 0 1", "101"),
        ("", ""),
    ],
)
def test_rooms_are_read_as_residents_say_them(raw, value):
    assert cells.room(raw) == value


@pytest.mark.parametrize(
    "raw", [datetime.datetime(2022, 3, 2), datetime.date(2022, 3, 2), "2022-03-02 00:00:00", "室"]
)
def test_rooms_that_became_dates_are_refused_with_a_hint(raw):
    with pytest.raises(ValueError, match="室号"):
        cells.room(raw)
