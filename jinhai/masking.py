"""The one masking helper for personal data on anything public (pages, public exports)."""

import re
import unicodedata

_DIGITS = re.compile(r"\D")

# Between two digits of a number typed by hand: spaces, dashes or dots, a few at most.
_SEP = r"[\s.\-]{0,3}"
# A mobile, with +86, 0086, 86 or a trunk 0 before it and separators anywhere: 13912345678,
# 139 1234 5678, +86-139-1234-5678, 0139-12345678 (after `fold`, so full-width digits too).
_MOBILE = re.compile(
    rf"(?<!\d)(?:(?:\+|00)?{_SEP}86{_SEP}|0{_SEP})?(1{_SEP}[3-9](?:{_SEP}\d){{9}})(?!\d)"
)
# A resident ID: 17 digits and a check character, again with separators; `_is_id` checks the
# birth date in it, so that other long numbers pass.
_ID = re.compile(rf"(?<![\dA-Za-z])([1-9](?:{_SEP}\d){{16}}{_SEP}[\dXx])(?![\dA-Za-z])")
_ID_SHAPE = re.compile(r"\d{6}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]")
# The fewest digits a number `personal_numbers` finds has: a mobile's eleven.
_FEWEST_DIGITS = 11
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70"), "-")


def _fold_char(char):
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def fold(text: str) -> str:
    """Full-width digits, signs and spaces as ASCII, every kind of dash as "-": the same length
    as `text`, so that a position in one is the same position in the other."""
    return "".join(_fold_char(c) for c in str(text)).translate(_DASHES)


def _compact(text):
    return re.sub(r"[\s.\-]", "", text)


def _is_id(match):
    return bool(_ID_SHAPE.fullmatch(_compact(match[1])))


def personal_numbers(text) -> list[tuple[int, int, str]]:
    """(start, end, masked) for every mobile or resident ID number written in `text`, in any of
    the forms people type them in."""
    folded = fold(text or "")
    # IDs first: an ID's birth date after its area code (…0 1980…) reads like 0 + a mobile.
    found = [
        (m.start(), m.end(), mask_id_number(_compact(m[1])))
        for m in _ID.finditer(folded)
        if _is_id(m)
    ]
    found += [
        (m.start(), m.end(), mask_phone(_compact(m[1])))
        for m in _MOBILE.finditer(folded)
        if not any(s < m.end() and m.start() < e for s, e, _ in found)
    ]
    return sorted(found)


def mask_text(value) -> str:
    """Free text with every mobile (139****5678) and ID number (3****************4) in it masked,
    however it was written; everything else as it was."""
    text = "" if value is None else str(value)
    # Most text on a page (a name, an amount, a date) has too few digits to hold a mobile (11)
    # or an ID (18): it is returned as it is without folding it character by character. Every
    # character that `fold` makes a digit is one that str.isdigit counts (full-width, circled,
    # superscript digits alike).
    if len(text) < _FEWEST_DIGITS or sum(map(str.isdigit, text)) < _FEWEST_DIGITS:
        return text
    parts, end = [], 0
    for start, stop, masked in personal_numbers(text):
        parts += [text[end:start], masked]
        end = stop
    parts.append(text[end:])
    return "".join(parts)


def mask_phone(value) -> str:
    """138****1234 for a mobile; other numbers keep only their last four digits."""
    if not value:
        return ""
    digits = _DIGITS.sub("", str(value))
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_id_number(value) -> str:
    """An 18-character resident ID keeps its first and last character only."""
    if not value:
        return ""
    text = str(value).strip()
    if len(text) <= 2:
        return "*" * len(text)
    return f"{text[0]}{'*' * (len(text) - 2)}{text[-1]}"


def mask_room(value) -> str:
    """A room number keeps its first character: 301 -> 3**. Enough to find one's building group
    on a leaderboard, not enough to find a door."""
    text = str(value or "").strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 1)
