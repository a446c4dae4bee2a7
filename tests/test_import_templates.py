"""The import templates (jinhai.imports.blank): what staff download, fill in and send back."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communities.models import BuildingGroup
from jinhai.imports.base import resource_registry
from jinhai.imports.blank import OPTIONS_SHEET, choices_of, template_workbook
from jinhai.imports.formats import SheetFormat
from jinhai.imports.workbooks import EXAMPLE_SHEET, INSTRUCTIONS_SHEET
from self_governance.agreements.models import Account, PointEntry
from volunteers.resources import LeadersResource

PLACES = "admin:communities_buildinggroup"
POINTS = "admin:self_governance_pointentry"


def download(client, admin):
    response = client.get(reverse(f"{admin}_import_template"))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def list_values(book, sheet, header):
    """The values the drop-down of `header` on `sheet` offers, read through its range."""
    headers = [c.value for c in sheet[1]]
    letter = openpyxl.utils.get_column_letter(headers.index(header) + 1)
    (validation,) = [
        v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(f"{letter}2:")
    ]
    assert validation.type == "list"
    source, cells = validation.formula1.split("!")
    assert source.strip("'") == OPTIONS_SHEET
    return [c.value for row in book[OPTIONS_SHEET][cells.replace("$", "")] for c in row]


def filled_in(book) -> bytes:
    """The template with its example row copied onto the first sheet, as a person would."""
    example = [c.value for c in book[EXAMPLE_SHEET][2]]
    data = book.worksheets[0]
    for index, value in enumerate(example, start=1):
        data.cell(row=2, column=index, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, admin, data):
    return client.post(
        reverse(f"{admin}_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("模板.xlsx", data)},
    )


def test_community_staff_get_their_own_compounds_only(world, users, login):
    book = download(login(users.staff_a), PLACES)
    data = book.worksheets[0]
    assert book[OPTIONS_SHEET].sheet_state == "hidden"
    assert list_values(book, data, "小区") == ["正学苑"]
    assert list_values(book, data, "社区") == ["正学社区"]
    every_cell = {c.value for row in book[OPTIONS_SHEET].iter_rows() for c in row}
    assert not every_cell & {"丰乐苑", "丰乐社区", "西渡苑", "西渡社区"}


def test_street_staff_get_their_subdistricts_compounds(world, users, login):
    book = download(login(users.street), PLACES)
    assert list_values(book, book.worksheets[0], "小区") == ["丰乐苑", "正学苑"]


def test_fixed_choices_are_drop_downs_and_formats_keep_values(world, users, login):
    book = download(login(users.staff_a), "admin:volunteers_appointment")
    data = book.worksheets[0]
    assert list_values(book, data, "类型") == ["楼组长", "街面长"]
    assert list_values(book, data, "性别") == ["男", "女"]
    assert list_values(book, data, "街面") == ["正学社区沿街商铺"]
    headers = [c.value for c in data[1]]
    mobile = openpyxl.utils.get_column_letter(headers.index("手机号") + 1)
    selected = openpyxl.utils.get_column_letter(headers.index("推选日期") + 1)
    assert data.column_dimensions[mobile].number_format == "@"
    assert data.column_dimensions[selected].number_format == "yyyy-mm-dd"
    example = book[EXAMPLE_SHEET]
    selected_example = example.cell(row=2, column=headers.index("推选日期") + 1).value
    assert isinstance(selected_example, datetime.date)
    attendance = download(login(users.staff_a), "admin:volunteers_attendance")
    assert list_values(attendance, attendance.worksheets[0], "是否出席") == ["是", "否", "请假"]


@pytest.mark.parametrize("key", sorted(resource_registry()))
def test_every_template_has_the_import_headers_and_instructions(world, users, key):
    resource = resource_registry()[key]
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(resource(user=users.street))))
    assert book.sheetnames[:3] == [resource.title[:31], EXAMPLE_SHEET, INSTRUCTIONS_SHEET]
    assert book.active.title == resource.title[:31]
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers == resource.template_headers()
    assert [c.value for c in book[EXAMPLE_SHEET][1]] == headers
    rows = list(book[INSTRUCTIONS_SHEET].iter_rows(min_row=2, values_only=True))
    described = {row[0]: row for row in rows if row and row[0] in headers}
    assert list(described) == headers
    for column in resource.columns:
        assert described[column.header][1] == ("必填" if column.required else "选填")
        for label in choices_of(column):
            assert label in described[column.header][3]


def test_a_filled_in_template_imports_without_errors(world, users, login):
    client = login(users.staff_a)
    response = upload(client, PLACES, filled_in(download(client, PLACES)))
    body = response.content.decode()
    assert response.status_code == 200
    assert "confirm_form" in response.context_data and "无法导入" not in body
    assert "处错误" not in body


def test_a_template_sent_back_with_only_the_example_imports_nothing(world, users, login):
    client = login(users.staff_a)
    response = client.get(reverse(f"{PLACES}_import_template"))
    before = BuildingGroup.objects.count()
    sent_back = upload(client, PLACES, response.content)
    assert "没有数据行" in sent_back.content.decode()
    assert "confirm_form" not in sent_back.context_data
    assert BuildingGroup.objects.count() == before


def test_the_preview_says_what_will_be_created(world, users, login):
    client = login(users.staff_a)
    accounts, entries = Account.objects.count(), PointEntry.objects.count()
    response = upload(client, POINTS, filled_in(download(client, POINTS)))
    body = response.content.decode()
    assert "将新建 1 个住户/商铺、1 个积分账户、1 条积分明细" in body
    # The rule's code is shown with the rule's name.
    assert "G01 垃圾分类(+5分)" in body
    # A preview writes nothing.
    assert (Account.objects.count(), PointEntry.objects.count()) == (accounts, entries)


def test_the_preview_counts_new_people_and_appointments(world, users):
    BuildingGroup.objects.create(compound=world.a.compound, name="2号楼", households=12)
    rows = [
        ["社区", "类型", "姓名", "手机号", "小区", "楼组"],
        ["正学社区", "楼组长", "李四", "13912345678", "正学苑", "2号楼"],
    ]
    from .sheets import csv_bytes

    dataset = SheetFormat.for_resource(LeadersResource)().create_dataset(csv_bytes(rows))
    result = LeadersResource(user=users.staff_a).import_data(
        dataset, dry_run=True, rollback_on_validation_errors=True, user=users.staff_a
    )
    assert not result.has_validation_errors(), result.error_items
    assert result.planned_text == "将新建 1 名志愿者、1 项两长任职"


def test_the_error_workbook_drops_characters_a_worksheet_cannot_hold(world, users, login):
    client = login(users.staff_a)
    rows = [["社区", "小区", "楼组", "户数", "地址"], ["正学社区", "正学苑", "9号楼", "x", "\x1f"]]
    from .sheets import csv_bytes

    body = upload(client, PLACES, csv_bytes(rows)).content.decode()
    assert "处错误" in body and "下载错误行" in body
