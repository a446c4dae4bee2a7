"""A change list's 导出, for every admin that has one: the file is Chinese from its name to its
cells, its sheet is named, its columns fit their text, Excel is what the page offers first, and an
export takes the same number of queries however many rows it has."""

import datetime
import io
from unittest import mock
from urllib.parse import unquote

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jinhai import exports
from jinhai.admin import ScopedExportAdmin
from jinhai.exports import column_widths, display_width, export_filename

from .chinese import english_words
from .test_query_counts import grow_tenfold

EXPORTING = sorted(
    (m for m, a in admin.site._registry.items() if isinstance(a, ScopedExportAdmin)),
    key=lambda m: m._meta.label,
)
# 2026-11-30 17:00 UTC is already 2026-12-01 in Shanghai.
LATE_EVENING_UTC = datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC)


def export_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")


def form_data(client, model, file_format="0"):
    """What a worker posts from the export page: every column ticked, the format chosen."""
    form = client.get(export_url(model)).context["form"]
    ticked = [n for n, f in form.fields.items() if getattr(f, "is_selectable_field", False)]
    return {"format": file_format, "resource": "0"} | dict.fromkeys(ticked, "on")


def export(client, model, file_format="0"):
    return client.post(export_url(model), form_data(client, model, file_format))


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_display_width_counts_chinese_twice():
    assert display_width("两长任职") == 8
    assert display_width("G01") == 3
    assert display_width(datetime.date(2026, 12, 1)) == 10
    assert column_widths([["社区", "备注"], ["正学社区", "x" * 500]]) == [10, 50]


def test_file_name_is_chinese_with_the_shanghai_date():
    from jinhai.exports import ExcelExport
    from volunteers.models import Appointment

    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_UTC):
        assert export_filename(Appointment, ExcelExport()) == "两长任职-2026-12-01.xlsx"


def test_the_export_page_offers_excel_first_with_chinese_columns(world, users, login):
    from volunteers.models import Participation

    page = login(users.staff_a).get(export_url(Participation))
    form = page.context["form"]
    assert form.fields["format"].initial == "0"
    assert form.fields["format"].choices[0] == ("0", "Excel 工作簿(.xlsx)")
    labels = [str(f.label) for f in form.fields.values() if getattr(f, "is_selectable_field", 0)]
    assert {"志愿者", "活动", "服务时长(小时)"} <= set(labels), labels
    assert english_words(" ".join(labels)) == []


@pytest.mark.parametrize("model", EXPORTING, ids=lambda m: m._meta.label)
def test_export_file_is_chinese(world, users, login, model):
    client = login(users.street)
    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_UTC):
        response = export(client, model)
    assert response.status_code == 200
    name = exports.safe_name(model._meta.verbose_name_plural)
    disposition = response["Content-Disposition"]
    assert unquote(disposition.split("filename*=utf-8''")[1]) == f"{name}-2026-12-01.xlsx"
    sheet = workbook(response).active
    assert sheet.title == exports.sheet_title(name)
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) > 1, "the test world has rows to export"
    headers = rows[0]
    usernames = list(get_user_model().objects.values_list("username", flat=True))
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert english_words(text, usernames) == [], rows[:3]
    for letter, header in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", headers, strict=False):
        assert sheet.column_dimensions[letter].width >= display_width(header), header
    for row in rows[1:]:
        for value in row:
            # Times are Shanghai's (Excel has no time zones), not UTC's.
            assert not (isinstance(value, datetime.datetime) and value.tzinfo)


def test_export_values_are_labels_and_names(world, users, login):
    from communities.models import Community
    from volunteers.models import Participation

    client = login(users.staff_a)
    rows = list(workbook(export(client, Participation)).active.values)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["志愿者"] == str(world.a.volunteer)
    assert record["活动"] == str(world.a.activity)
    rows = list(workbook(export(client, Community)).active.values)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["所属街道"] == world.subdistrict.name
    kind = Community._meta.get_field("kind")
    assert record[kind.verbose_name] == world.a.community.get_kind_display()


@pytest.mark.parametrize(
    "model",
    [m for m in EXPORTING if admin.site._registry[m].resource_classes],
    ids=lambda m: m._meta.label,
)
def test_an_import_pages_export_has_the_imports_headers(world, users, login, model):
    """So that an exported file can be edited and imported again: every column the import
    needs is there (a few more, such as a name beside a code, are for reading)."""
    resource = admin.site._registry[model].resource_classes[0]
    headers = list(workbook(export(login(users.street), model)).active.values)[0]
    assert set(resource.required_headers()) <= set(headers), headers


def test_csv_export_keeps_the_bom_and_chinese_headers(world, users, login):
    from communities.models import Community

    response = export(login(users.street), Community, file_format="1")
    assert response["Content-Disposition"].endswith(".csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert "社区名称" in header and english_words(header) == []


def test_community_staff_export_only_their_community(world, users, login):
    from volunteers.models import Appointment

    rows = list(workbook(export(login(users.staff_a), Appointment)).active.values)
    text = " ".join(str(v) for row in rows for v in row)
    assert world.a.volunteer.name in text
    assert world.b.volunteer.name not in text and world.elsewhere.volunteer.name not in text


def count_export(client, model):
    data = form_data(client, model)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(export_url(model), data)
    return len(queries), len(list(workbook(response).active.values))


@pytest.mark.parametrize("model", EXPORTING, ids=lambda m: m._meta.label)
def test_export_queries_do_not_grow_with_the_rows(
    world, users, login, model, django_assert_num_queries
):
    client = login(users.street)
    before, rows_before = count_export(client, model)
    grow_tenfold(world)
    data = form_data(client, model)
    with django_assert_num_queries(before):
        response = client.post(export_url(model), data)
    assert len(list(workbook(response).active.values)) > rows_before
