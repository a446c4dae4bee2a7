"""Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) read with calamine, and the sheet a person means.

python-calamine (the Rust calamine reader) reads every format staff send, fast, and gives a
formula cell's cached value, as Excel shows it. Before it sees a zipped workbook, every member is
inflated once in a stream with a cap (declared sizes, ratio, the data really inflating to what the
entry says) and its XML prolog is checked for a DOCTYPE, so that zip bombs and entity bombs are
refused in bounded memory; a legacy .xls is not compressed and is bounded by the upload limit.

Which sheet: never a hidden one; of the visible sheets those whose headers match the import; of
several, the one the workbook was saved on (its active sheet), skipping sheets named 示例/说明;
two that still could be it are refused with their names. The blank template's 填写示例 and
填写说明 are never read.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import unescape

from .cells import header_key
from .table import Sheet, SheetError, collect, human_size, limits

# Sheets staff keep beside the data: an example to copy, instructions.
_EXAMPLE = re.compile(r"示例|样例|范例|说明|填表|模板")
# The sheets of the portal's own blank template (`blank`) beside the data sheet: never read, so
# that a template sent back with only its example filled in imports nothing.
EXAMPLE_SHEET = "填写示例"
INSTRUCTIONS_SHEET = "填写说明"
TEMPLATE_SHEETS = (EXAMPLE_SHEET, INSTRUCTIONS_SHEET)
# A real sheet's XML inflates 5-30 times; blanks made to fill memory, thousands of times.
MAX_RATIO = 400
_CHUNK = 1024 * 1024


def check_zip(data: bytes) -> zipfile.ZipFile:
    _, _, max_uncompressed = limits()
    too_big = SheetError(
        f"文件解压后超过 {human_size(max_uncompressed)},可能已损坏或不是正常的表格文件,已拒绝导入。"
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetError("文件已损坏,无法打开。请在 Excel 中重新保存后再导入。") from exc
    if sum(i.file_size for i in infos) > max_uncompressed:
        raise too_big
    total = 0
    for info in infos:
        if info.file_size > 10 * _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise too_big
        try:
            with archive.open(info) as member:
                head = member.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise SheetError("文件中含有不安全的 XML 内容,已拒绝导入。")
                total += len(head)
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > max_uncompressed:
                        raise too_big
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise SheetError("文件已损坏,无法打开。请在 Excel 中重新保存后再导入。") from exc
    return archive


def _active_sheet(archive: zipfile.ZipFile | None, kind: str, names: list[str]) -> str | None:
    """The sheet the workbook was saved on, where the format records it."""
    try:
        if kind == "xlsx":
            head = archive.read("xl/workbook.xml")[:8192].decode("utf-8", "replace")
            match = re.search(r'activeTab="(\d+)"', head)
            index = int(match.group(1)) if match else 0
            return names[index] if index < len(names) else None
        if kind == "ods" and "settings.xml" in archive.namelist():
            settings = archive.read("settings.xml").decode("utf-8", "replace")
            match = re.search(r'config:name="ActiveTable"[^>]*>([^<]*)<', settings)
            return match.group(1) if match else None
    except (KeyError, zipfile.BadZipFile):
        return None
    return None


_SPANNED = b"-spanned="
# The table elements of an .ods's content.xml, with their attributes (a quoted value may hold a
# ">", as a formula's does). Cell text cannot hold a "<" (XML escapes it), so no cell's content
# looks like a tag.
_TABLE_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)"
    rb"((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
)
_ATTRIBUTE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def ods_merged_ranges(archive: zipfile.ZipFile, sheet_name: str) -> list | None:
    """The merged ranges of one sheet of an .ods, as calamine gives them for .xlsx and .xls
    (((top, left), (bottom, right)), from A1 = (0, 0)), which it does not for .ods: LibreOffice
    marks the top-left cell with table:number-rows-spanned / -columns-spanned and writes the
    cells it covers as table:covered-table-cell. None when the sheet cannot be told (the reader
    then falls back on filling required columns down). The XML was checked by `check_zip` (no
    DOCTYPE, no entities, bounded size); only its table tags are scanned, and only when a merge
    is written somewhere in it."""
    try:
        content = archive.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
        return None
    if _SPANNED not in content:
        return []
    try:
        return _spans(content, sheet_name)
    except (ValueError, UnicodeDecodeError):  # a count that is no number: merges not told
        return None


def _attributes(text: bytes) -> dict:
    return {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _ATTRIBUTE.finditer(text)
    }


def _spans(content: bytes, sheet_name: str) -> list | None:
    ranges, inside, depth, row, column, repeat = [], False, 0, 0, 0, 1
    for match in _TABLE_TAG.finditer(content):
        closing, tag, attributes, empty = match.groups()
        if tag == b"table":
            if closing:
                if inside:
                    depth -= 1
                    if depth == 0:
                        return ranges
                continue
            if inside:
                depth += 1  # a table inside a cell: its rows are not the sheet's
            elif b"table:name" in attributes:
                name = _attributes(attributes).get(b"table:name", b"").decode("utf-8")
                if unescape(name, {"&quot;": '"', "&apos;": "'"}) == sheet_name:
                    inside, depth = True, 1
            continue
        if not inside or depth != 1:
            continue
        if tag == b"table-row":
            if closing:
                row += repeat
            else:
                found = _attributes(attributes) if attributes else {}
                column, repeat = 0, int(found.get(b"table:number-rows-repeated", 1))
                if empty:
                    row += repeat
        elif not closing:
            found = _attributes(attributes) if attributes else {}
            width = int(found.get(b"table:number-columns-repeated", 1))
            rows = int(found.get(b"table:number-rows-spanned", 1))
            columns = int(found.get(b"table:number-columns-spanned", 1))
            if tag == b"table-cell" and (rows > 1 or columns > 1):
                for k in range(min(width, 1024)):
                    left = column + k * columns
                    ranges.append(((row, left), (row + rows - 1, left + columns - 1)))
            column += width
    return None


def _fill_merged(rows: list[list], ranges) -> None:
    """Every cell of a merged range gets its top-left value, as the eye reads it."""
    for (top, left), (bottom, right) in ranges or ():
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= right:
                row.extend([""] * (right + 1 - len(row)))
            for c in range(left, right + 1):
                if row[c] in ("", None):
                    row[c] = value


def read_workbook(data: bytes, kind: str, known_headers, required_headers) -> Sheet:
    archive = check_zip(data) if kind in ("xlsx", "xlsb", "ods") else None
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as exc:
        raise SheetError("文件设置了打开密码。请取消密码后另存,再导入。") from exc
    except MemoryError:  # the reading child's cap (jinhai.imports.child), not a damaged file
        raise
    except Exception as exc:
        raise SheetError(
            "无法读取该表格文件,文件可能已损坏。请在 Excel 中重新保存后再导入。"
        ) from exc
    try:
        metadata = workbook.sheets_metadata
        names = [m.name for m in metadata]
        hidden = [m.name for m in metadata if m.visible != SheetVisibleEnum.Visible]
        visible = [
            m.name
            for m in metadata
            if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet
        ]
        if not visible:
            raise SheetError("文件中没有可见的工作表。")
        active = _active_sheet(archive, kind, names)
        required = {header_key(h) for h in required_headers}
        complete, partial, failure = [], [], None
        for name in visible:
            if name in TEMPLATE_SHEETS:
                continue
            worksheet = workbook.get_sheet_by_name(name)
            rows = worksheet.to_python(skip_empty_area=False)
            merged = worksheet.merged_cell_ranges
            if merged is None and kind == "ods":
                merged = ods_merged_ranges(archive, name)
            _fill_merged(rows, merged)
            try:
                sheet = collect(
                    rows, known_headers, required_headers, kind, fill_down=merged is None
                )
            except SheetError as exc:
                failure = failure or exc
                continue
            sheet.sheet_name = name
            (complete if required <= set(sheet.headers) else partial).append(sheet)
        chosen = _choose(complete, active) or _choose(partial, active, refuse=False)
        if chosen is None:
            raise failure or SheetError("文件中没有数据。")
    except (SheetError, MemoryError):
        raise
    except Exception as exc:
        raise SheetError(
            "无法读取该表格文件,文件可能已损坏。请在 Excel 中重新保存后再导入。"
        ) from exc
    finally:
        workbook.close()
    note = f"读取的是工作表“{chosen.sheet_name}”"
    if len(visible) > 1 or hidden:
        skipped = [n for n in visible if n != chosen.sheet_name]
        parts = []
        if skipped:
            parts.append("其他工作表“" + "”“".join(skipped) + "”")
        if hidden:
            parts.append("隐藏的工作表“" + "”“".join(hidden) + "”")
        note += ",未读取" + "和".join(parts)
    chosen.notes.insert(0, note + "。")
    return chosen


def _choose(sheets: list[Sheet], active: str | None, refuse: bool = True) -> Sheet | None:
    if len(sheets) > 1:
        plain = [s for s in sheets if not _EXAMPLE.search(s.sheet_name)]
        sheets = plain or sheets
    if len(sheets) > 1:
        for sheet in sheets:
            if sheet.sheet_name == active:
                return sheet
        if refuse:
            names = "”“".join(s.sheet_name for s in sheets)
            raise SheetError(
                f"工作表“{names}”都像是要导入的表格,无法确定读取哪一个。"
                "请只保留要导入的那个工作表(或把它设为当前工作表)后再导入。"
            )
    return sheets[0] if sheets else None
