"""Spreadsheet files as staff produce them, built in memory for the import tests."""

import io
import zipfile

import openpyxl


def csv_bytes(rows, encoding="utf-8"):
    text = "\n".join(",".join(str(c) for c in row) for row in rows) + "\n"
    return text.encode(encoding)


def xlsx_bytes(rows, *, title=None, instructions=False):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if instructions:
        sheet.title = "填表说明"
        sheet.append(["请按照下一个工作表的格式填写,不要修改表头。"])
        sheet = workbook.create_sheet("名册")
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_in_zip(data, member, content):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = content if info.filename == member else source.read(info.filename)
            target.writestr(info.filename, body)
    return out.getvalue()


def entity_bomb_xlsx(rows):
    """The "billion laughs": nested entities that expand to gigabytes if a parser allows them."""
    lol = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{lol}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return replace_in_zip(xlsx_bytes(rows), "xl/worksheets/sheet1.xml", sheet.encode())


def zip_bomb_xlsx(rows, expanded_bytes):
    """A real workbook whose sheet inflates to `expanded_bytes` of blanks."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with target.open(info.filename, "w", force_zip64=True) as handle:
                    handle.write(base.read(info.filename)[: -len(b"</worksheet>")])
                    chunk = b" " * (1024 * 1024)
                    for _ in range(expanded_bytes // len(chunk)):
                        handle.write(chunk)
                    handle.write(b"</worksheet>")
            else:
                target.writestr(info.filename, base.read(info.filename))
    return out.getvalue()
