"""The import pipeline, with the 小区楼组 (`places`) resource: files in, all or nothing."""

import io
import tracemalloc

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import BuildingGroup, Compound
from communities.resources import PlacesResource
from jinhai.imports import storage
from jinhai.imports.formats import SheetFormat
from jinhai.imports.reading import SheetError, read_sheet
from jinhai.models import ImportLog

from .sheets import csv_bytes, entity_bomb_xlsx, xlsx_bytes, zip_bomb_xlsx

HEADER = ["社区", "小区", "楼组", "户数", "地址"]
GOOD = [
    HEADER,
    ["正学社区", "正学苑", "1号楼", "30", ""],  # exists: 户数 24 -> 30
    ["正学社区", "正学东苑", "1号楼", "20户", "东苑路 1 号"],  # new compound, new group
    ["正学社区", "正学东苑", "2号楼", "", ""],
]


def read(data):
    return read_sheet(
        data,
        known_headers=PlacesResource.known_headers(),
        required_headers=PlacesResource.required_headers(),
    )


def run_import(user, data, dry_run=False):
    dataset = SheetFormat.for_resource(PlacesResource)().create_dataset(data)
    return PlacesResource(user=user).import_data(
        dataset, dry_run=dry_run, rollback_on_validation_errors=True, file_name="t.csv", user=user
    )


def state():
    return (
        list(Compound.objects.order_by("pk").values_list("pk", "name", "households", "address")),
        list(
            BuildingGroup.objects.order_by("pk").values_list("pk", "name", "households", "address")
        ),
        ImportLog.objects.filter(resource="places").count(),
    )


# Reading files.


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(encoding):
    sheet = read(csv_bytes(GOOD, encoding))
    assert sheet.headers == HEADER
    assert sheet.rows[1] == (3, ["正学社区", "正学东苑", "1号楼", "20户", "东苑路 1 号"])


def test_xlsx_with_merged_title_row_keeps_excel_row_numbers():
    sheet = read(xlsx_bytes(GOOD, title="2022年金海街道小区楼组名册"))
    assert sheet.headers == HEADER
    assert sheet.rows[0][0] == 3  # title on row 1, headers on row 2
    assert any("标题" in note for note in sheet.notes)


def test_xlsx_whose_first_sheet_is_instructions():
    sheet = read(xlsx_bytes(GOOD, instructions=True))
    assert sheet.sheet_name == "名册"
    assert len(sheet.rows) == 3


def test_columns_in_any_order_and_spaces_in_headers():
    rows = [[" 楼组 ", "户数", "社区", "小区"], ["9号楼", "12", "正学社区", "正学苑"]]
    sheet = read(csv_bytes(rows))
    assert sheet.headers == ["楼组", "户数", "社区", "小区"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "无法读取该表格文件"),
        (b"PK\x03\x04" + b"broken", "损坏"),
        (b'[{"\xe7\xa4\xbe\xe5\x8c\xba": "x"}]', "JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, "不是表格文件"),
        (b"<html><body>x</body></html>", "网页"),
        (b"", "空"),
        (csv_bytes([HEADER]), "没有数据行"),
        (csv_bytes([["姓名", "电话"], ["张三", "1"]]), "没有找到表头行"),
    ],
)
def test_unsupported_files_are_refused_with_a_reason(data, message):
    with pytest.raises(SheetError, match=message):
        read(data)


def test_broken_ods_is_refused():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(SheetError, match="无法读取"):
        read(out.getvalue())


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_xml_entity_bomb_is_refused():
    with pytest.raises(SheetError, match="不安全的 XML"):
        read(entity_bomb_xlsx(GOOD))


def test_zip_bomb_is_refused_quickly_without_memory(settings):
    data = zip_bomb_xlsx(GOOD, expanded_bytes=240 * 1024 * 1024)
    assert len(data) < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(SheetError, match="解压后超过"):
            read(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_row_limit_is_named():
    rows = [HEADER] + [["正学社区", "正学苑", f"{i}号楼", "", ""] for i in range(200_000)]
    with pytest.raises(SheetError, match="100,000 行"):
        read(csv_bytes(rows))


def test_size_limit_is_named():
    with pytest.raises(SheetError, match="超过了上限 20 MB"):
        read(b"a" * (100 * 1024 * 1024))


# Importing.


def test_valid_file_imports_creates_and_updates(world, users):
    result = run_import(users.staff_a, csv_bytes(GOOD))
    assert not result.has_errors() and not result.has_validation_errors()
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert BuildingGroup.objects.get(compound=world.a.compound, name="1号楼").households == 30
    east = Compound.objects.get(community=world.a.community, name="正学东苑")
    assert set(east.building_groups.values_list("name", flat=True)) == {"1号楼", "2号楼"}
    assert east.building_groups.get(name="1号楼").households == 20
    log = ImportLog.objects.get(resource="places", user=users.staff_a)
    assert (log.user, log.rows, log.created, log.updated) == (users.staff_a, 3, 2, 1)
    # Importing the same file again changes nothing.
    again = run_import(users.staff_a, csv_bytes(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_dry_run_writes_nothing(world, users):
    before = state()
    result = run_import(users.staff_a, csv_bytes(GOOD), dry_run=True)
    assert (result.created, result.updated) == (2, 1)
    assert state() == before


BAD = [
    HEADER,
    ["正学社区", "正学苑", "5号楼", "x", ""],  # row 2: 户数 not a number
    ["丰乐社区", "丰乐苑", "9号楼", "", ""],  # row 3: another community
    ["无此社区", "某小区", "1号楼", "", ""],  # row 4: unknown community
    ["正学社区", "正学苑", "6号楼", "", ""],  # row 5: fine
    ["正学社区", "正学苑", "6号楼", "", ""],  # row 6: the same building group again
    ["正学社区", "正学苑", "7号楼", "-3", ""],  # row 7: negative households
    ["正学社区", "", "8号楼", "", ""],  # row 8: missing compound
    ["正学社区", "正学苑", '=HYPERLINK("http://x")', "", ""],  # row 9: a formula
    ["正学社区", "正" * 60, "1号楼", "", ""],  # row 10: compound name too long
]


@pytest.mark.parametrize("kind", ["csv", "gbk", "xlsx"])
def test_any_bad_row_writes_nothing_and_every_bad_row_is_listed(world, users, kind):
    data = {
        "csv": lambda: csv_bytes(BAD),
        "gbk": lambda: csv_bytes(BAD, "gbk"),
        "xlsx": lambda: xlsx_bytes(BAD),
    }[kind]()
    before = state()
    result = run_import(users.staff_a, data)
    assert state() == before
    by_row = {}
    for number, column, reason in result.error_items:
        by_row.setdefault(number, []).append((column, reason))
    assert sorted(by_row) == [2, 3, 4, 6, 7, 8, 9, 10]
    assert by_row[2] == [("户数", "“x”不是整数")]
    assert by_row[3][0][0] == "社区" and "只能导入本社区" in by_row[3][0][1]
    # A community nobody has reads exactly like another community's name.
    assert by_row[4][0][1] == by_row[3][0][1].replace("丰乐社区", "无此社区")
    assert by_row[6] == [("楼组", "与第 5 行重复:同一条记录在文件中出现了两次")]
    assert by_row[7][0][0] == "户数"
    assert by_row[8] == [("小区", "必填,不能为空")]
    if kind == "xlsx":
        # A formula reads as the value Excel cached for it; openpyxl wrote none, so it is blank.
        assert by_row[9] == [("楼组", "必填,不能为空")]
    else:
        assert "公式" in by_row[9][0][1]
    assert by_row[10][0][0] == "小区"


def test_missing_required_header_names_the_columns(world, users):
    result = run_import(users.staff_a, csv_bytes([["社区", "户数"], ["正学社区", "3"]]))
    assert result.has_errors()
    assert "缺少必需的列:小区、楼组" in str(result.base_errors[0].error)


def test_unknown_columns_are_reported(world, users):
    rows = [HEADER + ["备注"], ["正学社区", "正学苑", "1号楼", "", "", "x"]]
    result = run_import(users.staff_a, csv_bytes(rows))
    assert any("备注" in note for note in result.notes)


def test_street_staff_import_across_their_communities(world, users):
    rows = [
        HEADER,
        ["正学社区", "正学苑", "3号楼", "", ""],
        ["丰乐社区", "丰乐苑", "3号楼", "", ""],
    ]
    result = run_import(users.street, csv_bytes(rows))
    assert result.created == 2
    rows = [HEADER, ["西渡社区", "西渡苑", "3号楼", "", ""]]
    result = run_import(users.street, csv_bytes(rows))
    assert result.has_validation_errors()


def test_one_query_per_place_level_not_per_row(world, users):
    def statements(n):
        rows = [HEADER] + [["正学社区", f"小区{i % 7}", f"{i}号楼", "10", ""] for i in range(n)]
        data = csv_bytes(rows)
        with CaptureQueriesContext(connection) as ctx:
            run_import(users.staff_a, data)
        sql = [q["sql"] for q in ctx.captured_queries]
        return [s for s in sql if s.startswith("SELECT")], [
            s for s in sql if s.startswith("INSERT")
        ]

    small_selects, _ = statements(10)
    large_selects, large_inserts = statements(500)
    # The user's scope (once per user), whether this file was imported before, then
    # communities, compounds and building groups: one query each, whatever the number of rows.
    assert len(small_selects) == 5
    assert len(large_selects) == 4
    # Writes are batched (SQLite caps a statement at 999 parameters, so 500 rows take 3).
    assert len(large_inserts) <= 5


# The command.


def test_import_sheet_command(world, users, tmp_path):
    path = tmp_path / "楼组.csv"
    path.write_bytes(csv_bytes(GOOD, "gbk"))
    out = io.StringIO()
    call_command("import_sheet", "places", str(path), "--user", "staff_a", "--dry-run", stdout=out)
    assert "检查通过" in out.getvalue() and "新建 2 行" in out.getvalue()
    assert not Compound.objects.filter(name="正学东苑").exists()
    call_command("import_sheet", "places", str(path), "--user", "staff_a", stdout=io.StringIO())
    assert Compound.objects.filter(name="正学东苑").exists()


def test_import_sheet_command_fails_with_every_bad_row(world, users, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(BAD))
    err = io.StringIO()
    before = state()
    with pytest.raises(CommandError, match="8 处错误"):
        call_command("import_sheet", "places", str(path), "--user", "staff_a", stderr=err)
    assert "第 3 行 社区" in err.getvalue()
    assert state() == before


def test_import_sheet_exit_status_is_non_zero(world, users, tmp_path, capsys):
    from jinhai.management.commands.import_sheet import Command

    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(BAD))
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(
            ["manage.py", "import_sheet", "places", str(path), "--user", "staff_a"]
        )
    assert exit_info.value.code != 0
    assert "第 6 行 楼组:与第 5 行重复" in capsys.readouterr().err


# The admin: preview, confirm, template, permissions, temp files.


def _upload(client, data, name="楼组.csv"):
    return client.post(
        reverse("admin:communities_buildinggroup_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile(name, data)},
    )


def _pending_uploads():
    return sorted(storage.upload_dir().glob("*.upload"))


def test_admin_preview_then_confirm(world, users, login):
    client = login(users.staff_a)
    before = state()
    response = _upload(client, xlsx_bytes(GOOD, title="名册"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "新建 2 行,更新 1 行" in body
    assert state() == before  # the preview writes nothing
    confirm = response.context["confirm_form"]
    assert len(_pending_uploads()) >= 1
    response = client.post(
        reverse("admin:communities_buildinggroup_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    assert response.status_code == 302
    assert Compound.objects.filter(name="正学东苑").exists()
    token_file = storage.unsign(
        confirm.initial["import_file_name"], user_pk=users.staff_a.pk, resource="places"
    )
    assert not (storage.upload_dir() / token_file).exists()
    # Confirming the same preview twice does nothing more, and says so.
    after = state()
    response = client.post(
        reverse("admin:communities_buildinggroup_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    assert (
        "已经确认过" in response.content.decode()
        and "没有写入任何数据" in response.content.decode()
    )
    assert state() == after


def test_a_retry_racing_the_first_confirm_writes_nothing(world, users, login, monkeypatch):
    """Two POSTs of one preview that both find the file (a proxy retry while the first runs):
    the single-use token lets one write."""
    client = login(users.staff_a)
    response = _upload(client, csv_bytes(GOOD))
    confirm = response.context["confirm_form"]
    data = {name: confirm.initial[name] for name in confirm.fields}
    monkeypatch.setattr(storage.UploadStorage, "remove", lambda self: None)
    monkeypatch.setattr("jinhai.imports.confirmations.was_used", lambda token: False)
    url = reverse("admin:communities_buildinggroup_process_import")
    assert client.post(url, data).status_code == 302
    after = state()
    response = client.post(url, data)
    assert "已经确认过" in response.content.decode()
    assert state() == after
    assert ImportLog.objects.filter(resource="places", user=users.staff_a).count() == 1


def test_the_same_file_again_is_recognised_in_the_preview(world, users, login):
    client = login(users.staff_a)
    response = _upload(client, csv_bytes(GOOD))
    confirm = response.context["confirm_form"]
    client.post(
        reverse("admin:communities_buildinggroup_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    again = _upload(client, csv_bytes(GOOD)).content.decode()
    assert "该文件已于" in again and "导入过" in again
    # Another community's staff importing the same bytes is another import.
    other = login(users.staff_b)
    assert "该文件已于" not in _upload(other, csv_bytes(GOOD)).content.decode()


def test_admin_preview_lists_errors_and_removes_the_upload(world, users, login):
    client = login(users.staff_a)
    before_files = _pending_uploads()
    response = _upload(client, csv_bytes(BAD))
    body = response.content.decode()
    assert "处错误,未导入任何数据" in body
    assert "与第 5 行重复" in body
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    assert _pending_uploads() == before_files


def test_admin_shows_unreadable_file_reason(world, users, login):
    client = login(users.staff_a)
    response = _upload(client, b"\xd0\xcf\x11\xe0" + b"\x00" * 100, name="old.xls")
    assert "无法读取该表格文件" in response.content.decode()


def test_admin_refuses_oversized_upload_before_reading(world, users, login, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client = login(users.staff_a)
    response = _upload(client, csv_bytes(GOOD) + b"x" * 2048)
    assert "超过了上限" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    ["../../etc/passwd", "/etc/passwd", "0" * 32 + ".upload", "forged:token"],
)
def test_crafted_confirm_is_refused(world, users, login, token):
    client = login(users.staff_a)
    before = state()
    response = client.post(
        reverse("admin:communities_buildinggroup_process_import"),
        {"import_file_name": token, "original_file_name": "x.csv", "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert "导入请求无效" in response.content.decode()
    assert state() == before


def test_confirm_token_of_another_user_is_refused(world, users, login):
    client = login(users.staff_a)
    confirm = _upload(client, csv_bytes(GOOD)).context["confirm_form"]
    other = login(users.street)
    response = other.post(
        reverse("admin:communities_buildinggroup_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    assert "导入请求无效" in response.content.decode()
    assert not Compound.objects.filter(name="正学东苑").exists()


def test_view_only_user_cannot_import(world, users, login):
    client = login(users.viewer)
    assert client.get(reverse("admin:communities_buildinggroup_import")).status_code == 403
    assert _upload(client, csv_bytes(GOOD)).status_code == 403
    assert client.get(reverse("admin:communities_buildinggroup_import_template")).status_code == 403


def test_template_download_has_the_contract_headers(world, users, login):
    client = login(users.staff_a)
    response = client.get(reverse("admin:communities_buildinggroup_import_template"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADER


def test_import_page_links_the_template(world, users, login):
    client = login(users.staff_a)
    body = client.get(reverse("admin:communities_buildinggroup_import")).content.decode()
    assert reverse("admin:communities_buildinggroup_import_template") in body


# Exports.


def test_export_escapes_formulas(world, users, login):
    BuildingGroup.objects.filter(pk=world.a.building_group.pk).update(
        address='=HYPERLINK("http://evil.example","点我")'
    )
    client = login(users.staff_a)
    url = reverse("admin:communities_buildinggroup_export")
    fields = {
        f"placesresource_{f}": "on"
        for f in ("community", "compound_name", "name", "households", "address")
    }
    csv_response = client.post(url, {"format": "1", "resource": "0", **fields})
    body = csv_response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and "丰乐苑" not in body
    xlsx_response = client.post(url, {"format": "0", "resource": "0", **fields})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil.example","点我")' in values
    assert 24 in values  # numbers stay numbers


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),
        ("正学苑", "正学苑"),
        (7, 7),
    ],
)
def test_escape_formula(value, escaped):
    from jinhai.imports.formats import escape_formula

    assert escape_formula(value) == escaped


def test_the_error_page_lists_200_errors_counts_the_rest_and_offers_a_workbook(world, users, login):
    client = login(users.staff_a)
    rows = [HEADER] + [["正学社区", "正学苑", f"{i}号楼", "x", ""] for i in range(2, 502)]
    response = _upload(client, csv_bytes(rows))
    body = response.content.decode()
    assert "文件中有 500 处错误" in body
    assert body.count("“x”不是整数") == 200
    assert "另有 300 处错误未列出" in body
    url = response.context["error_workbook_url"]
    download = client.get(url)
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.content), read_only=True)
    got = list(book.active.iter_rows(values_only=True))
    assert got[0] == ("行号", *HEADER, "错误原因")
    assert got[1] == (2, "正学社区", "正学苑", "2号楼", "x", None, "户数:“x”不是整数")
    assert len(got) == 501
    # Another user cannot fetch it.
    other = login(users.staff_b)
    assert "导入请求无效" in other.get(url).content.decode()


def test_the_preview_shows_what_will_be_stored(world, users, login):
    from volunteers.models import Appointment

    client = login(users.staff_a)
    rows = [
        ["社区", "类型", "姓名", "手机号", "小区", "楼组", "推选日期"],
        ["正学社区", "楼组长", "王　芳", "137 0000 0901", "正学苑", "1号楼", "2022年7月1日"],
    ]
    Appointment.objects.all().delete()
    response = client.post(
        reverse("admin:volunteers_appointment_import"),
        {
            "format": "0",
            "resource": "0",
            "import_file": SimpleUploadedFile("a.csv", csv_bytes(rows)),
        },  # noqa: E501
    )
    body = response.content.decode()
    assert "王芳" in body and "13700000901" in body and "2022-07-01" in body
    assert "王　芳" not in body and "2022年7月1日" not in body
    from volunteers.resources import LeadersResource

    assert response.context["result"].diff_headers == LeadersResource.template_headers()
