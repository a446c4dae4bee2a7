"""Spreadsheet resources of self-governance: 积分明细 (`points`), 自治金项目 (`fund_projects`)."""

import datetime
from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from import_export import fields

from communities.models import BuildingGroup, Compound
from communities.resources import resolve_communities
from jinhai.imports import cells
from jinhai.imports.base import Column, SheetResource, field_errors

from .models import (
    PROJECT_PATH,
    Account,
    AccountKind,
    AgreementScheme,
    EntryKind,
    FundProject,
    PointEntry,
    ProjectCategory,
    ProjectStatus,
    Rule,
    SchemeStatus,
)
from .services import cap_message


class PointsResource(SheetResource):
    """积分明细: points per rule for households (小区 + 楼组 + 室号) or shops (商铺).

    Points always come from the rule; a 分值 column, where given, must agree with it. A household
    without an account in the scheme gets one; a shop must already have one.
    """

    key = "points"
    title = "积分明细"
    columns = [
        Column("日期", required=True, parse=cells.date, field="date"),
        Column("约定", required=True, aliases=("约定名称", "美丽约定")),
        Column("细则编号", required=True, aliases=("细则", "编号")),
        Column("小区"),
        Column("楼组"),
        Column("室号", aliases=("房号", "室")),
        Column("商铺", aliases=("商铺名称",)),
        Column("分值", parse=cells.integer, aliases=("分数", "积分")),
        Column("备注", field="note"),
    ]
    scope_column = "约定"

    date = fields.Field(attribute="date", column_name="日期")
    scheme = fields.Field(attribute="account__scheme__name", column_name="约定", readonly=True)
    code = fields.Field(attribute="rule__code", column_name="细则编号", readonly=True)
    account = fields.Field(attribute="account", column_name="账户", readonly=True)
    points = fields.Field(attribute="points", column_name="分值", readonly=True)
    kind = fields.Field(attribute="get_kind_display", column_name="类型", readonly=True)
    note = fields.Field(attribute="note", column_name="备注")

    class Meta:
        model = PointEntry
        fields = ("date", "scheme", "code", "account", "points", "kind", "note")
        export_order = fields

    def resolve(self, records):
        schemes = defaultdict(list)
        for scheme in AgreementScheme.objects.visible_to(self.user):
            schemes[cells.name_key(scheme.name)].append(scheme)
        rules = {
            (r.scheme_id, cells.name_key(r.code)): r
            for r in Rule.objects.current().filter(
                scheme__in=[s for v in schemes.values() for s in v]
            )
        }
        community_ids = {s.community_id for v in schemes.values() for s in v}
        groups = {
            (g.compound.community_id, cells.name_key(g.compound.name), cells.name_key(g.name)): g
            for g in BuildingGroup.objects.filter(
                compound__community_id__in=community_ids
            ).select_related("compound")
        }
        households, shops = {}, {}
        for account in Account.objects.filter(scheme__community_id__in=community_ids):
            if account.kind == AccountKind.HOUSEHOLD:
                households[
                    (account.scheme_id, account.building_group_id, cells.name_key(account.room))
                ] = account
            else:
                shops[(account.scheme_id, cells.name_key(account.shop_name))] = account
        dates = [
            r.values["日期"] for r in records if isinstance(r.values.get("日期"), datetime.date)
        ]
        earned = defaultdict(int)
        if dates:
            for row in (
                PointEntry.objects.filter(
                    account__scheme__community_id__in=community_ids,
                    rule__isnull=False,
                    date__gte=min(dates).replace(day=1),
                    date__lte=max(dates),
                )
                .annotate(month=TruncMonth("date"))
                .values("account", "rule__code", "month")
                .annotate(total=Sum("points"))
            ):
                earned[(row["account"], row["rule__code"], row["month"])] = row["total"]
        balances = {}
        for record in records:
            self._resolve_one(record, schemes, rules, groups, households, shops, earned, balances)

    def _resolve_one(self, record, schemes, rules, groups, households, shops, earned, balances):
        values = record.values
        found = schemes.get(cells.name_key(values.get("约定", "")), [])
        if len(found) != 1:
            name = values.get("约定", "")
            record.fail(
                "约定",
                f"没有名为“{name}”的美丽约定"
                if not found
                else f"“{name}”在多个社区重名,请联系街道",
            )
            return
        scheme = found[0]
        rule = rules.get((scheme.pk, cells.name_key(values.get("细则编号", ""))))
        if rule is None:
            record.fail("细则编号", f"“{scheme}”中没有编号为“{values.get('细则编号', '')}”的细则")
        date = values.get("日期")
        if isinstance(date, datetime.date):
            if scheme.status != SchemeStatus.ACTIVE:
                record.fail("约定", f"“{scheme}”不在实施中")
            elif not scheme.covers(date):
                record.fail("日期", f"{date:%Y-%m-%d} 不在“{scheme}”的实施期内")
        given = values.get("分值")
        if rule is not None and given is not None and given != rule.points:
            record.fail("分值", f"分值 {given} 与细则 {rule.code} 规定的 {rule.points:+d} 分不符")
        account = self._account(record, scheme, groups, households, shops)
        if record.errors or account is None or rule is None:
            return
        key = (account.pk or id(account), rule.code, date.replace(day=1))
        if rule.monthly_cap is not None and rule.points > 0:
            so_far = earned[key]
            if so_far + rule.points > rule.monthly_cap:
                record.fail("细则编号", cap_message(rule, so_far))
                return
        earned[key] += rule.points
        balance = balances.get(id(account), account.balance) + rule.points
        if balance < 0:
            record.fail("分值", f"扣分后积分将小于 0(当前 {balance - rule.points} 分)")
            return
        balances[id(account)] = balance
        record.instance = PointEntry(
            account=account,
            rule=rule,
            kind=EntryKind.AWARD if rule.points > 0 else EntryKind.DEDUCTION,
            points=rule.points,
            date=date,
            recorded_by=self.user if getattr(self.user, "pk", None) else None,
            note=values.get("备注", ""),
        )
        record.is_new = True

    def _account(self, record, scheme, groups, households, shops):
        values = record.values
        shop = values.get("商铺", "")
        compound, group_name, room = (
            values.get("小区", ""),
            values.get("楼组", ""),
            values.get("室号", ""),
        )
        if shop and (compound or group_name or room):
            record.fail("商铺", "一行只能是住户(小区、楼组、室号)或商铺,不能都填")
            return None
        if shop:
            account = shops.get((scheme.pk, cells.name_key(shop)))
            if account is None:
                record.fail("商铺", f"商铺“{shop}”在“{scheme}”中没有积分账户,请先在系统中建立")
            return account
        if not (compound and group_name and room):
            record.fail("室号", "住户须填写小区、楼组和室号(商铺填写“商铺”)")
            return None
        group = groups.get(
            (scheme.community_id, cells.name_key(compound), cells.name_key(group_name))
        )
        if group is None:
            record.fail("楼组", f"{compound}没有楼组“{group_name}”,或不在该约定的社区内")
            return None
        key = (scheme.pk, group.pk, cells.name_key(room))
        account = households.get(key)
        if account is None:
            account = Account(
                scheme=scheme, kind=AccountKind.HOUSEHOLD, building_group=group, room=room
            )
            for reason in field_errors(
                account, exclude=["scheme", "building_group", "street_zone"]
            ):
                record.fail("室号", reason)
            households[key] = account
        return account

    def save_records(self, records):
        accounts = {id(r.instance.account): r.instance.account for r in records}
        Account.objects.bulk_create([a for a in accounts.values() if a.pk is None])
        # In key order, so that two imports touching the same accounts cannot deadlock; the
        # balances and monthly figures then move with each inserted row (the ledger trigger).
        list(
            Account.objects.select_for_update()
            .filter(pk__in=[a.pk for a in accounts.values()])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        super().save_records(records)


def _year(value):
    year = cells.integer(value, unit="年")
    if year is not None and not 2000 <= year <= 2100:
        raise ValueError(f"年度“{cells.text(value)}”不正确,应为 4 位年份,如 2022")
    return year


# Statuses a new project may be imported with: the ones before any decision about money. 立项 and
# later (and 不予立项) are moves, made one by one on the project's page by `project_move`, which
# checks the discussion meetings and the allocation; an import never moves a status.
IMPORTABLE_STATUSES = PROJECT_PATH[: PROJECT_PATH.index(ProjectStatus.APPROVED)]


class FundProjectsResource(SheetResource):
    """自治金项目: project applications by community (the design's `fund_projects` contract).

    A row names a project by 社区 + 年度 + 项目名称: a new one is created, one still before 立项
    is updated; an approved project is left as it is (a re-imported export of it is unchanged).
    年度 (default: this year) and 项目内容 are optional columns beyond the contract.
    """

    key = "fund_projects"
    title = "自治金项目"
    columns = [
        Column("社区", required=True),
        Column("项目名称", required=True, field="title", aliases=("项目", "名称")),
        Column("类别", required=True, parse=cells.choice(ProjectCategory.choices, "类别")),
        Column(
            "申请金额",
            required=True,
            parse=cells.amount,
            field="amount_requested",
            aliases=("申请金额(元)", "申请金额(元)"),
        ),
        Column("小区"),
        Column("申报主体", field="proposer", aliases=("申报单位", "申报人")),
        Column("批准金额", parse=cells.amount, aliases=("批准金额(元)", "批准金额(元)")),
        Column("状态", parse=cells.choice(ProjectStatus.choices, "状态")),
        Column("年度", parse=_year, field="year"),
        Column("项目内容", field="description", aliases=("内容", "项目简介")),
    ]
    update_fields = ["compound", "category", "proposer", "description", "amount_requested"]
    duplicate_column = "项目名称"

    community = fields.Field(attribute="community__name", column_name="社区", readonly=True)
    year = fields.Field(attribute="year", column_name="年度", readonly=True)
    compound_name = fields.Field(attribute="compound__name", column_name="小区", readonly=True)
    title_ = fields.Field(attribute="title", column_name="项目名称", readonly=True)
    category_ = fields.Field(attribute="get_category_display", column_name="类别", readonly=True)
    proposer_ = fields.Field(attribute="proposer", column_name="申报主体", readonly=True)
    requested = fields.Field(attribute="amount_requested", column_name="申请金额", readonly=True)
    approved = fields.Field(attribute="amount_approved", column_name="批准金额", readonly=True)
    status_ = fields.Field(attribute="get_status_display", column_name="状态", readonly=True)
    description_ = fields.Field(attribute="description", column_name="项目内容", readonly=True)

    class Meta:
        model = FundProject
        fields = (
            "community", "year", "compound_name", "title_", "category_", "proposer_",
            "requested", "approved", "status_", "description_",
        )  # fmt: skip
        export_order = fields

    def resolve(self, records):
        # One query per level: communities, their compounds, their projects.
        found = resolve_communities(records, self.scope)
        community_ids = {c.pk for c in found.values()}
        compounds = {
            (c.community_id, cells.name_key(c.name)): c
            for c in Compound.objects.filter(community_id__in=community_ids)
        }
        projects = {
            (p.community_id, p.year, cells.name_key(p.title)): p
            for p in FundProject.objects.filter(community_id__in=community_ids)
        }
        this_year = timezone.localdate().year
        for record in records:
            community = found.get(record.number)
            if community is None or record.errors:
                continue
            self._resolve_one(record, community, compounds, projects, this_year)

    def _resolve_one(self, record, community, compounds, projects, this_year):
        values = record.values
        compound = None
        if values.get("小区"):
            compound = compounds.get((community.pk, cells.name_key(values["小区"])))
            if compound is None:
                record.fail("小区", f"{community.name}没有小区“{values['小区']}”")
                return
        if values["申请金额"] <= 0:
            record.fail("申请金额", "申请金额须大于 0")
            return
        year = values.get("年度") or this_year
        title = values["项目名称"]
        record.key = (community.pk, year, cells.name_key(title))
        wanted = {
            "compound": compound,
            "category": values["类别"],
            "proposer": values.get("申报主体", ""),
            "description": values.get("项目内容", ""),
            "amount_requested": values["申请金额"],
        }
        status, approved = values.get("状态") or None, values.get("批准金额")
        project = projects.get(record.key)
        if project is None:
            if status and status not in IMPORTABLE_STATUSES:
                record.fail(
                    "状态",
                    f"新项目只能以“征集”“讨论”或“公示”状态导入;“{ProjectStatus(status).label}”"
                    "须在项目页面逐步办理(需有讨论会记录并核对自治金余额)",
                )
            if approved is not None:
                record.fail("批准金额", "批准金额在立项时于项目页面填写,导入新项目时请留空")
            if record.errors:
                return
            record.instance = FundProject(
                community=community,
                year=year,
                title=title,
                status=status or ProjectStatus.COLLECTING,
                **wanted,
            )
            record.is_new = True
            return
        if status and status != project.status:
            record.fail(
                "状态",
                f"状态不能通过导入变更(当前:{project.get_status_display()}),请在项目页面办理",
            )
        if approved is not None and approved != project.amount_approved:
            record.fail("批准金额", "批准金额只能在立项时于项目页面填写,不能通过导入修改")
        changed = any(
            getattr(project, name) != value for name, value in wanted.items() if name != "compound"
        ) or (project.compound_id != (compound.pk if compound else None))
        if changed and project.status not in IMPORTABLE_STATUSES:
            record.fail(
                "项目名称",
                f"项目已{project.get_status_display()},不能通过导入修改;如有变更请在项目页面办理",
            )
        if record.errors:
            return
        for name, value in wanted.items():
            setattr(project, name, value)
        record.instance = project
        record.changed = changed
