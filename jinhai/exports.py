"""What a change list's 导出 gives staff: a spreadsheet they can read as it opens.

- columns named by the fields' Chinese names (or the import's headers, on an import page),
  choices by their labels (楼组长, not ``building``), yes/no as 是/否, a related row by its name
  and several by their names joined with 、;
- a workbook with one sheet named after the model (not tablib's "Tablib Dataset"), the header row
  bold and frozen, dates as 2026-12-01 and times as 2026-12-01 14:30 in Shanghai time, and
  columns wide enough for their Chinese text;
- a Chinese file name with the Shanghai date (``两长任职-2026-12-01.xlsx``), Excel first.

Text cells are escaped the same way as every other export (`escape_formula`), so a name staff
typed as ``=1+1`` is never run by Excel.
"""

import datetime
import io
import re
import unicodedata

import tablib
from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from import_export import resources
from import_export.forms import SelectableFieldsExportForm

from jinhai.imports.formats import SafeCSV, SafeXLSX, escape_formula

# Neither a sheet's name (Excel: 31 characters at most) nor a file's may hold these: a model named
# 街面(沿街商铺/商圈) becomes 街面(沿街商铺、商圈).
_FORBIDDEN = re.compile(r'[\[\]:*?/\\"<>|]')
MIN_WIDTH, MAX_WIDTH = 6, 50
DATE_CELL = "yyyy-mm-dd"
DATETIME_CELL = "yyyy-mm-dd hh:mm"


def safe_name(name) -> str:
    return _FORBIDDEN.sub("、", str(name)).strip()


def sheet_title(name: str, fallback: str = "数据") -> str:
    return safe_name(name)[:31] or fallback


def display_width(value) -> int:
    """How many Excel character widths `value` takes: a Chinese character takes two."""
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = "" if value is None else str(value)
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def column_widths(rows) -> list[int]:
    """Widths for columns holding `rows` (the header row included): the widest cell plus a
    margin, between MIN_WIDTH and MAX_WIDTH (a long description wraps rather than spreading
    the sheet over several screens)."""
    widths: list[int] = []
    for row in rows:
        for i, value in enumerate(row):
            width = display_width(value)
            if i >= len(widths):
                widths.append(width)
            elif width > widths[i]:
                widths[i] = width
    return [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widths]


def set_column_widths(sheet, widths) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def yes_no(value):
    """是/否 for a yes/no cell (Excel would show TRUE/FALSE; the imports read 是/否 back)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def excel_value(value):
    """A cell's value as Excel stores it: local naive times (Excel has no time zones), 是/否."""
    value = yes_no(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return escape_formula(value)


def write_workbook(title: str, headers: list, rows: list) -> bytes:
    """One sheet: `headers` bold and frozen, then `rows`; dates in the portal's one format."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    rows = [[excel_value(v) for v in row] for row in rows]
    headers = [excel_value(h) for h in headers]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title))
    set_column_widths(sheet, column_widths([headers, *rows]))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_CELL
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_CELL
        return cell
    return value


class ExcelExport(SafeXLSX):
    # What the export page calls it (tablib finds the format by `get_title()`, so that stays).
    label = "Excel 工作簿(.xlsx)"

    def export_data(self, dataset, **kwargs):
        return write_workbook(dataset.title or "数据", list(dataset.headers or []), list(dataset))


class CSVExport(SafeCSV):
    label = "CSV 文本(.csv,UTF-8)"

    def export_data(self, dataset, **kwargs):
        rows = ([yes_no(value) for value in row] for row in dataset)
        shown = tablib.Dataset(*rows, headers=dataset.headers, title=dataset.title)
        return super().export_data(shown, **kwargs)


# Excel first: it is what the export form offers unless staff choose otherwise.
EXPORT_FORMATS = [ExcelExport, CSVExport]


class ExportForm(SelectableFieldsExportForm):
    """The export page: columns listed by the names they get in the file, Excel chosen."""

    @property
    def media(self):
        return super().media + forms.Media(js=["js/export-fields.js"])

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].initial = "0"
        self.fields["format"].choices = [
            (str(i), getattr(f, "label", None) or f().get_title()) for i, f in enumerate(formats)
        ]

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field is not None else field_name


class ExportResource(resources.ModelResource):
    """Every field of the model, named and written in Chinese (see the module's docstring)."""

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        name = "ID" if django_field.primary_key else capfirst(django_field.verbose_name)
        field.column_name = str(name)
        return field

    def export_field(self, field, instance, **kwargs):
        model_field = _model_field(instance, field.attribute)
        if model_field is None:
            return super().export_field(field, instance, **kwargs)
        if model_field.many_to_many:
            return "、".join(str(related) for related in getattr(instance, model_field.name).all())
        value = getattr(instance, model_field.name)
        if value is None or value == "":
            return ""
        if model_field.is_relation:
            return str(value)
        if model_field.choices:
            return getattr(instance, f"get_{model_field.name}_display")()
        if isinstance(value, models.fields.files.FieldFile):
            return value.name
        if isinstance(value, list):  # an ArrayField or a JSON list of choices
            return "、".join(str(v) for v in value)
        return super().export_field(field, instance, **kwargs)


def _model_field(instance, attribute):
    if not attribute or "__" in attribute:
        return None
    try:
        return instance._meta.get_field(attribute)
    except Exception:
        return None


def export_resource_for(model):
    return resources.modelresource_factory(model, resource_class=ExportResource)


def export_queryset(model, queryset, admin_site):
    """The rows of an export with what their columns name, in the same query: each related row,
    and what that row's own admin says showing it takes (its `list_select_related`: an account
    shows its building group and compound); each many-to-many list in one more query. So an
    export takes the same number of queries however many rows it has."""
    opts = model._meta
    single = []
    for field in opts.concrete_fields:
        if not field.is_relation:
            continue
        single.append(field.name)
        related_admin = admin_site._registry.get(field.related_model)
        shown_with = getattr(related_admin, "list_select_related", False)
        if isinstance(shown_with, list | tuple):
            single.extend(f"{field.name}__{path}" for path in shown_with)
    many = [f.name for f in opts.many_to_many]
    return queryset.select_related(*single).prefetch_related(*many)


def export_filename(model, file_format) -> str:
    """``两长任职-2026-12-01.xlsx``: the model's Chinese name and today's date in Shanghai."""
    today = timezone.localdate()
    name = safe_name(model._meta.verbose_name_plural)
    return f"{name}-{today:%Y-%m-%d}.{file_format.get_extension()}"
