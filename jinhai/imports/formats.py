"""File formats for django-import-export: one reading format for imports, safe ones for exports."""

import re

from import_export.formats import base_formats

from .reading import read_sheet


class SheetDataset(base_formats.tablib.Dataset):
    """What the admin passes from reading to importing: the parsed Sheet, not a copy of it."""

    def __init__(self, sheet):
        super().__init__()
        self.sheet = sheet

    def __len__(self):
        return len(self.sheet.rows)


class SheetFormat(base_formats.Format):
    """Excel (.xlsx) or CSV, told apart by content; bound to one resource's headers."""

    resource_class = None

    def __init__(self, encoding=None):
        self.encoding = encoding

    @classmethod
    def for_resource(cls, resource_class):
        return type(f"{resource_class.__name__}Format", (cls,), {"resource_class": resource_class})

    def get_title(self):
        return "Excel(.xlsx、.xls)、.ods 或 CSV"

    def get_extension(self):
        return "xlsx"

    def can_import(self):
        return True

    def can_export(self):
        return False

    def is_binary(self):
        # The admin must hand over bytes: decoding (UTF-8, BOM, GBK) is the reader's job.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        resource = self.resource_class
        sheet = read_sheet(
            in_stream,
            known_headers=resource.known_headers(),
            required_headers=resource.required_headers(),
        )
        return SheetDataset(sheet)


# A cell Excel (or LibreOffice, WPS) would run as a formula when it opens the file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def escape_formula(value):
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def escape_dataset(dataset):
    """Escape every text cell in place; numbers and dates keep their native types."""
    rows = [tuple(escape_formula(v) for v in row) for row in dataset]
    headers = dataset.headers
    dataset.wipe()
    dataset.headers = headers
    for row in rows:
        dataset.append(row)
    return dataset


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(escape_dataset(dataset), **kwargs)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return super().export_data(escape_dataset(dataset), **kwargs)


EXPORT_FORMATS = [SafeXLSX, SafeCSV]
