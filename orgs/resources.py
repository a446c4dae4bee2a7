"""Spreadsheet resources of the orgs app: 社会组织 (`orgs`) and 年检结果 (`inspections`).

A row is keyed by its unified social credit code. A code already registered in the user's
subdistrict updates that organization (when the name matches: a code registered under another
name is an error, as it is far more often a mistyped code than a renaming); a code that appears
twice in one file is an error. Organizations belong to a subdistrict, so only street staff import
them; community staff read them.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from import_export import fields, widgets

from communities.models import Community, Subdistrict
from jinhai.imports import cells
from jinhai.imports.base import Column, SheetResource
from jinhai.scoping import Scope
from jinhai.validators import validate_office_phone

from . import services
from .models import (
    AnnualInspection,
    InspectionResult,
    OrganizationKind,
    ServiceField,
    SocialOrganization,
)
from .validators import normalize_credit_code, validate_credit_code, with_check_character

CODE = "统一社会信用代码"
# The templates' example: a well-formed code (civil affairs, 社会服务机构, Fengxian) of no one.
EXAMPLE_CODE = with_check_character("52310120MJ0000001")


def parse_credit_code(value):
    text = cells.code(value, "统一社会信用代码")
    if not text:
        return ""
    try:
        validate_credit_code(text)
    except ValidationError as exc:
        if cells.rounded_by_excel(text):
            raise ValueError(f"统一社会信用代码“{text}”:{cells.EXCEL_NUMBER}") from None
        raise ValueError(exc.messages[0]) from None
    return normalize_credit_code(text)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def parse_phone(value):
    """A fixed line (public office phone) or a mobile (kept for staff only)."""
    text = cells.text(value)
    if not text:
        return ""
    compact = cells.halfwidth(text).replace(" ", "")
    try:
        validate_office_phone(compact)
        return compact
    except ValidationError:
        pass
    try:
        return cells.phone(text)
    except ValueError:
        raise ValueError(
            f"联系电话“{text}”不正确:应为固定电话(如 021-57123456)或 11 位手机号"
        ) from None


_SEPARATORS = re.compile(r"[、,;/\n]+")


def parse_names(value):
    """Several names in one cell: 养老、助残 / 正学社区,丰乐社区 (full-width separators too)."""
    text = cells.halfwidth(cells.text(value))
    seen = {}
    for name in _SEPARATORS.split(text):
        if name.strip():
            seen.setdefault(cells.name_key(name), name.strip())
    return tuple(seen.values())


def parse_year(value):
    text = cells.halfwidth(cells.text(value)).replace(" ", "").removesuffix("度")
    parsed = cells.integer(text, unit="年")
    if parsed is None:
        return None
    if not 1900 <= parsed <= 9999:
        raise ValueError(f"年度“{cells.text(value)}”不正确,应为四位年份,如 2022")
    return parsed


KIND_ALIASES = {
    "社团": OrganizationKind.GROUP,
    "社团组织": OrganizationKind.GROUP,
    "民办非企业单位": OrganizationKind.SERVICE,
    "民非": OrganizationKind.SERVICE,
}


class OrganizationsResource(SheetResource):
    """社会组织: creates organizations of the user's subdistrict and updates known ones."""

    key = "orgs"
    title = "社会组织"
    columns = [
        Column(
            "名称",
            required=True,
            field="name",
            aliases=("组织名称", "社会组织名称"),
            example="金海街道为老服务社",
        ),
        Column(
            CODE,
            required=True,
            parse=parse_credit_code,
            field="credit_code",
            aliases=("信用代码",),
            example=EXAMPLE_CODE,
            hint="18 位,已登记的组织按此代码更新",
        ),
        Column(
            "类型",
            required=True,
            parse=cells.choice(OrganizationKind.choices, "类型", KIND_ALIASES),
            field="kind",
            aliases=("组织类型",),
        ),
        Column("登记日期", parse=cells.date, field="registered_on", aliases=("成立登记日期",)),
        Column(
            "法定代表人",
            parse=cells.person_name,
            field="legal_representative",
            aliases=("法人代表",),
        ),
        Column("联系电话", parse=parse_phone, field="office_phone", aliases=("电话", "办公电话")),
        Column("地址", field="address", aliases=("办公地址", "住所")),
        Column("服务领域", parse=parse_names, example="养老", hint="多个用顿号分隔"),
        Column("服务社区", parse=parse_names, hint="多个用顿号分隔,如 正学社区、丰乐社区"),
    ]
    update_fields = [
        "kind",
        "registered_on",
        "legal_representative",
        "office_phone",
        "contact_mobile",
        "address",
    ]
    duplicate_column = CODE
    scope_column = CODE

    # Export: the same columns, so an exported file can be edited and imported again.
    name = fields.Field(attribute="name", column_name="名称")
    code = fields.Field(attribute="credit_code", column_name=CODE)
    kind = fields.Field(attribute="get_kind_display", column_name="类型", readonly=True)
    registered_on = fields.Field(
        attribute="registered_on", column_name="登记日期", widget=widgets.DateWidget("%Y-%m-%d")
    )
    legal_representative = fields.Field(attribute="legal_representative", column_name="法定代表人")
    phone = fields.Field(column_name="联系电话", readonly=True)
    address = fields.Field(attribute="address", column_name="地址")
    service_fields = fields.Field(column_name="服务领域", readonly=True)
    served = fields.Field(column_name="服务社区", readonly=True)
    status = fields.Field(attribute="get_status_display", column_name="状态", readonly=True)

    class Meta:
        model = SocialOrganization
        fields = (
            "name", "code", "kind", "registered_on", "legal_representative", "phone", "address",
            "service_fields", "served", "status",
        )  # fmt: skip
        export_order = fields

    def dehydrate_phone(self, organization):
        return organization.office_phone or organization.contact_mobile

    def dehydrate_service_fields(self, organization):
        return "、".join(f.name for f in organization.service_fields.all())

    def dehydrate_served(self, organization):
        return "、".join(c.name for c in organization.communities.all())

    @classmethod
    def may_import(cls, user) -> bool:
        return super().may_import(user) and not Scope.for_user(user).is_community_level

    def _subdistrict(self):
        """Where new organizations go: the street staff's subdistrict, or the only one there is."""
        if self.scope.subdistrict_id is not None:
            return self.scoped(Subdistrict).get(pk=self.scope.subdistrict_id)
        if self.scope.everything:
            only = list(self.scoped(Subdistrict)[:2])
            if len(only) == 1:
                return only[0]
        return None

    def resolve(self, records):
        subdistrict = self._subdistrict()
        if subdistrict is None:
            for record in records:
                record.fail("名称", "无法确定所属街道:请用街道工作人员的账号导入")
            return
        codes = {r.values[CODE] for r in records if r.values.get(CODE)}
        known = list(
            self.scoped(SocialOrganization).filter(
                Q(subdistrict=subdistrict) | Q(credit_code__in=codes)
            )
        )
        # A credit code is one organization across the portal: one registered outside the scope
        # cannot be registered here, and the row says so without saying by whom.
        codes_taken = self.taken(SocialOrganization, "credit_code", codes)
        for organization in known:
            if organization.subdistrict_id == subdistrict.pk:
                # The subdistrict is at hand: scope checks need not load it once a row.
                organization.subdistrict = subdistrict
        by_code = {o.credit_code: o for o in known}
        by_name = {cells.name_key(o.name): o for o in known if o.subdistrict_id == subdistrict.pk}
        all_fields = {cells.name_key(f.name): f for f in self.scoped(ServiceField)}
        allowed = "、".join(f.name for f in all_fields.values())
        communities = {
            cells.name_key(c.name): c
            for c in self.scoped(Community).filter(subdistrict=subdistrict)
        }
        current = self._current_links([o.pk for o in known if o.credit_code in codes])
        self.links = {}
        names_seen = {}
        for record in records:
            values = record.values
            code, name = values.get(CODE), values.get("名称")
            field_list = self._lookup(
                record,
                "服务领域",
                all_fields,
                lambda n: f"服务领域“{n}”不存在,应为:{allowed}",
            )
            community_list = self._lookup(
                record,
                "服务社区",
                communities,
                lambda n: f"{subdistrict.name}没有社区“{n}”,请先在系统中建立该社区",
            )
            if record.errors or not code or not name:
                continue
            organization = by_code.get(code)
            if code in codes_taken or (
                organization is not None and organization.subdistrict_id != subdistrict.pk
            ):
                record.fail(
                    CODE,
                    f"本街道没有统一社会信用代码为 {code} 的社会组织,且该代码已被使用,"
                    "不能再登记;请核对代码",
                )
                continue
            if organization is not None and cells.name_key(organization.name) != cells.name_key(
                name
            ):
                record.fail(
                    CODE,
                    f"该统一社会信用代码已登记为“{organization.name}”,与名称不符;"
                    "如组织已更名,请先在系统中修改名称",
                )
                continue
            namesake = by_name.get(cells.name_key(name))
            if organization is None and namesake is not None:
                record.fail(
                    "名称",
                    f"本街道已登记“{namesake.name}”,统一社会信用代码为 {namesake.credit_code},"
                    "与本行不同",
                )
                continue
            first = names_seen.setdefault(cells.name_key(name), (record.number, code))
            if first[1] != code:
                record.fail("名称", f"与第 {first[0]} 行名称相同,但统一社会信用代码不同")
                continue
            record.key = code
            self._apply(record, organization, subdistrict, current, field_list, community_list)

    def _lookup(self, record, column, known, unknown):
        given = record.values.get(column)
        if not given:
            return None
        found = []
        for name in given:
            target = known.get(cells.name_key(name))
            if target is None:
                record.fail(column, unknown(name))
            else:
                found.append(target)
        return found

    def _current_links(self, organization_ids):
        """{organization id: (service field ids, community ids)}: one query a relation."""
        current = {pk: (set(), set()) for pk in organization_ids}
        for index, name in enumerate(("service_fields", "communities")):
            field = SocialOrganization._meta.get_field(name)
            through = field.remote_field.through
            own, other = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
            for pk, target in (
                self.scoped(through)
                .filter(**{f"{own}__in": organization_ids})
                .values_list(own, other)
            ):
                current[pk][index].add(target)
        return current

    def _apply(self, record, organization, subdistrict, current, field_list, community_list):
        values = record.values
        contact = values.get("联系电话", "")
        details = {
            "kind": values.get("类型"),
            "registered_on": values.get("登记日期"),
            "legal_representative": values.get("法定代表人", ""),
            "office_phone": "" if _MOBILE.match(contact) else contact,
            "contact_mobile": contact if _MOBILE.match(contact) else "",
            "address": values.get("地址", ""),
        }
        if organization is None:
            organization = SocialOrganization(
                subdistrict=subdistrict, name=values["名称"], credit_code=values[CODE], **details
            )
            record.is_new = True
        else:
            # An empty optional cell leaves what is stored; a filled one replaces it.
            for field, value in details.items():
                if value not in (None, "") and getattr(organization, field) != value:
                    setattr(organization, field, value)
                    record.changed = True
            fields_now, communities_now = current.get(organization.pk, (set(), set()))
            if field_list is not None and {f.pk for f in field_list} != fields_now:
                record.changed = True
            if community_list is not None and {c.pk for c in community_list} != communities_now:
                record.changed = True
        record.instance = organization
        self.links[record.number] = (field_list, community_list)

    def save_records(self, records):
        # bulk_create, not COPY: the new organizations need their keys for their relations.
        SocialOrganization.objects.bulk_create(
            [r.instance for r in records if r.is_new], batch_size=self.batch_size
        )
        SocialOrganization.objects.bulk_update(
            [r.instance for r in records if r.changed and not r.is_new],
            self.update_fields,
            batch_size=self.batch_size,
        )
        services.organization_links_replace(
            links=[(r.instance, *self.links[r.number]) for r in records]
        )


class InspectionsResource(SheetResource):
    """年检结果: one organization's result for one year; a known (organization, year) updates."""

    key = "inspections"
    title = "年检结果"
    columns = [
        Column(
            CODE,
            required=True,
            parse=parse_credit_code,
            field="organization",
            aliases=("信用代码",),
            example=EXAMPLE_CODE,
        ),
        Column(
            "年度",
            required=True,
            parse=parse_year,
            field="year",
            aliases=("年检年度",),
            example=lambda resource: timezone.localdate().year - 1,
        ),
        Column(
            "结果",
            required=True,
            parse=cells.choice(InspectionResult.choices, "结果"),
            field="result",
            aliases=("年检结论", "年检结果"),
        ),
        Column("提交日期", parse=cells.date, field="submitted_on"),
        Column("备注", field="guidance", aliases=("年检指导意见", "指导意见")),
    ]
    update_fields = ["submitted_on", "result", "guidance"]
    duplicate_column = "年度"
    scope_column = CODE

    code = fields.Field(attribute="organization__credit_code", column_name=CODE, readonly=True)
    organization = fields.Field(attribute="organization__name", column_name="名称", readonly=True)
    year = fields.Field(attribute="year", column_name="年度", widget=widgets.IntegerWidget())
    result = fields.Field(attribute="get_result_display", column_name="结果", readonly=True)
    submitted_on = fields.Field(
        attribute="submitted_on", column_name="提交日期", widget=widgets.DateWidget("%Y-%m-%d")
    )
    returned = fields.Field(
        attribute="returned_for_correction", column_name="退回整改", widget=widgets.BooleanWidget()
    )
    guidance = fields.Field(attribute="guidance", column_name="备注")

    class Meta:
        model = AnnualInspection
        fields = ("code", "organization", "year", "result", "submitted_on", "returned", "guidance")
        export_order = fields

    @classmethod
    def may_import(cls, user) -> bool:
        return super().may_import(user) and not Scope.for_user(user).is_community_level

    def resolve(self, records):
        codes = {r.values[CODE] for r in records if r.values.get(CODE)}
        organizations = {
            o.credit_code: o
            for o in self.scoped(SocialOrganization)
            .filter(credit_code__in=codes)
            .select_related("subdistrict")
        }
        years = {r.values["年度"] for r in records if r.values.get("年度")}
        existing = {
            (i.organization_id, i.year): i
            for i in self.scoped(AnnualInspection).filter(
                organization__in=organizations.values(), year__in=years
            )
        }
        for record in records:
            values = record.values
            code = values.get(CODE)
            organization = organizations.get(code) if code else None
            if code and (organization is None or not self.scope.allows(organization)):
                # Out of reach reads as not there: the message names no organization.
                record.fail(
                    CODE, f"本街道没有统一社会信用代码为 {code} 的社会组织,请先登记或导入该组织"
                )
                organization = None
            result, submitted_on = values.get("结果"), values.get("提交日期")
            if result == InspectionResult.NOT_INSPECTED and submitted_on:
                record.fail("提交日期", "“未参检”的年检不填提交日期")
            if record.errors or organization is None or not values.get("年度"):
                continue
            record.key = (organization.pk, values["年度"])
            inspection = existing.get(record.key)
            guidance = values.get("备注", "")
            if inspection is None:
                record.instance = AnnualInspection(
                    organization=organization,
                    year=values["年度"],
                    result=result,
                    submitted_on=submitted_on,
                    guidance=guidance,
                )
                record.is_new = True
                continue
            inspection.organization = organization
            for field, value in (
                ("result", result),
                ("submitted_on", submitted_on),
                ("guidance", guidance),
            ):
                if value not in (None, "") and getattr(inspection, field) != value:
                    setattr(inspection, field, value)
                    record.changed = True
            if result == InspectionResult.NOT_INSPECTED and inspection.submitted_on:
                record.fail("结果", "该年检已有提交日期,不能改为“未参检”;请在系统中修改")
            record.instance = inspection
