"""Charts: a figure drawn in the browser by Chart.js (vendored from npm, `static/vendor/chart.js/`)
and always given as a table and as a spreadsheet too, so the numbers are readable without
JavaScript, by a screen reader, on paper and in Excel.

A `Chart` is data only (labels, series, unit); how it looks is decided once in
`static/js/charts.js`. Templates draw one with `{% include "includes/chart.html" %}`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from .exports import column_widths, set_column_widths, sheet_title
from .imports.formats import escape_formula
from .masking import mask_text


class ChartKind:
    BAR = "bar"
    LINE = "line"


@dataclass(frozen=True)
class Series:
    name: str
    values: list
    stack: str = ""  # series with the same stack are piled up in a stacked chart
    # False: in the table and the spreadsheet only (e.g. the counts behind a rate).
    plotted: bool = True
    unit: str | None = None  # when it differs from the chart's


@dataclass(frozen=True)
class Chart:
    key: str  # unique on a page: element ids, the sheet's order
    title: str
    label_header: str  # what the labels are: 社区, 月份, 类型
    labels: list[str]
    series: list[Series]
    unit: str = ""
    kind: str = ChartKind.BAR
    stacked: bool = False
    horizontal: bool = False
    note: str = ""
    # The view permission a staff user needs to see this chart on the dashboard.
    permission: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.labels

    @property
    def headers(self) -> list[str]:
        def named(series):
            unit = self.unit if series.unit is None else series.unit
            return f"{series.name}({unit})" if unit else series.name

        return [self.label_header, *(named(s) for s in self.series)]

    @property
    def rows(self) -> list[list]:
        return [[label, *(s.values[i] for s in self.series)] for i, label in enumerate(self.labels)]

    @property
    def spec(self) -> dict:
        """What `charts.js` needs, JSON-ready (Decimals become floats). Labels are names staff
        typed in, and public pages show this: a number in one is masked, as in the templates."""
        return {
            "kind": self.kind,
            "labels": [mask_text(label) for label in self.labels],
            "series": [
                {"name": s.name, "values": [_plain(v) for v in s.values], "stack": s.stack}
                for s in self.series
                if s.plotted
            ],
            "unit": self.unit,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "title": self.title,
        }

    @property
    def summary(self) -> str:
        """A one-line text alternative for the canvas; the table below it has every number."""
        return f"{self.title}:{len(self.labels)} 项,数据见下表。"


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def workbook(charts: list[Chart], *, title: str) -> bytes:
    """Every chart as a sheet of its own (headers in the first row), as .xlsx bytes.

    Text cells go through the export's formula escaping: labels are names staff typed in.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used = set()
    for chart in charts:
        name = sheet_title(chart.title, chart.key)
        while name in used:  # Excel needs distinct sheet names of at most 31 characters
            name = name[:28] + f"~{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([escape_formula(h) for h in chart.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in chart.rows:
            sheet.append([escape_formula(_plain(v)) for v in row])
        set_column_widths(sheet, column_widths(sheet.iter_rows(values_only=True)))
        if chart.note:
            sheet.append([])
            sheet.append([escape_formula(chart.note)])
    if not charts:
        book.create_sheet(sheet_title(title)).append(["暂无数据"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
