"""Cell normalisers shared by every import: Excel cells as staff leave them, made into values.

Each function takes a raw cell (str, int, float, datetime, None) and returns a clean value, or
raises `ValueError` with a Chinese reason that the import shows next to the row and column.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# Full-width ASCII (！ to ～) and the ideographic space, mapped to their half-width forms.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20
_SPACES = re.compile(r"\s+")


def halfwidth(value: str) -> str:
    return value.translate(_HALFWIDTH)


def text(value) -> str:
    """Trimmed text; None becomes "", a whole float (Excel's 12.0) its integer."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    # Python's strip() already takes the no-break and ideographic spaces.
    return value.strip()


def name_key(value) -> str:
    """How names are compared: full-width folded, spaces removed, NFKC. Never stored."""
    return _name_key(text(value))


# Quotes are typed as ASCII in one file and as “” in the system (a training called “垃圾分类”).
_QUOTES = re.compile("[\"'“”‘’「」『』„‟]")


@lru_cache(maxsize=65536)
def _name_key(value: str) -> str:
    # Names repeat on almost every row (the same community, compound, "12号楼"): cached.
    return _QUOTES.sub("", _SPACES.sub("", unicodedata.normalize("NFKC", halfwidth(value))))


# A note in a header: 姓名(必填), 手机号【11位】, *社区, 户数[户].
_HEADER_NOTE = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|〔.*?〕|[*※★]")


@lru_cache(maxsize=4096)
def header_key(value) -> str:
    """How a header is matched to a template column: notes, marks and line breaks dropped."""
    key = name_key(value)
    stripped = _HEADER_NOTE.sub("", key)
    return stripped or key


_PHONE_NOISE = re.compile(r"[\s\-()()—–_.]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def phone(value) -> str:
    """A mainland mobile number as 11 digits: spaces, dashes, +86 and full-width digits accepted."""
    raw = text(value)
    if not raw:
        return ""
    digits = _PHONE_NOISE.sub("", halfwidth(raw))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise ValueError(f"手机号“{raw}”不正确:应为 11 位手机号码,如 13812345678")
    return digits


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_TIME_SUFFIX = re.compile(r"(T|\s+)\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
# Excel's day 0 is 1899-12-30 (it counts a 1900-02-29 that never was).
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
# The day counts of 1990-01-01 and 2100-12-31: outside them a number is not a date we keep.
_SERIAL_MIN, _SERIAL_MAX = 32874, 73415


def date(value) -> datetime.date | None:
    """Excel dates, 2022-07-15, 2022/7/15, 2022.7.15, 2022年7月15日 or 20220715."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number is a date only as Excel counts days, and only for a plausible year: 2022 is a
        # year (1905-07-14 as a day count), 7.1 is July 1st typed as a number (1900-01-06).
        if _SERIAL_MIN <= value <= _SERIAL_MAX and float(value).is_integer():
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        shown = text(value)
        if isinstance(value, int) or float(value).is_integer():
            reason = f"“{shown}”是一个数字(像是年份),不是日期"
        else:
            reason = f"“{shown}”是一个数字,不是日期"
        raise ValueError(f"{reason}:请写成 2022-07-15 这样的完整日期")
    raw = text(value)
    if not raw:
        return None
    # A time of day after the date (Excel's text export writes 00:00:00) is dropped.
    compact = _TIME_SUFFIX.sub("", halfwidth(raw)).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(compact)
        if match:
            try:
                return datetime.date(*(int(g) for g in match.groups()))
            except ValueError:
                break
    raise ValueError(f"日期“{raw}”无法识别:请写成 2022-07-15、2022/7/15 或 2022年7月15日")


_AMOUNT_NOISE = re.compile(r"[\s,,元\u00a5\uffe5]|人民币|RMB", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def amount(value) -> Decimal | None:
    """Money in yuan: 1200, 1,200元, ¥1200.50, 1.2万 and full-width digits accepted."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    raw = text(value)
    if not raw:
        return None
    compact = _AMOUNT_NOISE.sub("", halfwidth(raw))
    scale = Decimal(1)
    if compact.endswith("万"):
        compact, scale = compact[:-1], Decimal(10000)
    if not _NUMBER.match(compact):
        raise ValueError(f"金额“{raw}”不是数字:请写成 1200 或 1,200元")
    try:
        return (Decimal(compact) * scale).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"金额“{raw}”不是数字") from exc


def integer(value, unit: str = "") -> int | None:
    """A whole number; a trailing unit such as 户 or 人 is allowed."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"“{value}”不是整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"“{value}”不是整数")
    raw = text(value)
    if not raw:
        return None
    compact = halfwidth(raw).replace(",", "").replace(" ", "")
    if unit and compact.endswith(unit):
        compact = compact[: -len(unit)]
    if not re.fullmatch(r"[+-]?\d+", compact):
        raise ValueError(f"“{raw}”不是整数")
    return int(compact)


_ROOM_SUFFIX = re.compile(r"(室|号房|房)$")
_ROOM_AS_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$")
_ROOM_HINT = "请把房号这一列设为“文本”格式后重新填写"


def room(value) -> str:
    """A room as residents say it: `101室`, `１０１` and `101` are the same room, 101.

    The one place a room is read, by the imports and by whatever else names a household, so that
    a household never gets a second account under a spelling of its own room."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        # Excel turns 3-2 into 3月2日 unless the column is text; the room cannot be read back.
        raise ValueError(f"室号被表格当成了日期({value:%Y-%m-%d}):{_ROOM_HINT}")
    if value.__class__ is str:
        return _room_text(value)
    return _room_text(text(value))


@lru_cache(maxsize=65536)
def _room_text(raw: str) -> str:
    # The rooms of a building group repeat on every row of a ledger, and every lookup of a
    # household reads its room again: cached (a ValueError is raised again each time).
    raw = text(raw)
    compact = _SPACES.sub("", unicodedata.normalize("NFKC", halfwidth(raw)))
    if _ROOM_AS_DATE.match(raw):
        raise ValueError(f"室号“{raw}”被表格当成了日期:{_ROOM_HINT}")
    compact = _ROOM_SUFFIX.sub("", compact)
    if not compact:
        raise ValueError(f"室号“{raw}”不正确:应为 101 或 3-202 这样的房号")
    return compact


_CJK = r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f·]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")
# What an encoding leaves where it could not hold a character (GBK has no 䶮).
_LOST = ("?", "\ufffd", "？")


def person_name(value) -> str:
    """A person's name as it is stored: 王　芳 (alignment padding) and no-break spaces removed
    between Chinese characters, other runs of spaces made one; a ? left by an encoding refused."""
    raw = text(value)
    if not raw:
        return ""
    cleaned = _CJK_GAP.sub("", raw)
    cleaned = _SPACES.sub(" ", cleaned)
    if any(mark in cleaned for mark in _LOST):
        raise ValueError(
            f"姓名“{cleaned}”中有“?”:文件的文字编码丢失了生僻字。"
            "请把文件另存为 .xlsx 或“CSV UTF-8”后再导入"
        )
    return cleaned


_CODE_AS_NUMBER = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
EXCEL_NUMBER = "Excel 把它当成了数字,超过 15 位的数字已被改写。请把该列设为文本格式后重新填写"


def code(value, what: str) -> str:
    """A long code (credit code, ID number) as text; one Excel turned into a number is refused:
    Excel keeps 15 digits, so the rest became zeros and the code cannot be read back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) >= 1e15:
            shown = f"{value:.0f}" if isinstance(value, float) else str(value)
            raise ValueError(f"{what}“{shown}”:{EXCEL_NUMBER}")
        return text(value)
    raw = text(value)
    if _CODE_AS_NUMBER.match(halfwidth(raw).replace(" ", "")):
        raise ValueError(f"{what}“{raw}”:{EXCEL_NUMBER}")
    return raw


def rounded_by_excel(raw: str) -> bool:
    """An all-digit code of 16 digits or more ending in zeros: what a number cell leaves."""
    return len(raw) >= 16 and raw.isdigit() and raw.endswith("000")


_YES = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "有", "出席", "已"}
_NO = {"否", "×", "✗", "✘", "x", "n", "no", "false", "0", "无", "缺席", "未"}


def yes_no(value) -> bool | None:
    """是/否, √/×, Y/N, 1/0; empty is None (not given)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    raw = text(value)
    if not raw:
        return None
    key = halfwidth(raw).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(f"“{raw}”应填“是”或“否”")


yes_no.choices = ("是", "否")


def choice(choices, what, aliases=None):
    """A parser for a choices column: the Chinese label as staff write it (楼组长), or one of
    `aliases` ({"社团": "group"}) for what people commonly write instead."""
    by_label = {name_key(label): value for value, label in choices}
    by_label.update({name_key(alias): value for alias, value in (aliases or {}).items()})

    def parse(value):
        raw = text(value)
        if not raw:
            return ""
        try:
            return by_label[name_key(raw)]
        except KeyError:
            allowed = "、".join(label for _, label in choices)
            raise ValueError(f"{what}“{raw}”不正确,应为:{allowed}") from None

    # The preview shows the label the value will be shown as, never the stored code.
    parse.labels = dict(choices)
    # What the template's drop-down offers.
    parse.choices = tuple(label for _, label in choices)
    return parse


def shown(parse, value) -> str:
    """A parsed value as the preview shows what will be stored: dates as dates, 是/否, labels."""
    labels = getattr(parse, "labels", None)
    if labels is not None:
        try:
            if value in labels:
                return labels[value]
        except TypeError:
            pass
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, tuple | list):
        return "、".join(text(v) for v in value)
    return text(value)
