"""The error workbook: the file's bad rows as they were read, with a 错误原因 column, so that a
long file is fixed in Excel rather than from a page listing 100,000 reasons."""

from __future__ import annotations

import io

ERROR_COLUMN = "错误原因"


def error_workbook(result) -> bytes | None:
    """An .xlsx of every row with an error (row number, the original cells, the reasons)."""
    sheet = getattr(result, "sheet", None)
    if sheet is None or not result.error_items:
        return None
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from .formats import escape_formula

    def clean(value):
        # Control characters (a \x1f pasted from another system) cannot be written to a
        # worksheet; the row is still shown, without them.
        value = escape_formula(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    reasons: dict[int, list[str]] = {}
    for number, column, reason in result.error_items:
        reasons.setdefault(number, []).append(clean(f"{column}:{reason}" if column else reason))
    workbook = openpyxl.Workbook(write_only=True)
    out = workbook.create_sheet("错误行")
    out.append(["行号", *[h or "" for h in sheet.headers], ERROR_COLUMN])
    for number, cells in sheet.rows:
        if number in reasons:
            out.append([number, *(clean(c) for c in cells), ";".join(reasons.pop(number))])
    for number, found in sorted(reasons.items()):  # a reason for no row (the file as a whole)
        out.append([number, *[""] * len(sheet.headers), ";".join(found)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
