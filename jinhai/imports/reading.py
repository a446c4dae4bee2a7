"""Reading staff spreadsheets, safely: workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) and CSV.

The reader recognises the file by its content, not its name; reads workbooks with calamine
(`workbooks`) and CSV in UTF-8 (with or without BOM), GBK/GB18030 and UTF-16 (Excel's "Unicode
文本", tab-separated); refuses JSON, web pages and binary files with a message that says what to
do; and finds the table the way a person would (`table`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

from .child import run_capped
from .table import HEADER_SEARCH_ROWS, Sheet, SheetError, collect, human_size, limits
from .workbooks import read_workbook

__all__ = ["HEADER_SEARCH_ROWS", "Sheet", "SheetError", "human_size", "limits", "read_sheet"]

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_sheet(data: bytes, *, known_headers, required_headers) -> Sheet:
    max_bytes, _, _ = limits()
    if len(data) > max_bytes:
        raise SheetError(
            f"文件大小为 {human_size(len(data))},超过了上限 {human_size(max_bytes)}。"
            "请把文件拆分成几个较小的文件后分别导入。"
        )
    if not data.strip():
        raise SheetError("文件是空的。")
    # In a child process with capped memory (`child`): a file may ask the parser for far more
    # than its size suggests, and only the child pays for it. The parser's library is loaded
    # here first: mapping it is no part of the file's allowance.
    import python_calamine  # noqa: F401

    sheet = run_capped(_read, data, known_headers, required_headers)
    sheet.sha256 = hashlib.sha256(data).hexdigest()
    return sheet


def _read(data, known_headers, required_headers) -> Sheet:
    kind = sniff(data)
    if kind == "csv":
        return _read_csv(data, known_headers, required_headers)
    return read_workbook(data, kind, known_headers, required_headers)


def sniff(data: bytes) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError) as exc:
            raise SheetError("文件已损坏,无法打开。请在 Excel 中重新保存后再导入。") from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "mimetype" in names and "content.xml" in names:
            return "ods"
        raise SheetError(
            "不支持这种文件。请上传 Excel 工作簿(.xlsx、.xls)、"
            "WPS/LibreOffice 表格(.ods)或 CSV 文件。"
        )
    if data.startswith(_UTF16_BOMS):
        return "csv"
    head = data[:4096]
    if b"\x00" in head:
        raise SheetError(
            "这不是表格文件(可能是图片、压缩包或其他二进制文件)。"
            "请上传 Excel 工作簿(.xlsx、.xls)、.ods 或 CSV 文件。"
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        raise SheetError("不支持 JSON 文件。请上传 Excel 工作簿(.xlsx、.xls)或 CSV 文件。")
    if stripped[:5].lower() in (b"<?xml", b"<html", b"<!doc", b"<svg ", b"<tabl"):
        raise SheetError(
            "这是网页或 XML 文件,不是表格。请上传 Excel 工作簿(.xlsx、.xls)或 CSV 文件。"
        )
    return "csv"


def decode(data: bytes) -> str:
    """UTF-16 by its BOM; else UTF-8 (with or without BOM), then GB18030, the superset of GBK."""
    encodings = ("utf-16",) if data.startswith(_UTF16_BOMS) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
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
    try:
        rows = list(csv.reader(io.StringIO(text_data, newline=""), dialect))
    except csv.Error as exc:
        raise SheetError(f"CSV 文件格式有误:{exc}") from exc
    return collect(rows, known_headers, required_headers, "csv")
