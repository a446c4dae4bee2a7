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


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (2022, "像是年份"),
        (2015.0, "像是年份"),
        (7.1, "是一个数字"),
        (5, "像是年份"),
        (80000, "年份"),
    ],
)
def test_numbers_outside_plausible_dates_are_refused_with_the_reason(raw, reason):
    with pytest.raises(ValueError, match=reason):
        cells.date(raw)


@pytest.mark.parametrize("raw", ["￥1,200.00", "¥1200", "￥ 1200元"])
def test_both_yuan_signs(raw):
    assert cells.amount(raw) == Decimal("1200.00")


@pytest.mark.parametrize(
    ("raw", "value"),
    [("王　芳", "王芳"), ("王\u00a0芳", "王芳"), (" 李 明 ", "李明"), ("Anna  Li", "Anna Li")],
)
def test_names_lose_their_padding(raw, value):
    assert cells.person_name(raw) == value


@pytest.mark.parametrize("raw", ["王?", "王\ufffd", "王？"])
def test_names_an_encoding_lost_are_refused(raw):
    with pytest.raises(ValueError, match="文字编码"):
        cells.person_name(raw)


@pytest.mark.parametrize("raw", [9.13101206711486e17, 913101206711486000, "9.13101E+17"])
def test_codes_excel_made_numbers_are_refused_as_such(raw):
    with pytest.raises(ValueError, match="Excel 把它当成了数字"):
        cells.code(raw, "统一社会信用代码")


def test_codes_kept_as_text_pass():
    assert cells.code("91310120MA1FL0XX4K", "代码") == "91310120MA1FL0XX4K"
    assert cells.rounded_by_excel("913101206711486000")
    assert not cells.rounded_by_excel("91310120MA1FL00000")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("手机号\n（必填）", "手机号"),
        ("姓名(必填)", "姓名"),
        ("*社区", "社区"),
        ("户数【户】", "户数"),
    ],
)
def test_headers_with_notes(raw, key):
    assert cells.header_key(raw) == key
