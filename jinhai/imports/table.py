"""Finding the table in a sheet's rows the way a person would.

Staff put a title (or two) above the headers, a note in a header (`手机号(必填)`), a second header
row under a merged one (联系方式 › 手机号), a 序号 column, blank rows and a 合计 row at the bottom.
`collect` finds the header row, reads two-level headers, and keeps only the data rows, each with
its row number as the spreadsheet shows it, so that errors point at the right line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from .cells import header_key, name_key, text


class SheetError(Exception):
    """The file as a whole cannot be imported; the message is for staff, in Chinese."""


# How far down a sheet to look for the header row (a title row or two may sit above it).
HEADER_SEARCH_ROWS = 10
# Columns staff add for themselves; never data, never reported as unknown.
IGNORED_HEADERS = {"序号", "编号序号", "No", "no", "NO"}
# A row whose first filled cell says this is a total, not a record.
TOTALS = ("合计", "小计", "总计", "共计", "总数")


def limits():
    return (
        getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024),
        getattr(settings, "IMPORT_MAX_ROWS", 100_000),
        getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024),
    )


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


@dataclass
class Sheet:
    """Rows under a header, each with its row number as Excel would show it."""

    headers: list[str]
    rows: list[tuple[int, list]]
    kind: str = "csv"
    sheet_name: str = ""
    notes: list[str] = field(default_factory=list)
    # The file's SHA-256, so that the same bytes imported again are recognised.
    sha256: str = ""


def _score(cells, known) -> int:
    return sum(1 for c in cells if header_key(c) in known)


def _two_level(top, below, known):
    """Headers of a two-row header (联系方式 over 手机号、住址), or None when `below` is data."""
    if _score(below, known) == 0:
        return None
    width = max(len(top), len(below))
    top = list(top) + [None] * (width - len(top))
    below = list(below) + [None] * (width - len(below))
    merged = []
    for upper, lower in zip(top, below, strict=True):
        upper, lower = header_key(upper), header_key(lower)
        for candidate in (lower, upper, upper + lower):
            if candidate in known:
                merged.append(candidate)
                break
        else:
            merged.append(lower or upper)
    return merged if _score(merged, known) > _score(top, known) else None


def collect(rows, known_headers, required_headers, kind, fill_down=False) -> Sheet:
    """The table in `rows`, a list of cell lists from row 1 (a CSV's, or a sheet's from A1).

    `fill_down`: the reader could not tell merged cells (calamine reads an .ods's covered cells
    as blanks), so an empty required cell takes the value above it, as the merged cell showed."""
    _, max_rows, _ = limits()
    known = {header_key(h) for h in known_headers}
    required = {header_key(h) for h in required_headers}
    header_at = None
    seen_filled = 0
    for index, cells in enumerate(rows):
        if not any(text(c) for c in cells):
            continue
        seen_filled += 1
        score = _score(cells, known)
        if score and (required <= {header_key(c) for c in cells} or score >= 2):
            header_at = index
            break
        if seen_filled >= HEADER_SEARCH_ROWS:
            break
    if header_at is None:
        raise SheetError(
            "没有找到表头行:表格前几行中应有一行是列名,如 " + "、".join(required_headers) + "。"
        )
    headers = [header_key(c) for c in rows[header_at]]
    skipped_above = seen_filled - 1
    first_data = header_at + 1
    if first_data < len(rows):
        two = _two_level(rows[header_at], rows[first_data], known)
        if two is not None:
            headers, first_data = two, first_data + 1
    headers = ["" if h in IGNORED_HEADERS else h for h in headers]
    seen = set()
    for h in headers:
        if h and h in seen:
            raise SheetError(f"列名“{h}”出现了不止一次,请删除重复的列。")
        seen.add(h)
    sheet = Sheet(headers=headers, rows=[], kind=kind)
    if skipped_above:
        sheet.notes.append(f"已跳过表头上方的 {skipped_above} 行标题。")
    width = len(headers)
    used = [i for i, h in enumerate(headers) if h]
    totals = []
    down = [i for i, h in enumerate(headers) if h in required] if fill_down else []
    above = {}
    pool = {}
    for index in range(first_data, len(rows)):
        cells = rows[index]
        if len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        first = next((c for c in (cells[i] for i in used if i < len(cells)) if text(c)), None)
        if first is None:
            continue
        if first.__class__ is str and name_key(first).startswith(TOTALS):
            totals.append(index + 1)
            continue
        for i in down:
            if text(cells[i]):
                above[i] = cells[i]
            elif i in above:
                cells[i] = above[i]
        if len(sheet.rows) >= max_rows:
            raise SheetError(
                f"数据超过 {max_rows:,} 行的上限。请把文件拆分成几个较小的文件后分别导入。"
            )
        # The same text repeats down a column (a scheme, a compound, a date typed as text): the
        # rows share one string for each, which halves a long file's memory.
        sheet.rows.append(
            (index + 1, [pool.setdefault(c, c) if c.__class__ is str else c for c in cells[:width]])
        )
    if totals:
        sheet.notes.append(
            "已跳过合计行(第 " + "、".join(str(n) for n in totals[:10]) + " 行),它们不是记录。"
        )
    if not sheet.rows:
        raise SheetError("文件中只有表头,没有数据行。")
    return sheet
