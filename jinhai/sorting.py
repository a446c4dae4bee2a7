"""How lists of names are sorted for people: "2号楼" before "10号楼"."""

import re

_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str):
    """Split digits out so that they compare as numbers: 2号楼 < 10号楼 < 10号楼A."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _NUMBER.split(text)
        if part
    ]
