"""The blank import template every resource offers, built from its `columns` in one place.

The workbook has, in this order:
- the data sheet (first and active, named after the import): the header row with exactly the
  names the import page lists and the reader matches, required ones in red; drop-down lists on
  fixed choices (类型, 性别, 是/否) and on the user's own places (社区, 小区, 街面), read
  through the downloading user's scope; date columns formatted as dates and phone, room and
  code columns as text, so that Excel keeps 3-2 a room and an 18-digit code whole;
- 填写示例: the same header with one example row, the user's own names where a column names a
  place, so that the example imports as it stands;
- 填写说明: one line per column: required or not, format, allowed values, what else to know;
- 选项 (hidden): the drop-down lists, one column each, referenced by range (a list written into
  the validation itself is capped at 255 characters).

The reader never reads 填写示例 or 填写说明 (`workbooks.TEMPLATE_SHEETS`), so a template sent back
with only the example filled in imports nothing; hidden sheets are never read.
"""

from __future__ import annotations

import datetime
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from . import cells
from .workbooks import EXAMPLE_SHEET, INSTRUCTIONS_SHEET

OPTIONS_SHEET = "选项"
# How many rows of the data sheet get the drop-downs and formats.
FILL_ROWS = 2000
TEXT = "@"
DATE = "yyyy-mm-dd"
# Headers whose values are codes or numbers people type with leading zeros and dashes.
TEXT_HEADERS = ("手机", "电话", "室号", "房号", "编号", "代码")
RED = Font(bold=True, color="C00000")
BOLD = Font(bold=True)


def choices_of(column) -> tuple[str, ...]:
    """The fixed values a column accepts (its parser's labels), or ()."""
    return tuple(getattr(column.parse, "choices", ()))


def is_text(column) -> bool:
    return column.parse in (cells.phone, cells.room) or any(
        word in column.header for word in TEXT_HEADERS
    )


def is_date(column) -> bool:
    return column.parse is cells.date


def fmt(column) -> str:
    """What the instructions say a column's cells look like."""
    parse = column.parse
    if is_date(column):
        return "日期,如 2026-03-15 或 2026/3/15"
    if parse is cells.phone:
        return "11 位手机号,如 13812345678(文本格式)"
    if parse is cells.room:
        return "房号,如 101 或 3-202(文本格式)"
    if parse is cells.yes_no or choices_of(column):
        return "从下拉列表中选择"
    if parse is cells.amount:
        return "金额(元),如 1200 或 1,200.50"
    if parse is cells.integer:
        return "整数"
    if is_text(column):
        return "文本格式(不要让 Excel 改成数字)"
    return "文字"


class TemplateBuilder:
    """One resource's template for one user: `resource` is a SheetResource instance (its
    `scoped` is the downloading user's scope)."""

    def __init__(self, resource):
        self.resource = resource
        self.columns = list(type(resource).columns)
        self._options = {}

    def options(self, column) -> list[str]:
        """A column's drop-down values: fixed choices, or the user's own names."""
        if column.header not in self._options:
            values = list(choices_of(column))
            if not values and column.options is not None:
                values = list(dict.fromkeys(n for n in column.options(self.resource) if n))
            self._options[column.header] = values
        return self._options[column.header]

    def example(self, column):
        example = column.example
        if callable(example):
            example = example(self.resource)
        if example is not None:
            return example
        options = self.options(column)
        if options:
            return options[0]
        if is_date(column):
            return timezone.localdate()
        if column.parse is cells.phone:
            return "13812345678"
        if column.parse is cells.room:
            return "101"
        return ""

    def workbook(self) -> bytes:
        book = Workbook()
        data = book.active
        data.title = self.resource.title[:31]
        example = book.create_sheet(EXAMPLE_SHEET)
        self._header(data)
        self._header(example)
        self._example_row(example)
        self._instructions(book.create_sheet(INSTRUCTIONS_SHEET))
        lists = book.create_sheet(OPTIONS_SHEET)
        lists.sheet_state = "hidden"
        self._drop_downs(data, lists)
        book.active = 0
        buffer = BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def _header(self, sheet):
        sheet.append([c.header for c in self.columns])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(self.columns, start=1):
            sheet.cell(row=1, column=index).font = RED if column.required else BOLD
            letter = get_column_letter(index)
            width = max(len(column.header) * 2 + 4, 12)
            sheet.column_dimensions[letter].width = 22 if is_date(column) else width
            # A column's style is what Excel gives each new cell typed into it.
            if is_text(column):
                sheet.column_dimensions[letter].number_format = TEXT
            elif is_date(column):
                sheet.column_dimensions[letter].number_format = DATE

    def _example_row(self, sheet):
        for index, column in enumerate(self.columns, start=1):
            value = self.example(column)
            cell = sheet.cell(row=2, column=index, value=value)
            if isinstance(value, datetime.date):
                cell.number_format = DATE
            elif is_text(column):
                cell.number_format = TEXT
        note = "这是填写示例,不会被导入:请把数据填在第一个工作表中。"
        sheet.cell(row=4, column=1, value=note).font = RED

    def _instructions(self, sheet):
        sheet.append(["列名", "是否必填", "格式", "可选值", "说明"])
        for cell in sheet[1]:
            cell.font = BOLD
        for column in self.columns:
            options = self.options(column)
            if choices_of(column):
                allowed = "、".join(options)
            elif column.options is not None:
                allowed = "下拉列表中为本社区(本街道)现有的名称"
            else:
                allowed = ""
            notes = [column.hint] if column.hint else []
            if column.aliases:
                notes.append("表头也可写作:" + "、".join(column.aliases))
            sheet.append(
                [
                    column.header,
                    "必填" if column.required else "选填",
                    fmt(column),
                    allowed,
                    ";".join(notes),
                ]
            )
        sheet.append([])
        for line in (
            "数据填在第一个工作表中,表头不要改;列的顺序不限,不用的选填列可以删除。",
            "标红的列为必填。先预览,确认无误后才会写入;只要有一行有错,就不会导入任何数据。",
        ):
            sheet.append([line])
        for letter, width in zip("ABCDE", (16, 10, 34, 40, 40), strict=True):
            sheet.column_dimensions[letter].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    def _drop_downs(self, data, lists):
        place = 0
        for index, column in enumerate(self.columns, start=1):
            options = self.options(column)
            if not options:
                continue
            place += 1
            letter = get_column_letter(place)
            lists.cell(row=1, column=place, value=column.header)
            for row, value in enumerate(options, start=2):
                lists.cell(row=row, column=place, value=value)
            source = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${len(options) + 1}"
            fixed = bool(choices_of(column))
            validation = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                showErrorMessage=True,
                # A fixed choice must be one of the list; a place may be one the list lacks
                # (a new compound in 小区楼组), so Excel only warns.
                errorStyle="stop" if fixed else "warning",
                errorTitle="请从下拉列表中选择",
                error="请从下拉列表中选择" + ("" if fixed else ";如确是新名称,可以继续"),
            )
            target = get_column_letter(index)
            validation.add(f"{target}2:{target}{FILL_ROWS + 1}")
            data.add_data_validation(validation)


def template_workbook(resource) -> bytes:
    return TemplateBuilder(resource).workbook()
