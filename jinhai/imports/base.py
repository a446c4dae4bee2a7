"""The import base every spreadsheet import of the portal uses.

A resource declares its Chinese columns and how to turn parsed rows into model instances; the base
does the rest the same way for every resource:

1. check the header: a missing required column rejects the file and names it; unknown columns are
   reported;
2. parse every cell with the shared normalisers (`cells`), refusing formulas;
3. `resolve()`: the resource looks up what rows refer to (places by name, one query per level) and
   builds instances. Every lookup goes through `self.scoped(model)`, the user's `Scope`: a key
   that names a row outside the scope finds nothing, so its error reads exactly like a key that
   matches nothing, and no message can describe a row the user may not see (no name, no
   community, no "其他社区"). `tests/test_architecture.py` refuses any other read in a
   resources module;
4. scoping (`Scope.allows`) and model validation (`full_clean`) on every instance;
5. all-or-nothing: any bad row means nothing is written, and every bad row is listed with its row
   number, column and reason;
6. otherwise, unless it is a dry run, bulk writes in one transaction and an `ImportLog` row.

The admin (jinhai.imports.admin) and the `import_sheet` command both call `import_data`, so the
rules and messages are the same wherever a file comes in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_permission_codename
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils.html import escape
from import_export import resources
from import_export.results import Error, Result, RowResult

from jinhai.caching import data_changed
from jinhai.db import bulk_insert
from jinhai.scoping import Scope

from . import cells, confirmations
from .instances import Validation
from .reading import Sheet, SheetError

logger = logging.getLogger("jinhai.imports")

# A cell whose first non-blank character is "=" is a formula; checked on every cell, so cheaply.
FORMULA_START = ("=", " ", "\t", "\u3000")
# How many valid rows the preview page shows; the totals always count every row.
PREVIEW_ROWS = 50
# How many errors a page lists; the rest are counted, and all are in the error workbook.
ERRORS_SHOWN = 200


@dataclass(frozen=True)
class Column:
    header: str
    parse: Callable = cells.text
    required: bool = False
    # The model field this column fills, so that a model validation error lands on this column.
    field: str = ""
    aliases: tuple[str, ...] = ()
    # For the blank template (`blank.template_workbook`): the example row's value (or a function
    # of the resource, as `options`), what the instructions say beyond the format, and the names a
    # drop-down offers, read through the downloading user's scope: `options(resource)` calls
    # `resource.scoped(...)`.
    example: object = None
    hint: str = ""
    options: Callable | None = None


class Record:
    """One data row on its way in. Slotted: a file has up to 100,000 of them."""

    __slots__ = (
        "number",
        "row",
        "index",
        "values",
        "errors",
        "instance",
        "is_new",
        "changed",
        "key",
    )

    def __init__(self, number: int, row: list, index: dict):
        self.number = number
        # The row's cells as read, and where each template column sits in it (shared by rows).
        self.row = row
        self.index = index
        self.values: dict = {}
        self.errors: list = []
        self.instance = None
        self.is_new = False
        self.changed = False
        # What makes two rows the same thing (set by `resolve`); a file may not name it twice.
        self.key: tuple | None = None

    @property
    def raw(self) -> dict:
        """The cells of the template's columns as read, by header."""
        return {header: self.row[i] for header, i in self.index.items()}

    def fail(self, column: str, reason: str) -> None:
        self.errors.append((self.number, column, reason))


class ImportReport(Result):
    """A django-import-export Result that also carries the (row, column, reason) list."""

    def __init__(self):
        super().__init__()
        self.error_items: list[tuple[int, str, str]] = []
        self.notes: list[str] = []
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        # The rows as read, for the error workbook (the original rows with their reasons).
        self.sheet = None
        # What the import will create, per kind of record: [("积分账户", "个", 20), ...].
        self.planned: list[tuple[str, str, int]] = []

    @property
    def planned_text(self) -> str:
        """将新建 20 个住户/商铺、20 个积分账户、20 条积分明细"""
        if not self.planned:
            return ""
        return "将新建 " + "、".join(f"{n:,} {unit}{name}" for name, unit, n in self.planned)


class SheetResource(resources.ModelResource):
    """Base of every import resource. Subclasses set `key`, `title`, `columns`, `resolve()`."""

    key = ""
    title = ""
    # One sentence for staff when an admin offers several variants of its import (the roster and
    # its 换届): what importing this one does.
    purpose = ""
    columns: list[Column] = []
    # Fields written when an existing row is updated (bulk_update).
    update_fields: list[str] = []
    batch_size = 2000

    # Whether the resource can tell rows already stored and skip them when asked (`only_new`).
    offers_only_new = False

    def __init__(self, user=None, only_new=False, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.scope = Scope.for_user(user)
        self.only_new = only_new
        # What `resolve` found worth telling (rows already stored, say), shown with the notes.
        self.resolve_notes: list[str] = []

    def scoped(self, model_or_queryset) -> models.QuerySet:
        """The rows of a model (or a queryset) this import's user may reach: the one way a
        resource reads the database to check a row. Street staff reach their whole subdistrict,
        community staff their community (and subdistrict-wide rows they may read)."""
        if isinstance(model_or_queryset, models.QuerySet):
            return self.scope.filter(model_or_queryset)
        return self.scope.filter(model_or_queryset._default_manager.all())

    def taken(self, model, field: str, values) -> set:
        """Which of `values` a field unique across the whole portal already holds *outside* the
        scope. Only the values come back (the user's own input), never the rows: the database
        would refuse to write them again, and the admin's form says the same ("已登记"), so the
        row is refused without telling whose, or where, the value is."""
        values = {v for v in values if v}
        if not values:
            return set()
        inside = self.scoped(model).filter(**{f"{field}__in": values}).values("pk")
        return set(
            model._default_manager.filter(**{f"{field}__in": values})
            .exclude(pk__in=inside)
            .values_list(field, flat=True)
        )

    @classmethod
    def get_display_name(cls):
        return cls.title or super().get_display_name()

    @classmethod
    def may_import(cls, user) -> bool:
        """An import creates and updates rows: it takes both permissions, and a place to work."""
        opts = cls._meta.model._meta
        return (
            user.is_active
            and user.has_perm(f"{opts.app_label}.{get_permission_codename('add', opts)}")
            and user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")
            and Scope.for_user(user).reaches_anything
        )

    @classmethod
    def template_headers(cls) -> list[str]:
        return [c.header for c in cls.columns]

    @classmethod
    def known_headers(cls) -> set[str]:
        return {h for c in cls.columns for h in (c.header, *c.aliases)}

    @classmethod
    def required_headers(cls) -> list[str]:
        return [c.header for c in cls.columns if c.required]

    # What subclasses provide.

    def resolve(self, records: list[Record]) -> None:
        """Look up what the rows refer to and set `record.instance` (new or existing).

        Called with every row, including rows that already failed to parse: add what else is
        wrong with them where it can be told, and build no instance for them.
        """
        raise NotImplementedError

    def save_records(self, records: list[Record]) -> None:
        """Write the rows that are new or changed (all of them valid), in one transaction."""
        model = self._meta.model
        bulk_insert(model, [r.instance for r in records if r.is_new], batch_size=self.batch_size)
        changed = [r.instance for r in records if r.changed and not r.is_new]
        if changed and self.update_fields:
            model._default_manager.bulk_update(
                changed, self.update_fields, batch_size=self.batch_size
            )

    def describe(self, record: Record) -> list[str]:
        """What will be stored for a row, in template-header order: the parsed values (dates,
        rooms, cleaned names, labels), never the raw cells; a code that names a record (a rule's
        G01, a credit code) with the record's name beside it."""
        shown = []
        for column in self.columns:
            value = cells.shown(
                column.parse, record.values.get(column.header, record.raw.get(column.header))
            )
            named = _related(record.instance, column.field)
            if named and value and value not in named:
                value = f"{value}({named})"
            elif named and value:
                value = named
            shown.append(value)
        return shown

    # The machinery.

    def get_diff_headers(self):
        return self.template_headers()

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        sheet = getattr(dataset, "sheet", None) or sheet_from_dataset(dataset)
        result = ImportReport()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(sheet.rows)
        result.notes.extend(sheet.notes)
        result.sheet = sheet
        self.sha256 = sheet.sha256
        earlier = confirmations.earlier_import(
            sha256=sheet.sha256, resource=self.key, user=self.user
        )
        if earlier is not None:
            result.notes.insert(0, confirmations.earlier_note(earlier))
        records = self._parse(sheet, result)
        if result.has_errors():
            return result
        # Resolve and validate even when some rows already failed to parse, so that every bad row
        # is named in one go; resources skip what they cannot resolve.
        self.resolve(records)
        result.notes.extend(self.resolve_notes)
        self._validate(records)
        bad = [r for r in records if r.errors]
        for record in bad:
            self._report_invalid(result, record)
        if bad:
            return result
        for record in records:
            kind = (
                RowResult.IMPORT_TYPE_NEW
                if record.is_new
                else RowResult.IMPORT_TYPE_UPDATE
                if record.changed
                else RowResult.IMPORT_TYPE_SKIP
            )
            row_result = RowResult()
            row_result.import_type = kind
            result.increment_row_result_total(row_result)
            if len(result.rows) < PREVIEW_ROWS:
                row_result.diff = [escape(v) for v in self.describe(record)]
                result.append_row_result(row_result)
        result.created = sum(1 for r in records if r.is_new)
        result.updated = sum(1 for r in records if r.changed and not r.is_new)
        result.unchanged = len(records) - result.created - result.updated
        result.planned = planned(records)
        if dry_run:
            return result
        try:
            with transaction.atomic():
                self.save_records([r for r in records if r.is_new or r.changed])
                # Imports write in bulk, which sends no model signals.
                data_changed()
                self._log(kwargs, result)
        except Exception as exc:  # an IntegrityError from a race, say: nothing is written
            logger.exception("import %s failed while writing", self.key)
            result.append_base_error(Error(SheetError(f"写入数据库时出错,未导入任何数据:{exc}")))
        return result

    # Called as progress(done, total) while rows are parsed; the import_sheet command draws a bar.
    progress = None

    def _parse(self, sheet: Sheet, result: ImportReport) -> list[Record]:
        position = {h: i for i, h in enumerate(sheet.headers) if h}
        index = {}
        for column in self.columns:
            for name in (column.header, *column.aliases):
                key = cells.header_key(name)
                if key in position:
                    index[column.header] = position[key]
                    break
        missing = [c.header for c in self.columns if c.required and c.header not in index]
        if missing:
            result.append_base_error(
                Error(
                    SheetError("缺少必需的列:" + "、".join(missing) + "。请对照导入模板检查表头。")
                )
            )
            return []
        used = set(index.values())
        unknown = [h for i, h in enumerate(sheet.headers) if h and i not in used]
        if unknown:
            result.notes.append("以下列不属于本导入,不会被导入:" + "、".join(unknown) + "。")
        records = []
        total = len(sheet.rows)
        # A column's cells repeat (the same scheme, compound, date and rule on thousands of rows)
        # and every parser is a function of the cell alone: each distinct cell of a column is
        # read once. The type is part of the key, because 1, 1.0 and True are equal keys.
        outcomes = {column.header: {} for column in self.columns}
        columns = [
            (column, index[column.header], outcomes[column.header])
            for column in self.columns
            if column.header in index
        ]
        absent = [column for column in self.columns if column.header not in index]
        for done, (number, row) in enumerate(sheet.rows, start=1):
            if self.progress and (done % 1000 == 0 or done == total):
                self.progress(done, total)
            record = Record(number=number, row=row, index=index)
            values = record.values
            for column, i, seen in columns:
                value = row[i]
                key = (value.__class__, value)
                try:
                    parsed, reason = seen[key]
                except KeyError:
                    parsed, reason = outcome = _outcome(column, value)
                    if not isinstance(parsed, MUTABLE):  # a list is the row's own
                        seen[key] = outcome
                except TypeError:  # an unhashable cell (from code, not a file)
                    parsed, reason = _outcome(column, value)
                if reason is None:
                    values[column.header] = parsed
                else:
                    record.fail(column.header, reason)
            for column in absent:
                parsed, reason = _outcome(column, None)
                if reason is None:
                    values[column.header] = parsed
                else:
                    record.fail(column.header, reason)
            records.append(record)
        return records

    def _validate(self, records: list[Record]) -> None:
        column_of = {c.field: c.header for c in self.columns if c.field}
        seen = {}
        # Foreign keys were resolved from scoped lookups in `resolve`, and uniqueness is checked
        # on the natural key across the whole file; per-row database checks would cost a query
        # each and add nothing.
        fk_fields = [f.name for f in self._meta.model._meta.concrete_fields if f.is_relation]
        validation = Validation(self._meta.model, exclude=fk_fields)
        for record in records:
            if record.errors or record.instance is None:
                continue
            instance = record.instance
            if not self.scope.allows(instance):
                record.fail(self.scope_column, "只能导入本社区(本街道)的数据")
                continue
            if record.key is not None:
                if record.key in seen:
                    record.fail(
                        self.duplicate_column,
                        f"与第 {seen[record.key]} 行重复:同一条记录在文件中出现了两次",
                    )
                    continue
                seen[record.key] = record.number
            if not (record.is_new or record.changed):
                continue
            for name, messages in validation.errors(instance).items():
                column = column_of.get(name, "" if name == NON_FIELD_ERRORS else name)
                for message in messages:
                    record.fail(column, message)

    # The column named when a row is out of scope or a duplicate.
    scope_column = "社区"
    duplicate_column = ""

    def _report_invalid(self, result: ImportReport, record: Record) -> None:
        by_column = {}
        for number, column, reason in record.errors:
            result.error_items.append((number, column, reason))
            by_column.setdefault(column or NON_FIELD_ERRORS, []).append(reason)
        result.append_invalid_row(record.number, record.raw, ValidationError(by_column))

    def _log(self, kwargs, result: ImportReport) -> None:
        from jinhai.models import ImportLog

        ImportLog.objects.create(
            user=self.user if getattr(self.user, "pk", None) else None,
            resource=self.key,
            file_name=(kwargs.get("file_name") or "")[:255],
            rows=result.total_rows,
            created=result.created,
            updated=result.updated,
            sha256=getattr(self, "sha256", ""),
            scope=confirmations.scope_key(self.user),
        )


def _outcome(column: Column, value) -> tuple:
    """What one cell of `column` reads as: (value, None), or (None, the reason it is refused)."""
    if value.__class__ is str and value[:1] in FORMULA_START and value.lstrip()[:1] == "=":
        return None, "单元格是公式,请在 Excel 中复制后“选择性粘贴为数值”再导入"
    try:
        parsed = column.parse(value)
    except ValueError as exc:
        return None, str(exc)
    if column.required and parsed in (None, ""):
        return None, "必填,不能为空"
    return parsed, None


MUTABLE = (list, dict, set)


def _related(instance, name: str) -> str:
    """The name of the record a foreign key `name` of `instance` points at, if it is at hand
    (no query: the resource set it while resolving)."""
    if instance is None or not name:
        return ""
    related = instance._state.fields_cache.get(name)
    return str(related) if isinstance(related, models.Model) else ""


# How the preview counts what it will create (名 for people, 条 for entries); others are 个.
MEASURE_WORDS = {
    "volunteers.volunteer": "名",
    "volunteers.attendance": "条",
    "volunteers.appointment": "项",
    "self_governance.pointentry": "条",
    "orgs.annualinspection": "条",
}


def planned(records: list[Record]) -> list[tuple[str, str, int]]:
    """What the import will create, per model: each new or changed row's instance, when new, and
    every unsaved object it hangs on (the new compound of a new building group, the household
    and account of a points entry, the person of an appointment), each counted once. Models
    that others hang on come first: 将新建 20 个积分账户、20 条积分明细."""
    counts: dict = {}
    seen = set()

    def visit(instance, new):
        if id(instance) in seen:
            return
        seen.add(id(instance))
        for related in list(instance._state.fields_cache.values()):
            if isinstance(related, models.Model) and related.pk is None:
                visit(related, True)
        if new:
            opts = instance._meta
            name, unit = str(opts.verbose_name), MEASURE_WORDS.get(opts.label_lower, "个")
            counts[(name, unit)] = counts.get((name, unit), 0) + 1

    for record in records:
        if record.instance is not None and (record.is_new or record.changed):
            visit(record.instance, record.is_new)
    return [(name, unit, n) for (name, unit), n in counts.items()]


def resource_registry() -> dict[str, type[SheetResource]]:
    """Every import resource by its key: each app's `resources` module is loaded and asked."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("resources")
    found = {}
    pending = list(SheetResource.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.key:
            found[cls.key] = cls
    return dict(sorted(found.items()))


def resource_titles() -> dict[str, str]:
    """Each import's Chinese name (小区楼组) by its key (places)."""
    return {key: resource.title for key, resource in resource_registry().items()}


def sheet_from_dataset(dataset) -> Sheet:
    """A plain tablib Dataset (from code, not an upload) seen as a Sheet; rows count from 2."""
    headers = [cells.header_key(h) for h in (dataset.headers or [])]
    return Sheet(headers=headers, rows=[(i, list(row)) for i, row in enumerate(dataset, start=2)])
