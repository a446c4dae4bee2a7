"""Social organizations, annual inspections and the "1+N+X" stations: rules, scoping through the
admin, the inspection year page, the two imports, and the public pages."""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jinhai.imports.base import resource_registry
from jinhai.imports.formats import SheetFormat
from jinhai.models import ImportLog
from jinhai.scoping import subdistrict_id_of
from orgs.models import (
    AnnualInspection,
    InspectionResult,
    OrganizationStatus,
    ServiceField,
    SocialOrganization,
    SocialWorkStation,
    StationLevel,
)
from orgs.resources import InspectionsResource, OrganizationsResource
from orgs.validators import credit_code_check_character, validate_credit_code

from .factories import (
    AnnualInspectionFactory,
    CommunityFactory,
    SocialOrganizationFactory,
    credit_code,
)
from .sheets import csv_bytes, xlsx_bytes

D = datetime.date
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
VALID = "91350100M000100Y43"


def url(obj_or_model, view, *args):
    meta = obj_or_model._meta
    if view in ("change", "delete", "history"):
        args = (obj_or_model.pk,)
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


# The credit code.


def test_known_code_is_valid_and_its_check_character_is_computed():
    validate_credit_code(VALID)
    assert credit_code_check_character(VALID[:17]) == "3"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "校验位不正确"),  # last character changed
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M0001O0Y43", "不允许的字符“O”"),
        ("00350100M000100Y43", "前 8 位"),
    ],
)
def test_bad_codes_are_refused_in_chinese(code, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_credit_code(code)


def test_code_is_folded_to_capitals_however_typed(world):
    organization = SocialOrganization(
        subdistrict=world.subdistrict,
        name="测试机构",
        kind="service",
        credit_code=" ９１３５0100m000100y43 ",
    )
    organization.full_clean()
    assert organization.credit_code == VALID


# Rules in the model.


def test_credit_code_is_unique(world):
    taken = world.orgs.service.credit_code
    twin = SocialOrganization(
        subdistrict=world.other_subdistrict, name="另一家", kind="service", credit_code=taken
    )
    with pytest.raises(ValidationError, match="已登记为另一个社会组织"):
        twin.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_name_is_unique_in_its_subdistrict(world):
    twin = SocialOrganization(
        subdistrict=world.subdistrict,
        name=world.orgs.service.name,
        kind="service",
        credit_code=credit_code(2, 999),
    )
    with pytest.raises(ValidationError, match="已登记同名的社会组织"):
        twin.full_clean()


def test_type_must_match_the_civil_affairs_code(world):
    group_code = credit_code(1, 12345)  # 51...: a social group
    organization = SocialOrganization(
        subdistrict=world.subdistrict, name="新机构", kind="service", credit_code=group_code
    )
    with pytest.raises(ValidationError, match="表示社会团体,与类型“社会服务机构”不符"):
        organization.full_clean()


def test_office_phone_must_be_a_fixed_line(world):
    organization = world.orgs.service
    organization.office_phone = "13812345678"
    with pytest.raises(ValidationError, match="固定电话"):
        organization.full_clean()


def test_inspection_rules(world):
    organization = world.orgs.service
    twice = AnnualInspection(organization=organization, year=2021, result="passed")
    with pytest.raises(ValidationError, match="这一年度已有年检记录"):
        twice.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twice.save()
    future = AnnualInspection(
        organization=organization, year=timezone.localdate().year + 1, result="passed"
    )
    with pytest.raises(ValidationError, match="不能登记未来年度"):
        future.full_clean()
    no_deadline = AnnualInspection(
        organization=organization, year=2020, result="failed", returned_for_correction=True
    )
    with pytest.raises(ValidationError, match="退回整改须填写整改期限"):
        no_deadline.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        no_deadline.save()
    absent = AnnualInspection(
        organization=organization, year=2020, result="absent", submitted_on=D(2021, 3, 1)
    )
    with pytest.raises(ValidationError, match="“未参检”的年检没有提交日期"):
        absent.full_clean()


def test_inspection_takes_its_organizations_subdistrict(world, users):
    from jinhai.scoping import Scope

    inspection = AnnualInspection.objects.create(
        organization=world.orgs.elsewhere, year=2022, result="passed", submitted_on=D(2023, 4, 1)
    )
    assert subdistrict_id_of(inspection) == world.other_subdistrict.pk
    assert not Scope.for_user(users.street).can_see(inspection)
    assert AnnualInspection.objects.visible_to(users.street).filter(pk=inspection.pk).count() == 0


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        ("0", "0", "纬度 0 不在中国境内"),
        ("121.5", "30.9", "纬度 121.5 不在中国境内"),  # the two swapped
        ("30.9", "150.0", "经度 150.0 不在中国境内"),
    ],
)
def test_station_coordinates_must_lie_in_china(world, lat, lon, reason):
    station = SocialWorkStation(
        subdistrict=world.subdistrict,
        level=StationLevel.SPECIALISED,
        name="专项社工站",
        latitude=Decimal(lat),
        longitude=Decimal(lon),
    )
    with pytest.raises(ValidationError, match=reason):
        station.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        station.save()


def test_station_network_rules(world):
    second_hub = SocialWorkStation(
        subdistrict=world.subdistrict, level=StationLevel.COMPREHENSIVE, name="第二个综合站"
    )
    with pytest.raises(ValidationError, match="每个街道只有一个综合社工站"):
        second_hub.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second_hub.save()
    # The other subdistrict may have its own.
    SocialWorkStation.objects.create(
        subdistrict=world.other_subdistrict, level=StationLevel.COMPREHENSIVE, name="西渡综合站"
    )
    homeless = SocialWorkStation(
        subdistrict=world.subdistrict, level=StationLevel.COMMUNITY, name="无社区"
    )
    with pytest.raises(ValidationError, match="社区社工站须选择所在社区"):
        homeless.full_clean()
    half = SocialWorkStation(
        subdistrict=world.subdistrict,
        level=StationLevel.SPECIALISED,
        name="只有纬度",
        latitude=Decimal("30.92"),
    )
    with pytest.raises(ValidationError, match="经度和纬度须同时填写"):
        half.full_clean()
    foreign_host = SocialWorkStation(
        subdistrict=world.subdistrict,
        level=StationLevel.SPECIALISED,
        name="外街道运营",
        hosting_organization=world.orgs.elsewhere,
    )
    with pytest.raises(ValidationError, match="运营机构须是本街道的社会组织"):
        foreign_host.full_clean()


# Scoping, through real admin URLs.


def changelist_pks(client, model, **params):
    response = client.get(url(model, "changelist"), params)
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


def test_community_staff_see_their_subdistricts_organizations_read_only(world, users, login):
    client = login(users.staff_a)
    o = world.orgs
    assert changelist_pks(client, SocialOrganization) == {o.service.pk, o.group.pk}
    page = client.get(url(o.group, "change"))  # serves A and B: still only read
    assert page.status_code == 200 and b'name="name"' not in page.content
    assert client.post(url(o.group, "change"), {"name": "改名"}).status_code == 403
    assert client.get(url(SocialOrganization, "add")).status_code == 403
    assert client.get(url(o.elsewhere, "change")).status_code == 404
    assert client.get(url(SocialOrganization, "import")).status_code == 403
    o.group.refresh_from_db()
    assert o.group.name == "上海市奉贤区金海书画协会"


def test_community_staff_read_inspections_of_their_subdistrict(world, users, login):
    client = login(users.staff_a)
    o = world.orgs
    assert changelist_pks(client, AnnualInspection) == {o.inspection.pk}
    page = client.get(url(o.inspection, "change"))
    assert page.status_code == 200 and b'name="result"' not in page.content
    assert client.get(url(o.elsewhere_inspection, "change")).status_code == 404


def test_street_staff_change_their_subdistricts_organizations_only(world, users, login):
    client = login(users.street)
    o = world.orgs
    assert changelist_pks(client, SocialOrganization) == {o.service.pk, o.group.pk}
    assert b'name="name"' in client.get(url(o.service, "change")).content
    assert client.get(url(o.elsewhere, "change")).status_code == 404
    fields = ServiceField.objects.filter(name__in=["养老", "助残"])
    data = {
        "name": o.service.name,
        "credit_code": o.service.credit_code.lower(),
        "kind": "service",
        "status": "active",
        "registration_authority": "上海市奉贤区民政局",
        "registered_on": "2018-05-01",
        "legal_representative": "新法人",
        "office_phone": "021-57180001",
        "contact_mobile": "13900008888",
        "address": "",
        "service_fields": [f.pk for f in fields],
        "communities": [world.a.community.pk, world.b.community.pk],
        "introduction": "",
        "inspections-TOTAL_FORMS": "0",
        "inspections-INITIAL_FORMS": "0",
        "inspections-MIN_NUM_FORMS": "0",
        "inspections-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url(o.service, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    o.service.refresh_from_db()
    assert o.service.legal_representative == "新法人"
    assert o.service.contact_mobile == "13900008888"
    assert set(o.service.communities.all()) == {world.a.community, world.b.community}
    # A community of another subdistrict is not a choice.
    data["communities"] = [world.elsewhere.community.pk]
    response = client.post(url(o.service, "change"), data)
    assert response.status_code == 200
    assert world.elsewhere.community not in o.service.communities.all()


def test_community_staff_keep_their_own_community_station(world, users, login):
    client = login(users.staff_a)
    o = world.orgs
    assert changelist_pks(client, SocialWorkStation) == {o.hub.pk, o.station_a.pk}
    assert b'name="name"' in client.get(url(o.station_a, "change")).content
    hub = client.get(url(o.hub, "change"))
    assert hub.status_code == 200 and b'name="name"' not in hub.content
    assert client.get(url(o.station_b, "change")).status_code == 404


def test_hosting_organization_choices_are_scoped(world, users, login):
    client = login(users.street)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "orgs",
            "model_name": "socialworkstation",
            "field_name": "hosting_organization",
        },
    )
    names = {r["text"] for r in response.json()["results"]}
    assert names == {world.orgs.service.name, world.orgs.group.name}


def test_service_fields_are_kept_by_street_staff(world, users, login):
    assert login(users.staff_a).get(url(ServiceField, "add")).status_code == 403
    assert login(users.street).get(url(ServiceField, "add")).status_code == 200


def post_station(client, **values):
    data = {
        "subdistrict": "",
        "level": "N",
        "name": "金海街道为老服务专项社工站",
        "community": "",
        "hosting_organization": "",
        "address": "",
        "latitude": "30.92",
        "longitude": "121.51",
        "services": "",
        "opening_hours": "",
        "phone": "",
        "opened_on": "",
        "sort_order": "0",
        **values,
    }
    return client.post(url(SocialWorkStation, "add"), data)


def test_station_outside_china_is_refused_in_the_admin(world, users, login):
    client = login(users.street)
    before = SocialWorkStation.objects.count()
    response = post_station(
        client, subdistrict=world.subdistrict.pk, latitude="121.51", longitude="30.92"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "纬度 121.51 不在中国境内" in body and "经度 30.92 不在中国境内" in body
    assert SocialWorkStation.objects.count() == before
    response = post_station(client, subdistrict=world.subdistrict.pk)
    assert response.status_code == 302
    assert SocialWorkStation.objects.count() == before + 1


# The inspection year page.


def test_inspection_year_page(world, users, login):
    o = world.orgs
    late = SocialOrganizationFactory(subdistrict=world.subdistrict, name="逾期整改的机构")
    AnnualInspectionFactory(
        organization=late,
        year=2021,
        result="failed",
        returned_for_correction=True,
        correction_deadline=D(2022, 9, 30),
    )
    corrected = SocialOrganizationFactory(subdistrict=world.subdistrict, name="已整改的机构")
    AnnualInspectionFactory(
        organization=corrected,
        year=2021,
        result="basic",
        returned_for_correction=True,
        correction_deadline=D(2022, 9, 30),
        corrected_on=D(2022, 9, 1),
    )
    SocialOrganizationFactory(
        subdistrict=world.subdistrict, name="2022年登记的机构", registered_on=D(2022, 3, 1)
    )
    SocialOrganizationFactory(
        subdistrict=world.subdistrict, name="已注销的机构", status=OrganizationStatus.DEREGISTERED
    )
    page = reverse("admin:orgs_inspection_year")
    response = login(users.street).get(page, {"year": 2021})
    assert response.status_code == 200
    assert [m.name for m in response.context["missing"]] == [o.group.name]
    assert [i.organization.name for i in response.context["overdue"]] == ["逾期整改的机构"]
    rows = dict(response.context["rows"])
    # 合格, 基本合格, 不合格, 未参检, no record
    assert rows["社会服务机构"] == [1, 1, 1, 0, 0]
    assert rows["社会团体"] == [0, 0, 0, 0, 1]
    assert response.context["expected"] == 4
    body = response.content.decode()
    assert o.elsewhere.name not in body

    # Community staff read the same figures of their subdistrict.
    response = login(users.staff_a).get(page, {"year": 2021})
    assert response.status_code == 200 and response.context["expected"] == 4
    # A year in the future or nonsense falls back to the latest year on record.
    response = login(users.street).get(page, {"year": timezone.localdate().year + 3})
    assert response.context["year"] == 2021


def test_admin_index_links_the_inspection_page(world, users, login):
    body = login(users.street).get(reverse("admin:index")).content.decode()
    assert reverse("admin:orgs_inspection_year") in body


# Imports: 社会组织.

ORG_HEADER = [
    "名称", "统一社会信用代码", "类型", "登记日期", "法定代表人", "联系电话", "地址", "服务领域",
    "服务社区",
]  # fmt: skip


def run(resource_class, user, data, dry_run=False):
    dataset = SheetFormat.for_resource(resource_class)().create_dataset(data)
    return resource_class(user=user).import_data(
        dataset, dry_run=dry_run, rollback_on_validation_errors=True, file_name="f", user=user
    )


def snapshot():
    organizations = SocialOrganization.objects.order_by("pk")
    return (
        list(
            organizations.values_list("pk", "name", "credit_code", "kind", "legal_representative")
        ),
        list(
            SocialOrganization.communities.through.objects.order_by("pk").values_list(
                "socialorganization_id", "community_id"
            )
        ),
        list(AnnualInspection.objects.order_by("pk").values_list("pk", "year", "result")),
        ImportLog.objects.count(),
    )


def errors_by_row(result):
    rows = {}
    for number, column, reason in result.error_items:
        rows.setdefault(number, []).append((column, reason))
    return rows


def test_organizations_import(world, users):
    o = world.orgs
    new_code = credit_code(2, 7001)
    group_code = credit_code(1, 7002)
    rows = [
        ORG_HEADER,
        [
            "上海市奉贤区金海助残服务社",
            new_code,
            "社会服务机构",
            "2020/5/12",
            "张三",
            "021-57186001",
            "金海路 1 号",
            "助残、其他",
            "正学社区，丰乐社区",
        ],  # fmt: skip
        [
            "上海市奉贤区金海摄影协会",
            group_code.lower(),
            "社团",
            "2019年3月1日",
            "李四",
            "+86 139 0000 7002",
            "",
            "文化",
            "",
        ],  # fmt: skip
        # Known code, same name: an update; the communities given replace the old ones.
        [
            o.service.name,
            o.service.credit_code,
            "社会服务机构",
            "",
            "王五",
            "",
            "",
            "",
            "丰乐社区",
        ],  # fmt: skip
    ]
    for data in (csv_bytes(rows, "gbk"), xlsx_bytes(rows, title="2022年社会组织名册")):
        result = run(OrganizationsResource, users.street, data, dry_run=True)
        assert not result.has_validation_errors(), result.error_items
        assert (result.created, result.updated) == (2, 1)
    result = run(OrganizationsResource, users.street, csv_bytes(rows))
    assert (result.created, result.updated) == (2, 1)
    new = SocialOrganization.objects.get(credit_code=new_code)
    assert new.subdistrict == world.subdistrict and new.registered_on == D(2020, 5, 12)
    assert {f.name for f in new.service_fields.all()} == {"助残", "其他"}
    assert {c.name for c in new.communities.all()} == {"正学社区", "丰乐社区"}
    group = SocialOrganization.objects.get(credit_code=group_code)
    assert group.kind == "group" and group.contact_mobile == "13900007002"
    assert group.office_phone == ""
    o.service.refresh_from_db()
    assert o.service.legal_representative == "王五"
    assert [c.name for c in o.service.communities.all()] == ["丰乐社区"]
    # Fields not given are kept.
    assert {f.name for f in o.service.service_fields.all()} == {"养老", "社区治理"}
    assert ImportLog.objects.filter(resource="orgs").count() == 1
    # The same file again changes nothing.
    again = run(OrganizationsResource, users.street, csv_bytes(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_organizations_file_with_bad_rows_writes_nothing(world, users):
    o = world.orgs
    good = credit_code(2, 8001)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        ORG_HEADER,
        ["甲机构", wrong_check, "社会服务机构", "", "", "", "", "", ""],  # 2 check character
        ["乙机构", good, "社会服务机构", "", "", "", "", "", ""],  # 3 fine...
        ["乙机构", good, "社会服务机构", "", "", "", "", "", ""],  # 4 ...but twice in the file
        ["改了名的机构", o.service.credit_code, "社会服务机构", "", "", "", "", "", ""],  # 5
        ["西渡的机构", o.elsewhere.credit_code, "社会服务机构", "", "", "", "", "", ""],  # 6
        ["丙机构", credit_code(2, 8002), "民营企业", "", "", "", "", "", ""],  # 7 unknown type
        ["丁机构", credit_code(2, 8003), "社会服务机构", "", "", "", "", "环保", "正学社区"],  # 8
        ["戊机构", credit_code(2, 8004), "社会服务机构", "", "", "", "", "", "西渡社区"],  # 9
        [o.group.name, credit_code(1, 8005), "社会团体", "", "", "", "", "", ""],  # 10 name taken
        ["己机构", credit_code(2, 8006), "社会服务机构", "", "", "12345", "", "", ""],  # 11 phone
        ["庚机构", credit_code(1, 8007), "社会服务机构", "", "", "", "", "", ""],  # 12 51 = group
    ]
    for data in (csv_bytes(rows), xlsx_bytes(rows)):
        before = snapshot()
        result = run(OrganizationsResource, users.street, data)
        assert snapshot() == before
        bad = errors_by_row(result)
        assert sorted(bad) == [2, 4, 5, 6, 7, 8, 9, 10, 11, 12], bad
        assert bad[2][0][0] == "统一社会信用代码" and "校验位不正确" in bad[2][0][1]
        assert bad[4] == [("统一社会信用代码", "与第 3 行重复:同一条记录在文件中出现了两次")]
        assert f"已登记为“{o.service.name}”,与名称不符" in bad[5][0][1]
        assert "该代码已被使用" in bad[6][0][1] and "其他街道" not in bad[6][0][1]
        assert bad[7][0] == ("类型", "类型“民营企业”不正确,应为:社会服务机构、社会团体、基金会")
        assert bad[8][0][0] == "服务领域" and "服务领域“环保”不存在" in bad[8][0][1]
        assert bad[9] == [("服务社区", "金海街道没有社区“西渡社区”,请先在系统中建立该社区")]
        assert bad[10][0][0] == "名称" and "本街道已登记" in bad[10][0][1]
        assert bad[11][0][0] == "联系电话"
        assert bad[12][0][0] == "类型" and "不符" in bad[12][0][1]


def test_organizations_missing_required_column(world, users):
    result = run(OrganizationsResource, users.street, csv_bytes([["名称", "类型"], ["甲", "社团"]]))
    assert "缺少必需的列:统一社会信用代码" in str(result.base_errors[0].error)


def test_organizations_import_needs_a_subdistrict(world, users):
    # A superuser of a two-subdistrict install: new organizations would have no home.
    rows = [ORG_HEADER, ["新机构", credit_code(2, 5001), "社会服务机构", "", "", "", "", "", ""]]
    result = run(OrganizationsResource, users.superuser, csv_bytes(rows))
    assert result.error_items == [(2, "名称", "无法确定所属街道:请用街道工作人员的账号导入")]
    assert not SocialOrganization.objects.filter(name="新机构").exists()


def test_community_staff_cannot_import_organizations_or_inspections(world, users):
    assert not OrganizationsResource.may_import(users.staff_a)
    assert not InspectionsResource.may_import(users.staff_a)
    assert not OrganizationsResource.may_import(users.viewer)
    assert OrganizationsResource.may_import(users.street)


def test_organizations_import_queries_do_not_grow_with_rows(world, users):
    def file(n):
        rows = [ORG_HEADER] + [
            [
                f"机构{i}",
                credit_code(2, 9000 + i),
                "社会服务机构",
                "",
                "",
                "",
                "",
                "养老、助残",
                "正学社区、丰乐社区",
            ]  # fmt: skip
            for i in range(n)
        ]
        return csv_bytes(rows)

    run(OrganizationsResource, users.street, file(1), dry_run=True)  # the user's scope, cached
    counts = []
    for n in (3, 30):
        with CaptureQueriesContext(connection) as queries:
            result = run(OrganizationsResource, users.street, file(n), dry_run=True)
        assert not result.has_validation_errors(), result.error_items
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# Imports: 年检结果.

INSPECTION_HEADER = ["统一社会信用代码", "年度", "结果", "提交日期", "备注"]


def inspections():
    return set(
        AnnualInspection.objects.values_list("organization__name", "year", "result", "guidance")
    )


def test_inspections_import(world, users):
    o = world.orgs
    rows = [
        INSPECTION_HEADER,
        [o.service.credit_code, "2022年度", "合格", "2023-04-01", ""],
        [o.service.credit_code, "2021", "基本合格", "", "补交财务报告"],  # updates 合格
        [o.group.credit_code.lower(), 2021, "未参检", "", ""],
    ]
    result = run(InspectionsResource, users.street, xlsx_bytes(rows))
    assert not result.has_validation_errors(), result.error_items
    assert (result.created, result.updated) == (2, 1)
    assert {
        (o.service.name, 2022, "passed", ""),
        (o.service.name, 2021, "basic", "补交财务报告"),
        (o.group.name, 2021, "absent", ""),
    } <= inspections()
    assert subdistrict_id_of(AnnualInspection.objects.get(organization=o.group)) == (
        world.subdistrict.pk
    )


def test_inspections_file_with_bad_rows_writes_nothing(world, users):
    o = world.orgs
    future = timezone.localdate().year + 1
    unknown = credit_code(2, 6001)
    rows = [
        INSPECTION_HEADER,
        [o.service.credit_code, future, "合格", "", ""],  # 2 a future year
        [unknown, 2021, "合格", "", ""],  # 3 no such organization
        [o.elsewhere.credit_code, 2022, "合格", "", ""],  # 4 another subdistrict's
        [o.group.credit_code, 2022, "优秀", "", ""],  # 5 unknown result
        [o.group.credit_code, 2021, "未参检", "2022-04-01", ""],  # 6 absent with a date
        [o.service.credit_code, 2020, "合格", "", ""],  # 7 fine...
        [o.service.credit_code, "2020年", "合格", "", ""],  # 8 ...but twice
        [o.service.credit_code[:17] + "X", 2021, "合格", "", ""],  # 9 check character
    ]
    before = snapshot()
    result = run(InspectionsResource, users.street, csv_bytes(rows))
    assert snapshot() == before
    bad = errors_by_row(result)
    assert sorted(bad) == [2, 3, 4, 5, 6, 8, 9], bad
    assert bad[2] == [("年度", f"年度 {future} 还没有到,不能登记未来年度的年检。")]
    assert bad[3] == [
        (
            "统一社会信用代码",
            f"本街道没有统一社会信用代码为 {unknown} 的社会组织,请先登记或导入该组织",
        )
    ]
    # Another subdistrict's organization reads exactly like an unknown code.
    assert bad[4] == [
        (
            "统一社会信用代码",
            f"本街道没有统一社会信用代码为 {o.elsewhere.credit_code} 的社会组织,"
            "请先登记或导入该组织",
        )
    ]
    assert o.elsewhere.name not in bad[4][0][1]
    assert bad[5][0] == ("结果", "结果“优秀”不正确,应为:合格、基本合格、不合格、未参检")
    assert bad[6] == [("提交日期", "“未参检”的年检不填提交日期")]
    assert bad[8] == [("年度", "与第 7 行重复:同一条记录在文件中出现了两次")]
    assert "校验位不正确" in bad[9][0][1]


def test_import_sheet_knows_both_resources(world, users, tmp_path):
    registry = resource_registry()
    assert registry["orgs"] is OrganizationsResource
    assert registry["inspections"] is InspectionsResource
    path = tmp_path / "年检.csv"
    path.write_bytes(
        csv_bytes([INSPECTION_HEADER, [world.orgs.group.credit_code, 2021, "合格", "", ""]])
    )
    from io import StringIO

    out = StringIO()
    call_command("import_sheet", "inspections", str(path), "--user", "street", stdout=out)
    assert "导入完成" in out.getvalue()


def test_organizations_export_is_scoped(world, users, login):
    client = login(users.street)
    response = client.post(
        url(SocialOrganization, "export"),
        {
            "format": "1",
            "resource": "0",
            **{
                f"organizationsresource_{f}": "on"
                for f in ("name", "code", "kind", "phone", "service_fields", "served")
            },
        },
    )
    body = response.content.decode("utf-8-sig")
    assert world.orgs.service.name in body and "养老、社区治理" in body
    assert world.orgs.elsewhere.name not in body


# Public pages.


def test_directory_filters(world, client):
    o = world.orgs
    deregistered = SocialOrganizationFactory(
        subdistrict=world.subdistrict, name="已注销的机构", status=OrganizationStatus.DEREGISTERED
    )
    page = reverse("orgs:list")

    def names(**params):
        response = client.get(page, params)
        assert response.status_code == 200
        return {org.name for org in response.context["organizations"]}

    everyone = names()
    assert {o.service.name, o.group.name, o.elsewhere.name} <= everyone
    assert deregistered.name not in everyone
    assert names(type="group") == {o.group.name}
    culture = ServiceField.objects.get(name="文化")
    assert names(field=culture.pk) == {o.group.name}
    assert names(community=world.a.community.pk) == {o.service.name, o.group.name}
    assert names(community=world.b.community.pk, type="service") == set()
    # Nonsense parameters are ignored, never a server error.
    assert names(type="x", field="abc", community="") == everyone
    body = client.get(page, {"type": "group"}).content.decode()
    assert 'value="group" selected' in body and "筛选结果 · 社会团体" in body
    # Its own query string: the bare page was cached above, and a cached page has no context.
    kinds = {label: n for _, label, n in client.get(page, {"page": 1}).context["kinds"]}
    assert kinds == {"社会服务机构": 2, "社会团体": 1, "基金会": 0}


@pytest.mark.parametrize(
    "params",
    [
        {"field": "99999999999999999999"},
        {"community": "-5", "type": "<script>"},
        {"field": "1e5", "community": "０"},
        {"page": "abc"},
        {"page": "999"},
    ],
)
def test_directory_survives_odd_query_strings(world, client, params):
    response = client.get(reverse("orgs:list"), params)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_directory_pages_keep_the_filter(world, client):
    for i in range(35):
        SocialOrganizationFactory(subdistrict=world.subdistrict, name=f"分页机构{i:02d}")
    response = client.get(reverse("orgs:list"), {"type": "service"})
    assert response.context["paginator"].count == 37
    assert "?type=service&amp;page=2" in response.content.decode()


def test_organization_page_shows_no_personal_phone(world, client):
    organization = world.orgs.service
    SocialOrganization.objects.filter(pk=organization.pk).update(
        contact_mobile="13812345678", legal_representative="赵六"
    )
    body = client.get(reverse("orgs:detail", args=[organization.pk])).content.decode()
    assert "赵六" in body and organization.office_phone in body
    assert organization.credit_code in body
    assert "13812345678" not in body and not MOBILE.search(body)
    assert "2021 年度:合格" in body
    assert "正学社区“爱在清晨”公益活动" in body and "正学社工服务社年检合格" in body
    # A mobile that slipped into the office phone (bypassing validation) is not shown either.
    SocialOrganization.objects.filter(pk=organization.pk).update(office_phone="13812345679")
    body = client.get(reverse("orgs:detail", args=[organization.pk])).content.decode()
    assert "13812345679" not in body


def test_deregistered_organization_has_no_page(world, client):
    organization = world.orgs.group
    organization.status = OrganizationStatus.REVOKED
    organization.save()
    assert client.get(reverse("orgs:detail", args=[organization.pk])).status_code == 404


def test_community_page_links_to_its_organizations(world, client):
    body = client.get(reverse("communities:detail", args=[world.a.community.pk])).content.decode()
    assert reverse("orgs:community", args=[world.a.community.pk]) in body
    body = client.get(reverse("orgs:community", args=[world.a.community.pk])).content.decode()
    assert world.orgs.service.name in body and "正学社区社工站" in body
    assert "丰乐社区社工站" not in body


def test_stations_list_works_without_javascript(world, client):
    response = client.get(reverse("orgs:stations"))
    body = response.content.decode()
    assert "<script" not in body
    for name in ("金海街道综合社工站", "正学社区社工站", "丰乐社区社工站", "西渡社区社工站"):
        assert name in body
    levels = {label: n for _, label, _, n, _ in response.context["levels"]}
    assert levels == {"综合": 1, "专项": 0, "社区": 3}
    assert f'id="station-{world.orgs.hub.pk}"' in body
    # Two subdistricts: a picker, every subdistrict in it.
    assert 'name="subdistrict"' in body and "西渡街道" in body


def test_stations_list_of_one_subdistrict(world, client):
    response = client.get(reverse("orgs:stations"), {"subdistrict": world.other_subdistrict.pk})
    body = response.content.decode()
    assert "西渡社区社工站" in body and "正学社区社工站" not in body
    levels = {label: n for _, label, _, n, _ in response.context["levels"]}
    assert levels == {"综合": 0, "专项": 0, "社区": 1}
    assert f"?subdistrict={world.other_subdistrict.pk}" in body  # its map
    # The empty choice of the picker is the whole list.
    response = client.get(reverse("orgs:stations"), {"subdistrict": ""})
    assert response.status_code == 200 and response.context["paginator"].count == 4


@pytest.mark.parametrize("value", ["abc", "0", "-1", "999999", str(2**64), "1.5"])
def test_stations_bad_subdistrict_falls_back_to_everything(world, client, value):
    for name in ("orgs:stations", "orgs:station_map"):
        response = client.get(reverse(name), {"subdistrict": value}, follow=True)
        assert response.status_code == 200, (name, value)
        assert response.redirect_chain == [(reverse(name), 302)], (name, value)


def _many_stations(subdistrict, n, start=0):
    from .factories import SocialWorkStationFactory

    return [
        SocialWorkStationFactory(subdistrict=subdistrict, level="N", name=f"专项社工站{i:03d}")
        for i in range(start, start + n)
    ]


def test_stations_list_is_thirty_a_page_in_the_stored_order(world, client):
    _many_stations(world.subdistrict, 40)
    url = reverse("orgs:stations")
    first = client.get(url, {"subdistrict": world.subdistrict.pk})
    assert len(first.context["stations"]) == 30
    assert first.context["paginator"].count == 43
    second = client.get(url, {"subdistrict": world.subdistrict.pk, "page": "2"})
    shown = [s.pk for s in first.context["stations"]] + [s.pk for s in second.context["stations"]]
    ordered = SocialWorkStation.objects.filter(subdistrict=world.subdistrict).order_by(
        "level", "sort_order", "sort_key", "name", "pk"
    )
    assert shown == list(ordered.values_list("pk", flat=True))
    body = second.content.decode()
    # The level's heading counts the whole list; the page links keep the subdistrict.
    assert "(40 个)" in body
    assert f"?subdistrict={world.subdistrict.pk}&amp;page=1" in body
    # A page out of range is the nearest one, not an error.
    last = client.get(url, {"subdistrict": world.subdistrict.pk, "page": "9999"})
    assert last.status_code == 200 and last.context["page_obj"].number == 2


def test_a_station_address_goes_on_to_its_row(world, client):
    made = _many_stations(world.subdistrict, 40)
    for station in (world.orgs.hub, made[0], made[-1], world.orgs.station_elsewhere):
        response = client.get(reverse("orgs:station", args=[station.pk]), follow=True)
        assert response.status_code == 200
        location = response.redirect_chain[-1][0]
        assert location.endswith(f"#station-{station.pk}")
        assert f'id="station-{station.pk}"' in response.content.decode(), location
    assert client.get(reverse("orgs:station", args=[999999])).status_code == 404


def test_stations_list_bounded_as_stations_grow_tenfold(world, client, django_assert_num_queries):
    """The list's queries and size stay the same from 40 stations to 400: a page of thirty."""
    url = reverse("orgs:stations")
    _many_stations(world.subdistrict, 36)  # 40 in all, more than a page

    def measure():
        with django_assert_num_queries(3):  # subdistricts, counts by level (the count), the page
            response = client.get(url)
        assert response.status_code == 200
        return len(response.content)

    before = measure()
    _many_stations(world.subdistrict, 360, start=36)  # 400 in all
    after = measure()
    # The same thirty rows; only the counts in the text have another digit.
    assert abs(after - before) < 100, (before, after)


def test_station_map_shows_one_subdistrict(world, client):
    url = reverse("orgs:station_map")
    response = client.get(url, {"subdistrict": world.other_subdistrict.pk})
    body = response.content.decode()
    assert response.context["subdistrict"] == world.other_subdistrict
    assert "西渡社区社工站" in body and "正学社区社工站" not in body
    assert 'name="subdistrict"' in body  # the picker
    data = json.loads(re.search(r'id="stations-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    assert data["markers"] == reverse("orgs:station_markers", args=[world.other_subdistrict.pk])
    # Without a choice: the first of the picker's subdistricts.
    response = client.get(url)
    assert response.context["subdistrict"] == response.context["subdistricts"][0]


def test_station_map_page_stays_the_same_size_as_stations_grow(
    world, client, django_assert_num_queries
):
    url = reverse("orgs:station_map") + f"?subdistrict={world.subdistrict.pk}"
    _many_stations(world.subdistrict, 36)

    def measure():
        with django_assert_num_queries(3):  # subdistricts, counts by level, the first page
            response = client.get(url)
        return len(response.content)

    before = measure()
    _many_stations(world.subdistrict, 360, start=36)
    assert abs(measure() - before) < 100


def test_station_markers_of_one_subdistrict(world, client):
    response = client.get(reverse("orgs:station_markers", args=[world.subdistrict.pk]))
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    names = {s["name"] for s in data["stations"]}
    assert names == {"金海街道综合社工站", "正学社区社工站", "丰乐社区社工站"}
    assert data["unplaced"] == 0
    hub = next(s for s in data["stations"] if s["name"] == "金海街道综合社工站")
    assert hub["url"].endswith(
        f"?subdistrict={world.subdistrict.pk}&page=1#station-{world.orgs.hub.pk}"
    )
    for missing in (999999, 2**70):  # larger than any database integer: still a 404
        assert client.get(reverse("orgs:station_markers", args=[missing])).status_code == 404
        assert client.get(reverse("orgs:station", args=[missing])).status_code == 404
    # A subdistrict without stations has an empty map, not a missing one.
    from .factories import SubdistrictFactory

    empty = SubdistrictFactory(name="空街道")
    assert client.get(reverse("orgs:station_markers", args=[empty.pk])).json()["stations"] == []


def test_station_markers_are_cached_per_subdistrict(world, client):
    from django.db import connection as db

    def cached(url):
        with CaptureQueriesContext(db) as captured:
            assert client.get(url).status_code == 200
        return len(captured) == 0

    mine = reverse("orgs:station_markers", args=[world.subdistrict.pk])
    other = reverse("orgs:station_markers", args=[world.other_subdistrict.pk])
    for url in (mine, other):
        client.get(url)
    assert cached(mine) and cached(other)
    station = world.orgs.station_elsewhere
    station.opening_hours = "周一至周五 8:30-17:00"
    station.save()
    assert cached(mine)
    assert not cached(other)
    assert "8:30" in client.get(other).content.decode()


def local(address):
    return address.startswith("/") and not address.startswith("//")


def test_map_page_uses_only_files_of_this_site(world, client):
    body = client.get(
        reverse("orgs:station_map"), {"subdistrict": world.subdistrict.pk}
    ).content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]*)"', body)
    assert addresses and all(local(a) or a.startswith("#") for a in addresses), addresses
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "/static/vendor/leaflet/leaflet.css" in body
    assert "/static/js/stations-map.js" in body
    # No inline script: the settings travel as JSON, the markers from an address of this site.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    data = json.loads(re.search(r'id="stations-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    assert local(data["outline"]) and local(data["markers"])
    markers = client.get(data["markers"]).json()
    assert {s["name"] for s in markers["stations"]} >= {"金海街道综合社工站", "正学社区社工站"}
    assert all(local(s["url"]) for s in markers["stations"])
    assert [level["label"] for level in data["levels"]] == ["综合", "专项", "社区"]
    # Without JavaScript: the subdistrict's stations as a list, and the way to all of them.
    assert "正学社区社工站" in body


def test_map_assets_are_shipped_and_fetch_nothing_from_elsewhere():
    script = Path(finders.find("js/stations-map.js")).read_text(encoding="utf-8")
    assert "tileLayer" not in script and "http" not in script.replace("XMLHttpRequest", "")
    for name in ("leaflet.js", "leaflet.css", "leaflet.js.map", "LICENSE"):
        assert finders.find(f"vendor/leaflet/{name}"), name
    css = Path(finders.find("vendor/leaflet/leaflet.css")).read_text(encoding="utf-8")
    for reference in re.findall(r"url\(([^)]*)\)", css):
        if reference.startswith("#"):
            continue  # an old-IE behaviour, not a file
        assert not re.match(r"^(https?:)?//", reference), reference
        assert finders.find(f"vendor/leaflet/{reference}"), reference
    outline = json.loads(
        Path(finders.find("orgs/jinhai-outline.geojson")).read_text(encoding="utf-8")
    )
    assert outline["type"] == "FeatureCollection"
    assert {f["properties"]["kind"] for f in outline["features"]} == {"subdistrict", "community"}


def inside(point, ring):
    """Whether (lat, lon) lies inside a GeoJSON ring of [lon, lat] pairs (ray casting)."""
    lat, lon = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def test_subdistrict_counts_organizations_and_stations(world, client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("subdistrict", args=[world.subdistrict.pk]))
    jinhai = response.context["subdistrict"]
    assert (jinhai.n_organizations, jinhai.n_service_orgs, jinhai.n_social_groups) == (2, 1, 1)
    assert jinhai.n_stations == 3
    body = response.content.decode()
    assert "社会组织" in body and "社工站" in body


@pytest.mark.django_db
def test_demo_has_the_articles_organizations_and_stations(client):
    from io import StringIO

    call_command("load_demo", stdout=StringIO())
    active = SocialOrganization.objects.active()
    assert active.count() == 66
    assert active.filter(kind="service").count() == 57
    assert active.filter(kind="group").count() == 9
    for organization in SocialOrganization.objects.all():
        validate_credit_code(organization.credit_code)
        organization.full_clean()
    # The article's two rounds, and the current round (last year's 年检) that keeps the demo alive.
    current_round = timezone.localdate().year - 1
    assert set(AnnualInspection.objects.values_list("year", flat=True)) == {
        2021,
        2022,
        current_round,
    }
    assert {r for (r,) in AnnualInspection.objects.values_list("result")} == set(
        InspectionResult.values
    )
    hub = SocialWorkStation.objects.get(level=StationLevel.COMPREHENSIVE)
    assert hub.name == "金海街道综合社工站" and hub.opened_on == D(2022, 1, 1)
    assert SocialWorkStation.objects.filter(level=StationLevel.SPECIALISED).count() >= 3
    assert SocialWorkStation.objects.filter(level=StationLevel.COMMUNITY).count() == 8
    # Every station inside the shipped outline; a community's station inside its community.
    outline = json.loads(
        Path(finders.find("orgs/jinhai-outline.geojson")).read_text(encoding="utf-8")
    )
    shapes = {f["properties"]["name"]: f["geometry"]["coordinates"][0] for f in outline["features"]}
    for station in SocialWorkStation.objects.select_related("community"):
        point = (float(station.latitude), float(station.longitude))
        assert inside(point, shapes["金海街道"]), station.name
        if station.community:
            assert inside(point, shapes[station.community.name]), station.name
    body = client.get(reverse("orgs:news")).content.decode()
    for title in (
        "“爱在清晨”公益活动为城市唤醒人送上爱心福袋",
        "上海市奉贤区温州企业协会为悦心颐养院的老人捐赠牛奶",
        "上海市奉贤区金融业联合会春节慰问活动",
        "“喜迎新春——相框剪纸”活动",
    ):
        assert title in body
    assert not MOBILE.search(body)
    home = client.get(reverse("home"))  # the demo's only subdistrict: its page
    jinhai = home.context["subdistrict"]
    assert (jinhai.n_service_orgs, jinhai.n_social_groups) == (57, 9)


def test_new_community_has_an_empty_orgs_page(world, client):
    community = CommunityFactory(subdistrict=world.subdistrict, name="新社区")
    response = client.get(reverse("orgs:community", args=[community.pk]))
    assert response.status_code == 200 and "本社区暂无社工站" in response.content.decode()
