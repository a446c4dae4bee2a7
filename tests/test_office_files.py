"""Files as LibreOffice writes them (tests/files/office/make.py), each through the admin's entry:
the import format's `create_dataset` and the resource's `import_data`, as the import page runs."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from communities.models import Compound
from communities.resources import PlacesResource
from jinhai.imports.formats import SheetFormat
from jinhai.imports.reading import SheetError
from orgs.models import SocialOrganization
from orgs.resources import OrganizationsResource
from self_governance.agreements.models import Account, PointEntry
from self_governance.agreements.resources import PointsResource
from self_governance.fund.models import FundProject
from self_governance.fund.resources import FundProjectsResource
from volunteers.models import Appointment, Attendance, Volunteer
from volunteers.resources import AttendanceResource, LeadersResource

from .factories import BuildingGroupFactory, TrainingFactory

OFFICE = Path(__file__).parent / "files" / "office"


def run(resource_class, user, name, dry_run=False):
    data = (OFFICE / name).read_bytes()
    dataset = SheetFormat.for_resource(resource_class)().create_dataset(data)
    return resource_class(user=user).import_data(
        dataset, dry_run=dry_run, rollback_on_validation_errors=True, file_name=name, user=user
    )


def errors(result):
    return [(n, c, r) for n, c, r in result.error_items]


def ok(result):
    assert not result.has_errors(), [e.error for e in result.base_errors]
    assert not result.has_validation_errors(), errors(result)
    return result


@pytest.fixture
def groups(world):
    return {n: BuildingGroupFactory(compound=world.a.compound, name=f"{n}号楼") for n in (2, 3, 4)}


@pytest.mark.parametrize("extension", ["xlsx", "xls", "ods"])
def test_the_visible_sheet_is_read_never_the_hidden_one(world, users, groups, extension):
    result = ok(run(LeadersResource, users.staff_a, f"leaders_hidden.{extension}"))
    assert result.created == 1
    assert Volunteer.objects.filter(name="新人甲").exists()
    assert not Volunteer.objects.filter(name__startswith="旧人").exists()
    assert any("2022年" in n and "隐藏" in n and "2021年(旧)" in n for n in result.notes)


def test_an_example_sheet_in_front_is_not_read(world, users, groups):
    result = ok(run(LeadersResource, users.staff_a, "leaders_example.xlsx"))
    assert result.notes[0].startswith("读取的是工作表“名册”")
    assert Volunteer.objects.filter(name="新人乙").exists()
    assert not Volunteer.objects.filter(name="张三").exists()


def test_two_sheets_that_could_be_it_are_refused_with_their_names(world, users, groups):
    with pytest.raises(SheetError, match="“一月”“二月”都像是要导入的表格"):
        run(LeadersResource, users.staff_a, "leaders_ambiguous.xlsx")


@pytest.mark.parametrize("extension", ["xlsx", "xls", "ods"])
def test_titles_notes_merged_cells_formulas_and_totals(world, users, extension):
    result = ok(run(PlacesResource, users.staff_a, f"places_office.{extension}"))
    compound = Compound.objects.get(community=world.a.community, name="正学东苑")
    households = dict(compound.building_groups.values_list("name", "households"))
    # 1号楼's 户数 is the formula =10+14; the merged 社区/小区 cover 2号楼 and 3号楼;
    # 合计 is no row.
    assert households == {"1号楼": 24, "2号楼": 18, "3号楼": 20}
    assert any("合计行" in n for n in result.notes)
    assert not any("序号" in n for n in result.notes)


@pytest.mark.parametrize("extension", ["xlsx", "xls", "ods"])
def test_merged_cells_of_optional_columns_fill_the_rows_they_cover(world, users, extension):
    """地址 merged over 1-3号楼 and 户数 over 4-5号楼 read as each row shows them, the same in
    every format (an .ods's merges are read from its XML: calamine gives none); 6号楼's 地址,
    blank and not merged, stays blank."""
    ok(run(PlacesResource, users.staff_a, f"places_merged.{extension}"))
    compound = Compound.objects.get(community=world.a.community, name="正学东苑")
    groups = {g.name: (g.households, g.address) for g in compound.building_groups.all()}
    assert groups == {
        "1号楼": (24, "金海路100弄"),
        "2号楼": (18, "金海路100弄"),
        "3号楼": (20, "金海路100弄"),
        "4号楼": (30, "金海路102弄"),
        "5号楼": (30, "金海路104弄"),
        "6号楼": (12, ""),
    }


def test_utf16_unicode_text_is_read(world, users):
    data = (OFFICE / "places_office.txt").read_bytes()
    assert data.startswith(b"\xff\xfe")
    dataset = SheetFormat.for_resource(PlacesResource)().create_dataset(data)
    sheet = dataset.sheet
    assert sheet.headers[1:] == ["社区", "小区", "楼组名称", "户数"]
    assert [row[1][3:] for row in sheet.rows] == [["1号楼", "24"], ["2号楼", "18"], ["3号楼", "20"]]


@pytest.mark.parametrize("extension", ["xlsx", "xls", "ods"])
def test_two_level_headers_padded_names_and_two_groups_of_one_leader(
    world, users, groups, extension
):
    ok(run(LeadersResource, users.staff_a, f"leaders_office.{extension}"))
    wang = Volunteer.objects.get(mobile="13700000301")
    assert wang.name == "王芳"
    assert Volunteer.objects.get(mobile="13700000302").name == "李明"
    led = Appointment.objects.filter(volunteer=wang).values_list("building_group__name", flat=True)
    assert sorted(led) == ["2号楼", "3号楼"]
    assert Appointment.objects.get(building_group=groups[4]).selected_on == datetime.date(
        2022, 7, 1
    )


def test_numbers_in_a_date_column_are_refused_with_the_reason(world, users, groups):
    result = run(LeadersResource, users.staff_a, "leaders_dates.xlsx")
    found = {n: reason for n, column, reason in errors(result) if column == "推选日期"}
    assert "“2022”是一个数字(像是年份),不是日期" in found[2]
    assert "“7.1”是一个数字,不是日期" in found[3]
    assert not Volunteer.objects.filter(name__in=["新人丁", "新人戊"]).exists()


def test_a_name_an_encoding_lost_is_refused(world, users, groups):
    result = run(LeadersResource, users.staff_a, "leaders_lost_glyph.csv")
    ((number, column, reason),) = errors(result)
    assert (number, column) == (2, "姓名") and "文字编码丢失了生僻字" in reason


def test_full_width_yuan_in_a_gbk_csv(world, users):
    ok(run(FundProjectsResource, users.staff_a, "fund_yuan.csv"))
    amounts = dict(
        FundProject.objects.filter(title__in=["楼道灯更换", "绿化补种"]).values_list(
            "title", "amount_requested"
        )
    )
    assert amounts == {"楼道灯更换": Decimal("12000.00"), "绿化补种": Decimal("3500.00")}


def test_a_code_excel_rounded_is_named_as_such(world, users):
    result = run(OrganizationsResource, users.street, "orgs_rounded.xlsx")
    ((number, column, reason),) = errors(result)
    assert column == "统一社会信用代码" and "Excel 把它当成了数字" in reason
    assert "设为文本" in reason
    assert not SocialOrganization.objects.filter(name="上海市奉贤区金海为老服务社").exists()


def test_leave_is_an_absence_and_ascii_quotes_find_the_training(world, users):
    volunteer = world.a.volunteer
    volunteer.mobile = "13700000601"
    volunteer.save()
    training = TrainingFactory(
        subdistrict=world.subdistrict,
        community=world.a.community,
        title="“垃圾分类”宣传培训",
        date=datetime.date(2022, 10, 10),
    )
    ok(run(AttendanceResource, users.staff_a, "attendance_leave.xlsx"))
    attendance = Attendance.objects.get(training=training, volunteer=volunteer)
    assert (attendance.attended, attendance.note) == (False, "请假")


def test_a_room_with_its_suffix_is_the_same_household(world, users):
    accounts = Account.objects.count()
    ok(run(PointsResource, users.staff_a, "points_rooms.xlsx"))
    assert Account.objects.count() == accounts
    assert PointEntry.objects.filter(
        account=world.a.points.household, date=datetime.date(2022, 10, 5)
    ).exists()


def test_a_room_the_sheet_made_a_date_is_refused_with_a_hint(world, users):
    entries = PointEntry.objects.count()
    result = run(PointsResource, users.staff_a, "points_room_date.xlsx")
    reasons = [
        reason for number, column, reason in errors(result) if (number, column) == (2, "室号")
    ]
    assert any("当成了日期" in reason and "文本" in reason for reason in reasons), reasons
    assert PointEntry.objects.count() == entries


def test_the_bomb_fixtures_are_still_refused_by_the_new_reader():
    from .sheets import entity_bomb_xlsx, zip_bomb_xlsx

    rows = [["社区", "小区", "楼组"], ["正学社区", "正学苑", "1号楼"]]
    fmt = SheetFormat.for_resource(PlacesResource)()
    with pytest.raises(SheetError, match="不安全的 XML"):
        fmt.create_dataset(entity_bomb_xlsx(rows))
    with pytest.raises(SheetError, match="解压后超过"):
        fmt.create_dataset(zip_bomb_xlsx(rows, expanded_bytes=240 * 1024 * 1024))


def _points_upload(client, only_new=False):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    data = (OFFICE / "points_rooms.xlsx").read_bytes()
    form = {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("积分.xlsx", data)}
    if only_new:
        form["only_new"] = "on"
    return client.post(reverse("admin:self_governance_pointentry_import"), form)


def _confirm(client, response):
    from django.urls import reverse

    confirm = response.context["confirm_form"]
    return client.post(
        reverse("admin:self_governance_pointentry_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )


def test_the_same_points_file_twice_is_recognised_and_only_new_rows_can_be_imported(
    world, users, login
):
    client = login(users.staff_a)
    assert _confirm(client, _points_upload(client)).status_code == 302
    entries = PointEntry.objects.count()
    again = _points_upload(client)
    body = again.content.decode()
    assert "该文件已于" in body and "导入过" in body
    assert "有 1 行与积分明细中已有的记录相同" in body
    skipping = _points_upload(client, only_new=True)
    assert "已跳过 1 行" in skipping.content.decode()
    assert _confirm(client, skipping).status_code == 302
    assert PointEntry.objects.count() == entries


@pytest.mark.parametrize("name", ["places_office", "places_merged", "leaders_office"])
def test_an_ods_has_the_merged_ranges_its_xlsx_has(name):
    """What `ods_merged_ranges` reads from LibreOffice's XML is what calamine gives for the
    .xlsx LibreOffice saved from the same sheet."""
    import io
    import zipfile

    from python_calamine import CalamineWorkbook

    from jinhai.imports.workbooks import ods_merged_ranges

    xlsx = CalamineWorkbook.from_filelike(io.BytesIO((OFFICE / f"{name}.xlsx").read_bytes()))
    sheet = xlsx.sheet_names[0]
    expected = xlsx.get_sheet_by_name(sheet).merged_cell_ranges
    ods = zipfile.ZipFile(OFFICE / f"{name}.ods")
    assert expected and sorted(ods_merged_ranges(ods, sheet)) == sorted(expected)
    assert ods_merged_ranges(ods, "没有这个工作表") is None


def test_ods_merges_are_told_past_formulas_repeats_and_names_with_marks():
    """A formula's ">" inside an attribute, repeated rows and cells, and a sheet name with an
    escaped "&" do not shift a merge; another sheet's merges are not this one's."""
    from jinhai.imports.workbooks import _spans

    content = (
        '<table:table table:name="其他"><table:table-row><table:table-cell '
        'table:number-rows-spanned="9"/></table:table-row></table:table>'
        '<table:table table:name="A&amp;B">'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:formula="of:=IF([.A1]&gt;0;1;2)" '
        'office:value="1"><text:p>1</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell table:formula="of:=[.A1]>0" table:number-rows-spanned="3" '
        'table:number-columns-spanned="2"><text:p>a &lt; b</text:p></table:table-cell>'
        "</table:table-row><table:table-row/>"
        '<table:table-row><table:covered-table-cell table:number-columns-repeated="5"/>'
        '<table:table-cell table:number-columns-spanned="2"/></table:table-row>'
        "</table:table>"
    ).encode()
    assert _spans(content, "A&B") == [((2, 3), (4, 4)), ((4, 5), (4, 6))]
    assert _spans(content, "其他") == [((0, 0), (8, 0))]
    assert _spans(content, "没有") is None
