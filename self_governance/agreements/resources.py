"""积分明细 (`points`): the ledger's spreadsheet import and export."""

import datetime
from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from import_export import fields

from communities import services as places
from communities.models import BuildingGroup, Household, HouseholdKind
from communities.resources import compound_names
from jinhai.imports import cells
from jinhai.imports.base import Column, SheetResource
from jinhai.imports.instances import NewInstances, field_errors

from .models import (
    Account,
    AgreementScheme,
    EntryKind,
    PointEntry,
    Rule,
    SchemeStatus,
)
from .services import cap_message


def scheme_names(resource):
    return (
        resource.scoped(AgreementScheme).order_by("-start", "name").values_list("name", flat=True)
    )


def first_rule_code(resource):
    codes = resource.scoped(Rule.objects.current()).order_by(
        "-scheme__start", "scheme__name", "code"
    )
    return next(iter(codes.values_list("code", flat=True)), "")


class PointsResource(SheetResource):
    """积分明细: points per rule for households (小区 + 楼组 + 室号) or shops (商铺).

    Points always come from the rule; a 分值 column, where given, must agree with it. A household
    without an account in the scheme gets one; a shop must already have one.
    """

    key = "points"
    title = "积分明细"
    columns = [
        Column("日期", required=True, parse=cells.date, field="date"),
        Column("约定", required=True, aliases=("约定名称", "美丽约定"), options=scheme_names),
        Column(
            "细则编号",
            required=True,
            field="rule",
            aliases=("细则", "编号"),
            example=first_rule_code,
            hint="该约定考核细则中的编号",
        ),
        Column("小区", options=compound_names, hint="住户填写小区、楼组、室号"),
        Column("楼组", example="1号楼"),
        Column("室号", aliases=("房号", "室"), parse=cells.room),
        Column("商铺", aliases=("商铺名称",), hint="商铺只填商铺名称(不填小区、楼组、室号)"),
        Column("分值", parse=cells.integer, aliases=("分数", "积分"), hint="可不填:分值按细则计"),
        Column("备注", field="note"),
    ]
    scope_column = "约定"
    offers_only_new = True

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
        self.new_household_errors = {}
        self.new_entry = NewInstances(
            PointEntry, recorded_by=self.user if getattr(self.user, "pk", None) else None
        )
        schemes = defaultdict(list)
        for scheme in self.scoped(AgreementScheme):
            schemes[cells.name_key(scheme.name)].append(scheme)
        rules = {
            (r.scheme_id, cells.name_key(r.code)): r
            for r in self.scoped(Rule.objects.current()).filter(
                scheme__in=[s for v in schemes.values() for s in v]
            )
        }
        community_ids = {s.community_id for v in schemes.values() for s in v}
        groups = {
            (g.compound.community_id, cells.name_key(g.compound.name), cells.name_key(g.name)): g
            for g in self.scoped(BuildingGroup)
            .filter(compound__community_id__in=community_ids)
            .select_related("compound")
        }
        self.places = places.household_index(
            community_ids=community_ids, households=self.scoped(Household)
        )
        by_pk = {h.pk: h for h in self.places.values()}
        households, shops = {}, {}
        for account in self.scoped(Account).filter(scheme__community_id__in=community_ids):
            household = by_pk[account.household_id]
            if household.kind == HouseholdKind.HOUSEHOLD:
                households[(account.scheme_id, household.pk)] = account
            else:
                shops[(account.scheme_id, cells.name_key(household.shop_name))] = account
        dates = [
            r.values["日期"] for r in records if isinstance(r.values.get("日期"), datetime.date)
        ]
        earned = defaultdict(int)
        if dates:
            for row in (
                self.scoped(PointEntry)
                .filter(
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
        # Rows already in the ledger (the same account, rule and day): a file imported twice.
        stored = set()
        if dates:
            stored = set(
                self.scoped(PointEntry)
                .filter(
                    account__scheme__community_id__in=community_ids,
                    rule__isnull=False,
                    date__gte=min(dates),
                    date__lte=max(dates),
                )
                .values_list("account_id", "rule_id", "date")
            )
        already = 0
        for record in records:
            self._resolve_one(record, schemes, rules, groups, households, shops, earned, balances)
            entry = record.instance
            if entry is None or record.errors or entry.account.pk is None:
                continue
            if (entry.account.pk, entry.rule_id, entry.date) in stored:
                already += 1
                if self.only_new:
                    self._unwind(entry, earned, balances)
                    record.instance, record.is_new = None, False
        if already and self.only_new:
            self.resolve_notes.append(f"已跳过 {already} 行:积分明细中已有相同的记录。")
        elif already:
            self.resolve_notes.append(
                f"有 {already} 行与积分明细中已有的记录相同(同一账户、同一细则、同一日期),"
                "可能已经导入过。如只需导入尚未记入的行,请勾选“只导入尚未记入的行”后重新上传。"
            )

    def _unwind(self, entry, earned, balances):
        """A skipped row's points count neither toward the month's cap nor the balance."""
        earned[(entry.account.pk, entry.rule.code, entry.date.replace(day=1))] -= entry.points
        balances[id(entry.account)] -= entry.points

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
        record.instance = self.new_entry(
            account=account,
            rule=rule,
            kind=EntryKind.AWARD if rule.points > 0 else EntryKind.DEDUCTION,
            points=rule.points,
            date=date,
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
        household = places.household_for_room(self.places, group, room)
        if household.pk is None:
            # A new household is named by every row of its room: checked once.
            if id(household) not in self.new_household_errors:
                self.new_household_errors[id(household)] = field_errors(
                    household, exclude=["community", "building_group"]
                )
            for reason in self.new_household_errors[id(household)]:
                record.fail("室号", reason)
        key = (scheme.pk, household.pk or id(household))
        account = households.get(key)
        if account is None:
            account = Account(scheme=scheme, household=household)
            households[key] = account
        return account

    def save_records(self, records):
        accounts = {id(r.instance.account): r.instance.account for r in records}
        new = [a for a in accounts.values() if a.pk is None]
        places.households_save(households={id(a.household): a.household for a in new}.values())
        Account.objects.bulk_create(new)
        # In key order, so that two imports touching the same accounts cannot deadlock; the
        # balances and monthly figures then move with each inserted row (the ledger trigger).
        list(
            self.scoped(Account.objects.select_for_update())
            .filter(pk__in=[a.pk for a in accounts.values()])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        super().save_records(records)
