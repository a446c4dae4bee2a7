"""How lists of names are sorted for people: "2号楼" before "10号楼", 陈 before 张."""

import re
import unicodedata
from collections.abc import Sequence

_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str):
    """Split digits out so that they compare as numbers: 2号楼 < 10号楼 < 10号楼A."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _NUMBER.split(text)
        if part
    ]


# Pinyin order: how people expect a list of Chinese names to read (阿, 白, 陈 … 张, 赵),
# rather than code-point order, which scatters them. pypinyin gives the readings; it has no
# surname mode (its open issues #120 and #297), so a person's surname is read from the table
# below first: 单雄信 files under S (shàn), not D; 曾 under Z.

# Surname readings that differ from the character's everyday reading, as numbered pinyin.
SURNAMES = {
    "单": "shan4", "曾": "zeng1", "解": "xie4", "仇": "qiu2", "朴": "piao2", "查": "zha1",
    "区": "ou1", "乐": "yue4", "覃": "qin2", "盖": "ge3", "缪": "miao4", "翟": "zhai2",
    "任": "ren2", "沈": "shen3", "柏": "bai3", "燕": "yan1", "纪": "ji3", "华": "hua4",
    "葛": "ge3", "员": "yun4", "繁": "po2", "黑": "he4", "秘": "bi4", "召": "shao4",
    "种": "chong2", "折": "she2", "隗": "wei3", "重": "chong2", "冼": "xian3", "瞿": "qu2",
    "贾": "jia3", "盛": "sheng4", "薄": "bo2", "都": "du1", "宿": "su4", "牟": "mou2",
    "阚": "kan4", "叶": "ye4", "陆": "lu4", "卜": "bu3", "尉": "wei4", "句": "gou1",
    "过": "guo1", "藏": "zang4", "长": "chang2", "能": "nai4", "那": "na1", "车": "che1",
}  # fmt: skip
# Two-character surnames, read as a whole (尉迟 yùchí, not wèichí). Only for names of three
# characters or more: 单于 alone is surname 单 and given name 于.
COMPOUND_SURNAMES = {
    "尉迟": "yu4 chi2", "万俟": "mo4 qi2", "长孙": "zhang3 sun1", "单于": "chan2 yu2",
    "澹台": "tan2 tai2", "乐正": "yue4 zheng4", "令狐": "ling2 hu2", "诸葛": "zhu1 ge3",
    "欧阳": "ou1 yang2", "上官": "shang4 guan1", "司马": "si1 ma3", "夏侯": "xia4 hou2",
    "东方": "dong1 fang1", "公孙": "gong1 sun1", "慕容": "mu4 rong2", "宇文": "yu3 wen2",
    "皇甫": "huang2 fu3", "赫连": "he4 lian2", "端木": "duan1 mu4", "司徒": "si1 tu2",
    "轩辕": "xuan1 yuan2", "呼延": "hu1 yan2",
}  # fmt: skip

# Han characters (the unified ideographs, their extensions and 〇), in runs: a run goes to
# pypinyin whole, so that its phrase table picks the reading (重庆 chóng, 银行 háng).
_HAN_RUN = re.compile(r"([\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")
# Outside Han runs: digit runs, letter runs, and single other characters.
_NON_HAN = re.compile(r"(\d+)|([^\W\d_]+)|(.)", re.DOTALL)
_SYLLABLE = re.compile(r"([a-zü]+)([1-5])")
# The order of the element kinds in a key: numbers, then letters and readings, then the rest.
_KIND_NUMBER, _KIND_SOUND, _KIND_OTHER = 0, 1, 2


def _readings(run: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # its tables load on first use, not at start-up

    return lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True, errors=list)


def _sounds(readings) -> list[tuple]:
    elements = []
    for reading in readings:
        match = _SYLLABLE.fullmatch(reading)
        if match:
            elements.append((_KIND_SOUND, match[1], int(match[2])))
        else:  # a character pypinyin has no reading for
            elements.append((_KIND_OTHER, reading, 0))
    return elements


def _elements(text: str) -> list[tuple]:
    elements = []
    for i, part in enumerate(_HAN_RUN.split(text)):
        if not part:
            continue
        if i % 2:  # a Han run
            elements += _sounds(_readings(part))
            continue
        for digits, letters, other in _NON_HAN.findall(part):
            if digits:
                # As a number, without int(): a run of any length, in any script's digits.
                number = "".join(str(unicodedata.digit(d)) for d in digits).lstrip("0")
                elements.append((_KIND_NUMBER, len(number), number))
            elif letters:
                # Latin words sort among the readings: "ABC" before 爱心 (ài), after 阿 (ā)...
                elements.append((_KIND_SOUND, letters.casefold(), 0))
            elif not (other.isspace() or unicodedata.category(other)[0] in "PS"):
                elements.append((_KIND_OTHER, other, 0))
            # ... and spaces, punctuation and symbols do not count: “爱在清晨” files under A.
    return elements


def pinyin_key(text: str, *, person: bool = False):
    """A sort key putting Chinese names in pinyin order: by reading, then tone, syllable by
    syllable; digit runs compare as numbers and come first (2号楼 < 10号楼), Latin letters
    compare with the readings, case-insensitively. `person=True` reads the surname as a
    surname (单 shàn, 曾 zēng, 尉迟 yùchí). Ties are broken by the text itself, so the order
    is total and the same everywhere.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    elements = []
    rest = text
    if person and text:
        if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES:
            elements = _sounds(COMPOUND_SURNAMES[text[:2]].split())
            rest = text[2:]
        elif text[0] in SURNAMES:
            elements = _sounds([SURNAMES[text[0]]])
            rest = text[1:]
    return (tuple(elements + _elements(rest)), text)


class PinyinOrdered(Sequence):
    """A queryset's rows in pinyin order, for a paginator: one query reads the columns the key
    needs for every row, and each slice (a page) reads its full rows in one more query, with
    the queryset's select_related and prefetch_related.

    `key` takes a tuple (pk, *fields) and returns the sort key. Meant for lists of hundreds of
    rows (a subdistrict's organizations), not for tables of hundreds of thousands.
    """

    def __init__(self, queryset, fields, key):
        self.queryset = queryset
        self.fields = fields
        self.key = key
        self._pks = None

    def _order(self):
        if self._pks is None:
            rows = self.queryset.order_by().values_list("pk", *self.fields)
            self._pks = [row[0] for row in sorted(rows, key=self.key)]
        return self._pks

    def __len__(self):
        return len(self._order())

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        pks = self._order()[index]
        rows = {row.pk: row for row in self.queryset.filter(pk__in=pks)} if pks else {}
        return [rows[pk] for pk in pks if pk in rows]


# The stored form of `pinyin_key`, for ORDER BY in the database: each element of the key is
# eight characters from [0-9a-z] (kind, a six-character body, a tone or a pad), so that plain
# string order, in the C collation and in a locale's alike, is the key's order. Numbers of more
# than six digits and Latin words of more than six letters compare on their first six only;
# ties go to the name and the id, which every ordering adds after the key.
SORT_KEY_LENGTH = 255


def stored_sort_key(text: str, *, person: bool = False) -> str:
    parts = []
    for kind, first, second in pinyin_key(text, person=person)[0]:
        if kind == _KIND_NUMBER:
            parts.append(f"0{min(first, 9)}{second[:6].ljust(6, '0')}")
        elif kind == _KIND_SOUND:
            body = first.replace("ü", "v").encode("ascii", "ignore").decode()
            body = "".join(c for c in body if c.isalnum())[:6]
            parts.append(f"1{body.ljust(6, '0')}{second}")
        else:
            parts.append(f"2{ord(first[0]) % 16**6:06x}0")
    return "".join(parts)[:SORT_KEY_LENGTH]


def fill_sort_keys(objs) -> None:
    """Set the stored key (jinhai.fields.PinyinSorted) on rows written without save():
    bulk_create, COPY, bulk_update."""
    for obj in objs:
        fill = getattr(obj, "fill_sort_key", None)
        if fill is not None:
            fill()
