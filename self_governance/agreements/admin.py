"""The admin of 美丽约定: schemes with their rules and rewards, accounts, the append-only ledger
(entries are recorded and reversed through `services`, never edited), redemptions, pets."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.utils import timezone

from communities.models import HouseholdKind
from jinhai.admin import (
    AppendOnlyAdminMixin,
    ReadOnlyAdminMixin,
    ScopedAdmin,
    ScopedInline,
    check_in_scope,
    related_only,
)
from jinhai.imports.admin import ScopedImportExportAdmin
from jinhai.scoping import Scope

from . import services
from .models import (
    Account,
    AgreementScheme,
    MonthlyPoints,
    Pet,
    PointEntry,
    Redemption,
    Reward,
    Rule,
)
from .resources import PointsResource


def save_rule(request, rule, changed_fields):
    """Rules in use are never edited in place: hand the change to the service."""
    if rule.pk is None or not ({"points", "monthly_cap", "description"} & set(changed_fields)):
        rule.save()
        return rule
    original = Rule.objects.get(pk=rule.pk)
    saved = services.rule_change(
        rule=original,
        points=rule.points,
        description=rule.description,
        monthly_cap=rule.monthly_cap,
    )
    if saved.pk != original.pk:
        messages.info(
            request,
            f"细则 {saved.code} 已被使用过,已保存为第 {saved.version} 版;原有明细保留原分值。",
        )
    return saved


class RuleInline(ScopedInline, admin.TabularInline):
    model = Rule
    max_rows = 50
    fields = ["code", "description", "points", "monthly_cap", "version", "is_current"]
    readonly_fields = ["version", "is_current"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).current()


class RewardInline(ScopedInline, admin.TabularInline):
    model = Reward
    max_rows = 50
    fields = ["name", "cost", "stock"]
    extra = 0


@admin.register(AgreementScheme)
class AgreementSchemeAdmin(ScopedAdmin):
    list_display = ["name", "community", "kind", "status", "start", "end"]
    list_filter = ["kind", "status", ("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["name", "text", "community__name"]
    # Compounds by search: a city's superuser would get a picker of every compound (6,000 at a
    # tenth of Shanghai, a page of 300 KB).
    autocomplete_fields = ["community", "compounds"]
    inlines = [RuleInline, RewardInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Rule:
            return super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.is_valid():
                continue
            rule = inline_form.save(commit=False)
            rule.scheme = formset.instance
            check_in_scope(request, rule)
            save_rule(request, rule, inline_form.changed_data)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(Rule)
class RuleAdmin(ScopedAdmin):
    list_display = [
        "code",
        "description",
        "points",
        "monthly_cap",
        "scheme",
        "version",
        "is_current",
    ]
    list_filter = ["is_current", ("scheme", related_only)]
    list_select_related = ["scheme"]
    search_fields = ["code", "description", "scheme__name"]
    autocomplete_fields = ["scheme"]
    readonly_fields = ["version", "is_current"]

    def save_model(self, request, obj, form, change):
        check_in_scope(request, obj)
        save_rule(request, obj, form.changed_data if change else ["points"])

    def has_delete_permission(self, request, obj=None):
        return False


class RecordPointsForm(forms.Form):
    rule = forms.ModelChoiceField(queryset=Rule.objects.none(), label="细则")
    date = forms.DateField(label="日期", initial=timezone.localdate)
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = rules


class HouseholdKindFilter(admin.SimpleListFilter):
    # Django titles a filter across a relation with the English path ("household kind").
    title = "住户或商铺"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return HouseholdKind.choices

    def queryset(self, request, queryset):
        if self.value() in HouseholdKind.values:
            return queryset.filter(household__kind=self.value())
        return queryset


@admin.register(Account)
class AccountAdmin(ScopedAdmin):
    list_display = ["__str__", "scheme", "household_kind", "balance"]
    # By indexed columns of its own: the model's order goes through places' names and pinyin
    # keys, a sort of every row (half a million at a tenth of a city) for each page.
    ordering = ["scheme_id", "household_id"]
    list_filter = [HouseholdKindFilter, ("scheme", related_only)]
    list_select_related = ["scheme", "household__building_group__compound"]
    search_fields = [
        "household__room",
        "household__shop_name",
        "household__building_group__name",
        "household__building_group__compound__name",
    ]
    autocomplete_fields = ["scheme", "household"]
    readonly_fields = ["balance"]
    actions = ["record_points"]

    def has_delete_permission(self, request, obj=None):
        # An account with entries is history; PROTECT would refuse, so don't offer it.
        return False

    @admin.display(description="住户或商铺", ordering="household__kind")
    def household_kind(self, obj):
        return obj.household.get_kind_display()

    @admin.action(description="为所选账户登记同一细则的积分", permissions=["change"])
    def record_points(self, request, queryset):
        accounts = list(queryset.select_related("scheme"))
        schemes = {a.scheme_id for a in accounts}
        if len(schemes) != 1:
            self.message_user(request, "请只选择同一个美丽约定的账户。", messages.ERROR)
            return None
        rules = Rule.objects.current().filter(scheme_id=schemes.pop())
        form = RecordPointsForm(request.POST if "apply" in request.POST else None, rules=rules)
        if form.is_valid():
            try:
                entries = services.entries_record_many(
                    rule=form.cleaned_data["rule"],
                    accounts=accounts,
                    date=form.cleaned_data["date"],
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                self.message_user(
                    request, "未登记任何积分:" + ";".join(exc.messages), messages.ERROR
                )
                return None
            self.message_user(request, f"已为 {len(entries)} 个账户登记积分。")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "批量登记积分",
            "opts": self.model._meta,
            "form": form,
            "accounts": accounts,
            "action": "record_points",
        }
        return TemplateResponse(request, "admin/self_governance/record_points.html", context)


class EntryForm(forms.ModelForm):
    class Meta:
        model = PointEntry
        fields = ["account", "rule", "date", "evidence", "note"]

    def clean(self):
        data = super().clean()
        account, rule, date = data.get("account"), data.get("rule"), data.get("date")
        if not rule:
            raise ValidationError({"rule": "请选择细则。"})
        if account and date:
            services.check_rule_applies(account=account, rule=rule, date=date)
            services.check_cap(account=account, rule=rule, date=date)
        return data


@admin.register(PointEntry)
class PointEntryAdmin(AppendOnlyAdminMixin, ScopedImportExportAdmin):
    resource_classes = [PointsResource]
    form = EntryForm
    list_display = ["date", "account", "kind", "points", "rule", "recorded_by", "reverses"]
    list_filter = ["kind", ("account__scheme", related_only), "date"]
    list_select_related = [
        "account__household__building_group__compound",
        "rule",
        "recorded_by",
        "reverses",
    ]
    search_fields = [
        "account__household__room",
        "account__household__shop_name",
        "rule__code",
        "note",
    ]
    autocomplete_fields = ["account", "rule"]
    # No date_hierarchy: its year links read every entry's date (a scan of the whole ledger);
    # the date filter's fixed links (today, this month ...) cost nothing.
    actions = ["reverse_entries"]

    # The ledger is append-only: an entry's page is for reading; corrections are reversals.

    def get_ordering(self, request):
        if Scope.for_user(request.user).is_community_level:
            # Newest first, as for everyone, but not by the `entry_recent` index: walking it for
            # one community's entries (a 600th of a city's) reads a quarter of a million rows,
            # 1.4 s at a tenth of Shanghai, and PostgreSQL cannot reorder the page's nine joins
            # to see it. Unindexed, it reads the community's accounts' entries and sorts those
            # (20,000 there, 15 ms). Street staff and superusers read a big share: the index.
            return [Coalesce("date", "date").desc(), "-pk"]
        return super().get_ordering(request)

    def record(self, request, obj):
        return services.entry_record(
            account=obj.account,
            rule=obj.rule,
            date=obj.date,
            by=request.user,
            note=obj.note,
            evidence=obj.evidence,
        )

    @admin.action(description="冲正所选明细", permissions=["add"])
    def reverse_entries(self, request, queryset):
        done = 0
        for entry in queryset.select_related("account"):
            try:
                services.entry_reverse(entry=entry, by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{entry}:" + ";".join(exc.messages), messages.ERROR)
        if done:
            self.message_user(request, f"已冲正 {done} 条明细。")


@admin.register(Reward)
class RewardAdmin(ScopedAdmin):
    list_display = ["name", "scheme", "cost", "stock"]
    list_filter = [("scheme", related_only)]
    list_select_related = ["scheme"]
    search_fields = ["name"]
    autocomplete_fields = ["scheme"]


class RedemptionForm(forms.ModelForm):
    class Meta:
        model = Redemption
        fields = ["account", "reward", "quantity", "date"]

    def clean(self):
        data = super().clean()
        account, reward, quantity = data.get("account"), data.get("reward"), data.get("quantity")
        if account and reward and quantity:
            if reward.scheme_id != account.scheme_id:
                raise ValidationError({"reward": "该奖品不属于这个账户的美丽约定。"})
            if account.balance < reward.cost * quantity:
                raise ValidationError(
                    f"积分不足:需要 {reward.cost * quantity} 分,当前 {account.balance} 分。"
                )
            if reward.stock < quantity:
                raise ValidationError({"quantity": f"“{reward.name}”库存只剩 {reward.stock} 件。"})
        return data


@admin.register(Redemption)
class RedemptionAdmin(AppendOnlyAdminMixin, ScopedAdmin):
    form = RedemptionForm
    list_display = ["date", "account", "reward", "quantity", "points", "recorded_by"]
    list_filter = [("account__scheme", related_only)]
    list_select_related = ["account__household__building_group__compound", "reward", "recorded_by"]
    search_fields = ["account__household__room", "account__household__shop_name", "reward__name"]
    autocomplete_fields = ["account", "reward"]

    def record(self, request, obj):
        return services.redeem(
            account=obj.account,
            reward=obj.reward,
            quantity=obj.quantity,
            date=obj.date,
            by=request.user,
        )

    def get_changeform_initial_data(self, request):
        return {"date": timezone.localdate(), "quantity": 1}


@admin.register(Pet)
class PetAdmin(ScopedAdmin):
    list_display = ["name", "kind", "household", "registered_on", "vaccinated_on", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["household__building_group__compound"]
    search_fields = ["name", "household__room", "household__shop_name"]
    autocomplete_fields = ["household"]
    actions = ["confirm"]

    @admin.action(description="确认所选宠物信息", permissions=["change"])
    def confirm(self, request, queryset):
        from .services import pets_confirm

        done = pets_confirm(pets=queryset, by=request.user)
        self.message_user(request, f"已确认 {done} 条宠物信息。")


@admin.register(MonthlyPoints)
class MonthlyPointsAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Read-only: kept by the ledger services."""

    list_display = ["account", "month", "points"]
    list_filter = [("scheme", related_only), "month"]
    list_select_related = ["account__household__building_group__compound"]
