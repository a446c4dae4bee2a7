"""Reading staff spreadsheets: .xlsx and CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), safely.

The reader recognises the file by its content, not its name; refuses .xls, .ods, JSON and binary
files with a message that says what to do; checks an .xlsx's uncompressed size before parsing it
(openpyxl parses with defusedxml, which refuses XML entity bombs); finds the header row below a
merged title row, and the data sheet behind an instructions sheet; and keeps each row's number as
Excel shows it, so that errors point at the right line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings

from .cells import name_key, text


class SheetError(Exception):
    """The file as a whole cannot be imported; the message is for staff, in Chinese."""


# How far down a sheet to look for the header row (a title row or two may sit above it).
HEADER_SEARCH_ROWS = 10


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


def read_sheet(data: bytes, *, known_headers, required_headers) -> Sheet:
    max_bytes, _, _ = limits()
    if len(data) > max_bytes:
        raise SheetError(
            f"文件大小为 {human_size(len(data))},超过了上限 {human_size(max_bytes)}。"
            "请把文件拆分成几个较小的文件后分别导入。"
        )
    if not data.strip():
        raise SheetError("文件是空的。")
    kind = sniff(data)
    if kind == "xlsx":
        return _read_xlsx(data, known_headers, required_headers)
    return _read_csv(data, known_headers, required_headers)


def sniff(data: bytes) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(
            "这是旧版 Excel(.xls)文件,不能直接导入。请在 Excel 中“另存为”Excel 工作簿(.xlsx)"
            "或 CSV 后再导入。"
        )
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile as exc:
            raise SheetError(
                "文件已损坏,无法打开。请在 Excel 中重新保存为 .xlsx 后再导入。"
            ) from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "mimetype" in names and "content.xml" in names:
            raise SheetError(
                "这是 OpenDocument 表格(.ods)文件,不能直接导入。请另存为 .xlsx 或 CSV 后再导入。"
            )
        raise SheetError("不支持这种文件。请上传 Excel 工作簿(.xlsx)或 CSV 文件。")
    head = data[:4096]
    if b"\x00" in head:
        raise SheetError(
            "这不是表格文件(可能是图片、压缩包或其他二进制文件)。请上传 .xlsx 或 CSV 文件。"
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        raise SheetError("不支持 JSON 文件。请上传 Excel 工作簿(.xlsx)或 CSV 文件。")
    if stripped[:5].lower() in (b"<?xml", b"<html", b"<!doc", b"<svg ", b"<tabl"):
        raise SheetError("这是网页或 XML 文件,不是表格。请上传 Excel 工作簿(.xlsx)或 CSV 文件。")
    return "csv"


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK that Excel writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("无法识别文件的文字编码。请在 Excel 中“另存为”“CSV UTF-8”或 .xlsx 后再导入。")


def _read_csv(data, known_headers, required_headers) -> Sheet:
    text_data = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text_data[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text_data, newline=""), dialect)
    try:
        sheet = _collect(enumerate(reader, start=1), known_headers, required_headers, "csv")
    except csv.Error as exc:
        raise SheetError(f"CSV 文件格式有误:{exc}") from exc
    return sheet


def _check_zip(data: bytes) -> None:
    _, _, max_uncompressed = limits()
    archive = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > max_uncompressed:
            raise SheetError(
                f"文件解压后超过 {human_size(max_uncompressed)},可能已损坏或不是正常的 Excel 文件,"
                "已拒绝导入。"
            )


def _read_xlsx(data, known_headers, required_headers) -> Sheet:
    _check_zip(data)
    import openpyxl
    from defusedxml import DefusedXmlException

    try:
        # Not data_only: a formula must be seen as a formula (and refused), not as whatever value
        # Excel last cached for it.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:
        # openpyxl wraps what the XML parser raised in a ValueError; look down the chain.
        if _caused_by(exc, DefusedXmlException):
            raise SheetError("文件中含有不安全的 XML 内容,已拒绝导入。") from exc
        raise SheetError(
            "无法读取该 Excel 文件,文件可能已损坏。请在 Excel 中重新保存后再导入。"
        ) from exc
    try:
        worksheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        if not worksheets:
            raise SheetError("Excel 文件中没有工作表。")
        required = {name_key(h) for h in required_headers}
        fallback = None
        for position, worksheet in enumerate(worksheets):
            rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
            try:
                sheet = _collect(rows, known_headers, required_headers, "xlsx")
            except SheetError as exc:
                fallback = fallback or exc
                continue
            sheet.sheet_name = worksheet.title
            if position:
                sheet.notes.append(
                    f"已跳过前面的工作表(如说明页),读取的是工作表“{worksheet.title}”。"
                )
            if required <= set(sheet.headers):
                return sheet
            if not isinstance(fallback, Sheet):
                # The resource names its missing columns.
                fallback = sheet
        if isinstance(fallback, Sheet):
            return fallback
        raise fallback
    except DefusedXmlException as exc:
        raise SheetError("文件中含有不安全的 XML 内容,已拒绝导入。") from exc
    finally:
        workbook.close()


def _caused_by(exc, kind) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _header_score(cells, known) -> int:
    return sum(1 for c in cells if name_key(c) in known)


def _collect(numbered_rows, known_headers, required_headers, kind) -> Sheet:
    _, max_rows, _ = limits()
    known = {name_key(h) for h in known_headers}
    required = {name_key(h) for h in required_headers}
    header_row = None
    skipped_above = 0
    candidates = []
    for number, cells in numbered_rows:
        cells = list(cells)
        if not any(text(c) for c in cells):
            continue
        candidates.append((number, cells))
        score = _header_score(cells, known)
        if score and (required <= {name_key(c) for c in cells} or score >= 2):
            header_row = (number, cells)
            break
        if len(candidates) >= HEADER_SEARCH_ROWS:
            break
    if header_row is None:
        raise SheetError(
            "没有找到表头行:表格前几行中应有一行是列名,如 " + "、".join(required_headers) + "。"
        )
    header_number, header_cells = header_row
    skipped_above = sum(1 for n, _ in candidates if n < header_number)
    headers = [name_key(c) for c in header_cells]
    seen = set()
    for h in headers:
        if h and h in seen:
            raise SheetError(f"列名“{h}”出现了不止一次,请删除重复的列。")
        seen.add(h)
    sheet = Sheet(headers=headers, rows=[], kind=kind)
    if skipped_above:
        sheet.notes.append(f"已跳过表头上方的 {skipped_above} 行标题。")
    width = len(headers)
    for number, cells in numbered_rows:
        if not any(c is not None and text(c) for c in cells):
            continue
        if len(sheet.rows) >= max_rows:
            raise SheetError(
                f"数据超过 {max_rows:,} 行的上限。请把文件拆分成几个较小的文件后分别导入。"
            )
        cells = list(cells)
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        sheet.rows.append((number, cells[:width] if len(cells) > width else cells))
    if not sheet.rows:
        raise SheetError("文件中只有表头,没有数据行。")
    return sheet
