"""No import preview names what lies outside the importing user's scope.

Community A's staff (and street staff of 金海街道) upload files whose rows carry the keys of
community B (or of another subdistrict): its mobiles, names, compounds, building groups, rooms,
shops, schemes, trainings, credit codes. Whatever the rows give, the preview page (the admin's
import view, the one the admin uses) and the `import_data` errors (what `import_sheet` prints)
never show a value of B that the row itself did not carry: not a name, not a mobile (full or
masked), not a community, not a credit code; and never say that a key belongs to "another
community".
"""

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jinhai.imports.base import resource_registry
from jinhai.imports.formats import SheetFormat
from jinhai.imports.reading import SheetError
from jinhai.masking import mask_phone
from jinhai.scoping import Scope, is_scoped_model

from .sheets import csv_bytes

RESOURCES = sorted(resource_registry())
APPS = ("communities", "volunteers", "self_governance", "orgs")
FORBIDDEN_PHRASES = ("其他社区", "其他街道", "另一个社区", "别的社区")


def _admin_of(key):
    for model, model_admin in admin.site._registry.items():
        classes = getattr(model_admin, "resource_classes", None) or []
        if classes and classes[0].key == key:
            return model
    return None  # run by `import_sheet` only (e.g. 换届): _errors covers it


def _strings(scope: Scope) -> set[str]:
    """Every text value of every scoped row `scope` reaches, and the masks of its mobiles."""
    found = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if not is_scoped_model(model):
                continue
            names = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField) and not f.choices
            ]
            if not names:
                continue
            for row in scope.filter(model._default_manager.all()).values_list(*names):
                for value in row:
                    if value and len(str(value)) >= 2:
                        found.add(str(value))
                        if str(value).isdigit() and len(str(value)) == 11:
                            found.add(mask_phone(value))
    return found


def _pools(scopes):
    """Plausible cells for each header, from both sides: the keys an attacker would try."""
    from orgs.models import InspectionResult, OrganizationKind
    from self_governance.agreements.models import AgreementScheme, Rule
    from self_governance.fund.models import FundProject, ProjectCategory
    from volunteers.models import LeaderKind, Training, Volunteer

    def values(model, field):
        out = set()
        for scope in scopes:
            out |= set(scope.filter(model._default_manager.all()).values_list(field, flat=True))
        return sorted(str(v) for v in out if v not in (None, ""))

    from communities.models import BuildingGroup, Community, Compound, Household, StreetZone
    from orgs.models import SocialOrganization

    dates = values(Training, "date") + ["2022-09-03"]
    mobiles = values(Volunteer, "mobile")
    return {
        "社区": values(Community, "name"),
        "小区": values(Compound, "name"),
        "楼组": values(BuildingGroup, "name"),
        "街面": values(StreetZone, "name"),
        "姓名": values(Volunteer, "name") + ["张三"],
        "手机号": mobiles + ["13800000000"],
        "联系电话": mobiles,
        "培训名称": values(Training, "title"),
        "日期": dates,
        "推选日期": dates,
        "登记日期": dates,
        "提交日期": dates,
        "类型": [c.label for c in (*LeaderKind, *OrganizationKind)],
        "约定": values(AgreementScheme, "name"),
        "细则编号": values(Rule, "code"),
        "室号": values(Household, "room"),
        "商铺": values(Household, "shop_name"),
        "名称": values(SocialOrganization, "name") + ["新的社会组织"],
        "统一社会信用代码": values(SocialOrganization, "credit_code"),
        "法定代表人": values(SocialOrganization, "legal_representative"),
        "年度": ["2021", "2022"],
        "结果": [c.label for c in InspectionResult],
        "项目名称": values(FundProject, "title") + ["楼道灯更换"],
        "类别": [c.label for c in ProjectCategory],
        "申请金额": ["1000", "2,000元"],
        "是否出席": ["是", "否"],
    }


def _sides(world, users):
    """(user, the scopes they reach, the scope whose values must not show) for each side."""
    street_own = Scope(subdistrict_id=world.subdistrict.pk)
    return [
        SimpleNamespace(
            user=users.staff_a,
            own=Scope.for_user(users.staff_a),
            foreign=Scope(subdistrict_id=world.subdistrict.pk, community_id=world.b.community.pk),
        ),
        SimpleNamespace(
            user=users.street,
            own=street_own,
            foreign=Scope(subdistrict_id=world.other_subdistrict.pk),
        ),
    ]


def _secrets(side):
    return _strings(side.foreign) - _strings(side.own)


def _preview(client, key, rows):
    resource_class = resource_registry()[key]
    model = _admin_of(key)
    if model is None:
        return ""
    payload = csv_bytes([resource_class.template_headers(), *rows])
    response = client.post(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("f.csv", payload)},
    )
    assert response.status_code in (200, 403)
    return response.content.decode() if response.status_code == 200 else ""


def _errors(user, key, rows):
    """What `import_sheet` prints: the errors of a dry run by the same entry point."""
    resource_class = resource_registry()[key]
    payload = csv_bytes([resource_class.template_headers(), *rows])
    try:
        dataset = SheetFormat.for_resource(resource_class)().create_dataset(payload)
    except SheetError as exc:
        return str(exc)
    result = resource_class(user=user).import_data(
        dataset, dry_run=True, rollback_on_validation_errors=True, file_name="f.csv", user=user
    )
    return "\n".join(
        [reason for _, _, reason in result.error_items] + [str(e.error) for e in result.base_errors]
    )


def _assert_no_leak(output, rows, secrets):
    given_cells = {c for row in rows for c in row}
    given_masks = {mask_phone(c) for c in given_cells if c.isdigit() and len(c) == 11}
    for secret in secrets:
        if secret in given_cells or secret in given_masks:
            continue
        if any(secret in cell for cell in given_cells):
            continue
        assert secret not in output, f"the preview shows {secret!r}, which lies outside the scope"
    for phrase in FORBIDDEN_PHRASES:
        assert phrase not in output


def _check(client, side, key, rows, secrets):
    _assert_no_leak(_preview(client, key, rows), rows, secrets)
    _assert_no_leak(_errors(side.user, key, rows), rows, secrets)


# The tester's own probes: another community's mobile with a wrong name, its credit code.


def test_attendance_with_another_communitys_mobile_names_no_one(world, users, login):
    side = _sides(world, users)[0]
    client = login(side.user)
    b = world.b.volunteer
    rows = [
        [world.a.training.title, f"{world.a.training.date:%Y-%m-%d}", "张三", b.mobile, "是", ""],
        [world.street_training.title, f"{world.street_training.date:%Y-%m-%d}", "张三", b.mobile,
         "是", ""],
    ]  # fmt: skip
    body = _preview(client, "attendance", rows)
    assert b.name not in body
    assert f"手机号 {mask_phone(b.mobile)} 在本社区没有登记的志愿者" in body
    # Reads exactly like a mobile that nobody has.
    nobody = _preview(client, "attendance", [[*rows[0][:3], "13800000000", "是", ""]])
    assert "手机号 138****0000 在本社区没有登记的志愿者" in nobody
    _check(client, side, "attendance", rows, _secrets(side))


def test_leaders_with_another_communitys_mobile_say_nothing_of_it(world, users, login):
    side = _sides(world, users)[0]
    client = login(side.user)
    b = world.b.volunteer
    row = ["正学社区", "楼组长", "张三", b.mobile, "正学苑", "1号楼", "", "", "", "", ""]
    body = _preview(client, "leaders", [row])
    assert "其他社区" not in body and b.name not in body
    _check(client, side, "leaders", [row], _secrets(side))


def test_inspections_of_another_subdistrict_name_no_organization(world, users, login):
    side = _sides(world, users)[1]
    client = login(side.user)
    elsewhere = world.orgs.elsewhere
    rows = [[elsewhere.credit_code, "2022", "合格", "", ""]]
    body = _preview(client, "inspections", rows)
    assert elsewhere.name not in body
    nobody = _errors(side.user, "inspections", [["91310120MA1HXXXX0X", "2022", "合格", "", ""]])
    assert "没有统一社会信用代码为" in _errors(side.user, "inspections", rows) or nobody
    _check(client, side, "inspections", rows, _secrets(side))


def test_organizations_of_another_subdistrict_name_no_organization(world, users, login):
    side = _sides(world, users)[1]
    client = login(side.user)
    elsewhere = world.orgs.elsewhere
    rows = [["新的社会组织", elsewhere.credit_code, "社会服务机构", "", "", "", "", "", ""]]
    _check(client, side, "orgs", rows, _secrets(side))


# Everything else: random rows of both sides' keys, through every resource.

junk = st.one_of(st.just(""), st.text(max_size=6), st.sampled_from(["=1+1", "是", "-5"]))


@pytest.mark.parametrize("key", RESOURCES)
@pytest.mark.parametrize("side_index", [0, 1], ids=["community_staff", "street_staff"])
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_preview_shows_what_lies_outside_the_scope(world, users, login, key, side_index, data):
    side = _sides(world, users)[side_index]
    pools = _pools([side.own, side.foreign])
    headers = resource_registry()[key].template_headers()

    def cell(header):
        pool = pools.get(header)
        if not pool:
            return junk
        return st.one_of(st.sampled_from(pool), st.sampled_from(pool), junk)

    rows = data.draw(
        st.lists(st.tuples(*[cell(h) for h in headers]).map(list), min_size=1, max_size=5)
    )
    rows = [[c.replace(",", "，").replace("\n", " ") for c in row] for row in rows]
    _check(login(side.user), side, key, rows, _secrets(side))
