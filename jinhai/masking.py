"""The one masking helper for personal data on anything public (pages, public exports)."""

import re

_DIGITS = re.compile(r"\D")


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
