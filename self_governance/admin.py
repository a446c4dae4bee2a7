from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from jinhai.admin import (
    OUT_OF_SCOPE,
    AppendOnlyAdminMixin,
    ReadOnlyAdminMixin,
    ScopedAdmin,
    ScopedInline,
    check_in_scope,
)
from jinhai.caching import data_changed
from jinhai.db import subquery_count, subquery_sum
from jinhai.imports import cells
from jinhai.imports.admin import ScopedImportExportAdmin
from jinhai.scoping import Scope

from . import selectors, services
from .models import (
    SPENDING_STATUSES,
    Account,
    AgreementScheme,
    Campaign,
    CampaignStandard,
    Contest,
    ContestEntry,
    ContestRound,
    DiscussionMeeting,
    Enrollment,
    Expenditure,
    FundAllocation,
    FundProject,
    Inspection,
    InspectionScore,
    MonthlyPoints,
    Pet,
    PointEntry,
    ProjectMove,
    ProjectStatus,
    Rectification,
    RectificationStatus,
    Redemption,
    Reward,
    RoundScore,
    Rule,
)
from .resources import FundProjectsResource, PointsResource

related_only = admin.RelatedOnlyFieldListFilter


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
    fields = ["code", "description", "points", "monthly_cap", "version", "is_current"]
    readonly_fields = ["version", "is_current"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).current()


class RewardInline(ScopedInline, admin.TabularInline):
    model = Reward
    fields = ["name", "cost", "stock"]
    extra = 0


@admin.register(AgreementScheme)
class AgreementSchemeAdmin(ScopedAdmin):
    list_display = ["name", "community", "kind", "status", "start", "end"]
    list_filter = ["kind", "status", ("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["name", "text", "community__name"]
    autocomplete_fields = ["community"]
    filter_horizontal = ["compounds"]
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


class PetInline(ScopedInline, admin.TabularInline):
    model = Pet
    fields = ["name", "kind", "registered_on", "vaccinated_on"]
    extra = 0


class RecordPointsForm(forms.Form):
    rule = forms.ModelChoiceField(queryset=Rule.objects.none(), label="细则")
    date = forms.DateField(label="日期", initial=timezone.localdate)
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = rules


@admin.register(Account)
class AccountAdmin(ScopedAdmin):
    list_display = ["__str__", "scheme", "kind", "balance"]
    list_filter = ["kind", ("scheme", related_only)]
    list_select_related = ["scheme", "building_group__compound"]
    search_fields = ["room", "shop_name", "building_group__name", "building_group__compound__name"]
    autocomplete_fields = ["scheme", "building_group", "street_zone"]
    readonly_fields = ["balance"]
    inlines = [PetInline]
    actions = ["record_points"]

    def has_delete_permission(self, request, obj=None):
        # An account with entries is history; PROTECT would refuse, so don't offer it.
        return False

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
    list_select_related = ["account__building_group__compound", "rule", "recorded_by", "reverses"]
    search_fields = ["account__room", "account__shop_name", "rule__code", "note"]
    autocomplete_fields = ["account", "rule"]
    date_hierarchy = "date"
    actions = ["reverse_entries"]

    # The ledger is append-only: an entry's page is for reading; corrections are reversals.

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
    list_select_related = ["account__building_group__compound", "reward", "recorded_by"]
    search_fields = ["account__room", "account__shop_name", "reward__name"]
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
    list_display = ["name", "kind", "account", "registered_on", "vaccinated_on"]
    list_filter = ["kind"]
    list_select_related = ["account__building_group__compound"]
    search_fields = ["name", "account__room"]
    autocomplete_fields = ["account"]


@admin.register(MonthlyPoints)
class MonthlyPointsAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Read-only: kept by the ledger services."""

    list_display = ["account", "month", "points"]
    list_filter = [("scheme", related_only), "month"]
    list_select_related = ["account__building_group__compound"]


# 自治金. A project's status changes only through its 办理 page, which calls
# `services.project_move`; money goes out only through `services.expenditure_add`.


def _street_level(request) -> bool:
    """Street staff and superusers; not a community's own staff."""
    return not Scope.for_user(request.user).is_community_level


def _yuan(value) -> str:
    return "—" if value is None else services.yuan(value)


@admin.register(FundAllocation)
class FundAllocationAdmin(ScopedAdmin):
    """Allocations are set by the street office; community staff read theirs with the figures."""

    list_display = ["community", "year", "allocated", "approved", "spent", "remaining"]
    list_filter = ["year", ("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["community__name", "note"]
    autocomplete_fields = ["community"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_figures()

    def get_readonly_fields(self, request, obj=None):
        # Approved projects count against this community and year: those stay put.
        return ["community", "year"] if obj is not None else []

    @admin.display(description="下达金额(元)", ordering="amount")
    def allocated(self, obj):
        return _yuan(obj.amount)

    @admin.display(description="已批准(元)", ordering="approved")
    def approved(self, obj):
        return _yuan(obj.approved)

    @admin.display(description="已支出(元)", ordering="spent")
    def spent(self, obj):
        return _yuan(obj.spent)

    @admin.display(description="余额(元)", ordering="remaining")
    def remaining(self, obj):
        return _yuan(obj.remaining)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and _street_level(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _street_level(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not Scope.for_user(request.user).allows(obj):
            raise PermissionDenied(OUT_OF_SCOPE)
        services.allocation_save(allocation=obj)


class ProjectMoveInline(ScopedInline, admin.TabularInline):
    model = ProjectMove
    fields = ["at", "from_status", "to_status", "approved_amount", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MeetingFormSet(forms.BaseInlineFormSet):
    """A meeting recorded on a project's page belongs to the project's community."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.community_id = self.instance.community_id
        return form

    def save_new(self, form, commit=True):
        form.instance.community_id = self.instance.community_id
        return super().save_new(form, commit)


class DiscussionMeetingInline(ScopedInline, admin.StackedInline):
    model = DiscussionMeeting
    formset = MeetingFormSet
    fields = [("topic", "date"), ("place", "participants"), "minutes", "decision", "photo"]
    extra = 0
    can_delete = False


class ExpenditureForm(forms.ModelForm):
    class Meta:
        model = Expenditure
        fields = ["project", "date", "amount", "payee", "purpose", "receipt"]

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        if project is not None and data.get("amount"):
            # Early and friendly; the service checks again with the project row locked.
            services.check_spending(project=project, amount=data["amount"])
        return data


class ExpenditureInline(ScopedInline, admin.TabularInline):
    """Existing payments are read-only; new ones go through `expenditure_add`."""

    model = Expenditure
    form = ExpenditureForm
    fields = ["date", "amount", "payee", "purpose", "receipt", "recorded_by"]
    readonly_fields = ["recorded_by"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        spending = obj is not None and obj.status in SPENDING_STATUSES
        return spending and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False


class ProjectMoveForm(forms.Form):
    # Every status is a choice: what may follow what is the service's business, so that a
    # crafted POST meets the same rule and the same message as the buttons.
    to = forms.ChoiceField(label="变更为", choices=ProjectStatus.choices)
    approved_amount = forms.CharField(
        label="批准金额(元)",
        required=False,
        help_text="立项时填写,如 12000、1.2万 或 12,000元;其他步骤留空。",
    )
    note = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Offer the next steps only; anything else posted still reaches the service.
        self.fields["to"].widget.choices = [(s, ProjectStatus(s).label) for s in allowed]

    def clean_approved_amount(self):
        # The same reading of amounts as the imports: 12000, 1.2万, 12,000元.
        try:
            return cells.amount(self.cleaned_data["approved_amount"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(FundProject)
class FundProjectAdmin(ScopedImportExportAdmin):
    resource_classes = [FundProjectsResource]
    list_display = [
        "title",
        "community",
        "compound",
        "year",
        "category",
        "status",
        "amount_requested",
        "amount_approved",
        "spent_display",
    ]
    list_filter = ["year", "status", "category", ("community", related_only)]
    list_select_related = ["community", "compound"]
    search_fields = ["title", "proposer", "description", "community__name"]
    autocomplete_fields = ["community", "compound"]
    inlines = [DiscussionMeetingInline, ExpenditureInline, ProjectMoveInline]
    fields = [
        ("community", "compound"),
        ("year", "category"),
        "title",
        "proposer",
        "description",
        ("amount_requested", "amount_approved"),
        "status",
        "status_actions",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_spent()

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "amount_approved", "status_actions"]
        if obj is not None and obj.is_funded:
            # Approved money is counted against this community, year and request.
            fixed += ["community", "year", "amount_requested"]
        return fixed

    @admin.display(description="已支出(元)", ordering="spent")
    def spent_display(self, obj):
        return _yuan(obj.spent)

    @admin.display(description="办理")
    def status_actions(self, obj):
        if obj is None or obj.pk is None:
            return "保存后可在此办理状态变更。"
        moves = services.allowed_moves(obj.status)
        if not moves:
            return f"已{obj.get_status_display()},不再变更。"
        url = reverse("admin:self_governance_fundproject_move", args=[obj.pk])
        return format_html_join(
            " ",
            '<a class="button" href="{}?to={}">变更为“{}”</a>',
            ((url, status, ProjectStatus(status).label) for status in moves),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/move/",
                self.admin_site.admin_view(self.move_view),
                name="self_governance_fundproject_move",
            )
        ] + super().get_urls()

    def move_view(self, request, pk):
        project = self.get_object(request, str(pk))
        if not self.has_change_permission(request, project):
            raise PermissionDenied
        allowed = services.allowed_moves(project.status)
        initial = {"to": request.GET.get("to", "")}
        form = ProjectMoveForm(request.POST or None, initial=initial, allowed=allowed)
        if request.method == "POST" and form.is_valid():
            try:
                move = services.project_move(
                    project=project,
                    to=form.cleaned_data["to"],
                    by=request.user,
                    note=form.cleaned_data["note"],
                    approved_amount=form.cleaned_data["approved_amount"],
                )
            except ValidationError as exc:
                self.message_user(request, "状态未变更:" + ";".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request, f"“{project.title}”已变更为“{move.get_to_status_display()}”。"
                )
                return redirect("admin:self_governance_fundproject_change", project.pk)
        allocation = (
            FundAllocation.objects.filter(community=project.community_id, year=project.year)
            .with_figures()
            .first()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"办理状态:{project.title}",
            "opts": self.model._meta,
            "original": project,
            "form": form,
            "allowed": [ProjectStatus(s) for s in allowed],
            "allocation": allocation,
            "n_meetings": project.meetings.count(),
            "spent": selectors.spent(project),
        }
        return TemplateResponse(request, "admin/self_governance/fundproject/move.html", context)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Expenditure:
            return super().save_formset(request, form, formset, change)
        created = []
        for inline_form in formset.extra_forms:
            if not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            created.append(
                services.expenditure_add(
                    project=formset.instance,
                    date=data["date"],
                    amount=data["amount"],
                    payee=data["payee"],
                    purpose=data["purpose"],
                    receipt=data.get("receipt"),
                    by=request.user,
                )
            )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = created, [], []


@admin.register(ProjectMove)
class ProjectMoveAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Read-only: the history `project_move` writes."""

    list_display = ["at", "project", "from_status", "to_status", "approved_amount", "by"]
    list_filter = ["to_status", ("project__community", related_only)]
    list_select_related = ["project", "by"]
    search_fields = ["project__title", "note"]
    date_hierarchy = "at"


@admin.register(DiscussionMeeting)
class DiscussionMeetingAdmin(ScopedAdmin):
    list_display = ["date", "topic", "community", "project", "participants"]
    list_filter = [("community", related_only), "date"]
    list_select_related = ["community", "project"]
    search_fields = ["topic", "place", "decision", "project__title", "community__name"]
    autocomplete_fields = ["community", "project"]
    date_hierarchy = "date"


@admin.register(Expenditure)
class ExpenditureAdmin(ScopedAdmin):
    form = ExpenditureForm
    list_display = ["date", "project", "amount", "purpose", "payee", "recorded_by"]
    list_filter = [("project__community", related_only), "date"]
    list_select_related = ["project", "recorded_by"]
    search_fields = ["project__title", "purpose", "payee"]
    autocomplete_fields = ["project"]
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        # A payment is not edited; a wrong one is removed by street staff and entered again.
        return False

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _street_level(request)

    def save_model(self, request, obj, form, change):
        if not Scope.for_user(request.user).allows(obj):
            raise PermissionDenied(OUT_OF_SCOPE)
        expenditure = services.expenditure_add(
            project=obj.project,
            date=obj.date,
            amount=obj.amount,
            payee=obj.payee,
            purpose=obj.purpose,
            receipt=obj.receipt,
            by=request.user,
        )
        obj.pk = expenditure.pk


# 和美楼组 campaign and its contest.


class CampaignStandardInline(ScopedInline, admin.TabularInline):
    model = CampaignStandard
    fields = ["name", "description", "max_score", "sort_order"]
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    list_display = ["__str__", "organised_by", "n_enrolled"]
    list_filter = ["year", ("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["community"]
    inlines = [CampaignStandardInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n=subquery_count(Enrollment.objects.filter(campaign=OuterRef("pk"))))
        )

    @admin.display(description="组织", ordering="community__name")
    def organised_by(self, obj):
        return obj.community.name if obj.community_id else "街道"

    @admin.display(description="参创楼组", ordering="n")
    def n_enrolled(self, obj):
        return obj.n


@admin.register(CampaignStandard)
class CampaignStandardAdmin(ScopedAdmin):
    list_display = ["name", "campaign", "max_score", "sort_order"]
    list_filter = [("campaign", related_only)]
    list_select_related = ["campaign"]
    search_fields = ["name", "description", "campaign__name"]
    autocomplete_fields = ["campaign"]


@admin.register(Enrollment)
class EnrollmentAdmin(ScopedAdmin):
    list_display = ["building_group", "campaign", "community_name", "enrolled_on"]
    list_filter = [("campaign", related_only), ("building_group__compound", related_only)]
    list_select_related = ["campaign", "building_group__compound__community"]
    search_fields = [
        "building_group__name",
        "building_group__compound__name",
        "building_group__compound__community__name",
    ]
    autocomplete_fields = ["campaign", "building_group"]

    @admin.display(description="社区", ordering="building_group__compound__community__name")
    def community_name(self, obj):
        return obj.building_group.compound.community.name


class ScoresFormSet(forms.BaseInlineFormSet):
    """Standards offered and accepted are those of the campaign the building group is in."""

    def _campaign_id(self):
        inspection = self.instance
        return inspection.enrollment.campaign_id if inspection.enrollment_id else None

    def _limit(self, form):
        campaign_id = self._campaign_id()
        if campaign_id and "standard" in form.fields:
            field = form.fields["standard"]
            field.queryset = field.queryset.filter(campaign_id=campaign_id)
        return form

    def _construct_form(self, i, **kwargs):
        return self._limit(super()._construct_form(i, **kwargs))

    @property
    def empty_form(self):
        return self._limit(super().empty_form)

    def clean(self):
        super().clean()
        campaign_id = self._campaign_id()
        for form in self.forms:
            standard = getattr(form, "cleaned_data", {}).get("standard")
            if standard is not None and campaign_id and standard.campaign_id != campaign_id:
                raise ValidationError("标准项须属于该楼组参加的创建活动。")


class InspectionScoreInline(ScopedInline, admin.TabularInline):
    model = InspectionScore
    formset = ScoresFormSet
    fields = ["standard", "score"]
    extra = 0


class RectificationInline(ScopedInline, admin.TabularInline):
    model = Rectification
    fields = ["finding", "deadline", "status", "done_on", "before_photo", "after_photo"]
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(ScopedAdmin):
    list_display = ["enrollment", "kind", "date", "total", "n_open"]
    list_filter = ["kind", ("enrollment__campaign", related_only), "date"]
    list_select_related = ["enrollment__building_group__compound"]
    search_fields = [
        "enrollment__building_group__name",
        "enrollment__building_group__compound__name",
        "inspector",
        "findings",
    ]
    autocomplete_fields = ["enrollment"]
    date_hierarchy = "date"
    inlines = [InspectionScoreInline, RectificationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                total_score=subquery_sum(
                    InspectionScore.objects.filter(inspection=OuterRef("pk")),
                    "score",
                    models.DecimalField(max_digits=7, decimal_places=1),
                ),
                n_open=subquery_count(
                    Rectification.objects.open().filter(inspection=OuterRef("pk"))
                ),
            )
        )

    @admin.display(description="总分", ordering="total_score")
    def total(self, obj):
        return obj.total_score

    @admin.display(description="未完成整改", ordering="n_open")
    def n_open(self, obj):
        return obj.n_open


@admin.register(InspectionScore)
class InspectionScoreAdmin(ScopedAdmin):
    list_display = ["inspection", "standard", "score"]
    list_filter = [("standard", related_only)]
    list_select_related = ["inspection__enrollment__building_group__compound", "standard"]
    search_fields = [
        "inspection__enrollment__building_group__name",
        "inspection__enrollment__building_group__compound__name",
        "standard__name",
    ]
    autocomplete_fields = ["inspection", "standard"]


class OverdueFilter(admin.SimpleListFilter):
    title = "是否逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已逾期")]

    def queryset(self, request, queryset):
        return queryset.overdue() if self.value() == "yes" else queryset


@admin.register(Rectification)
class RectificationAdmin(ScopedAdmin):
    list_display = ["finding", "building_group", "deadline", "status", "done_on", "overdue"]
    list_filter = [OverdueFilter, "status", ("inspection__enrollment__campaign", related_only)]
    list_select_related = ["inspection__enrollment__building_group__compound"]
    search_fields = [
        "finding",
        "inspection__enrollment__building_group__name",
        "inspection__enrollment__building_group__compound__name",
    ]
    autocomplete_fields = ["inspection"]
    date_hierarchy = "deadline"
    actions = ["mark_done_today"]

    @admin.display(description="楼组")
    def building_group(self, obj):
        return obj.inspection.enrollment.building_group

    @admin.display(description="逾期", boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    @admin.action(description="所选整改标记为今天已完成", permissions=["change"])
    def mark_done_today(self, request, queryset):
        done = queryset.open().update(status=RectificationStatus.DONE, done_on=timezone.localdate())
        data_changed()  # update() sends no post_save
        self.message_user(request, f"已将 {done} 项整改标记为完成。")

    def get_urls(self):
        return [
            path(
                "overdue/",
                self.admin_site.admin_view(self.overdue_view),
                name="self_governance_rectification_overdue",
            )
        ] + super().get_urls()

    def overdue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = list(
            self.get_queryset(request)
            .overdue()
            .select_related(
                "inspection__enrollment__building_group__compound__community",
                "inspection__enrollment__campaign",
            )
            .order_by("deadline", "pk")
        )
        today = timezone.localdate()
        for row in rows:
            row.days_late = (today - row.deadline).days
        context = {
            **self.admin_site.each_context(request),
            "title": "整改逾期清单",
            "opts": self.model._meta,
            "rows": rows,
            "today": today,
        }
        return TemplateResponse(
            request, "admin/self_governance/rectification/overdue.html", context
        )


class ContestEntryInline(ScopedInline, admin.TabularInline):
    model = ContestEntry
    fields = ["title", "community", "shortlisted", "rank"]
    extra = 0


class ContestRoundInline(ScopedInline, admin.TabularInline):
    model = ContestRound
    fields = ["name", "order"]
    extra = 0


class ContestResultsForm(forms.Form):
    contest_round = forms.ModelChoiceField(
        queryset=ContestRound.objects.none(), label="按哪一轮的成绩"
    )
    count = forms.IntegerField(
        label="入围数量", min_value=1, required=False, help_text="选出入围节目时填写,如 9。"
    )

    def __init__(self, *args, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contest_round"].queryset = rounds


@admin.register(Contest)
class ContestAdmin(ScopedAdmin):
    list_display = [
        "name",
        "campaign",
        "date",
        "published",
        "n_entries",
        "n_shortlisted",
        "results",
    ]
    list_filter = ["published", ("campaign", related_only)]
    list_select_related = ["campaign"]
    search_fields = ["name", "campaign__name"]
    autocomplete_fields = ["campaign"]
    inlines = [ContestEntryInline, ContestRoundInline]

    def get_queryset(self, request):
        entries = ContestEntry.objects.filter(contest=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_entries=subquery_count(entries),
                n_shortlisted=subquery_count(entries.filter(shortlisted=True)),
            )
        )

    @admin.display(description="节目数", ordering="n_entries")
    def n_entries(self, obj):
        return obj.n_entries

    @admin.display(description="入围", ordering="n_shortlisted")
    def n_shortlisted(self, obj):
        return obj.n_shortlisted

    @admin.display(description="评定")
    def results(self, obj):
        url = reverse("admin:self_governance_contest_results", args=[obj.pk])
        return format_html('<a href="{}">入围与排名</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:pk>/results/",
                self.admin_site.admin_view(self.results_view),
                name="self_governance_contest_results",
            )
        ] + super().get_urls()

    def results_view(self, request, pk):
        contest = self.get_object(request, str(pk))
        if not self.has_change_permission(request, contest):
            raise PermissionDenied
        form = ContestResultsForm(request.POST or None, rounds=contest.rounds.order_by("order"))
        if request.method == "POST" and form.is_valid():
            contest_round = form.cleaned_data["contest_round"]
            try:
                if "shortlist" in request.POST:
                    count = form.cleaned_data["count"]
                    if not count:
                        raise ValidationError("请填写入围数量。")
                    chosen = services.contest_shortlist(
                        contest=contest, contest_round=contest_round, count=count
                    )
                    self.message_user(
                        request, f"已按{contest_round.name}成绩选出 {len(chosen)} 个入围节目。"
                    )
                else:
                    ranked = services.contest_rank(contest=contest, contest_round=contest_round)
                    self.message_user(
                        request, f"已按{contest_round.name}成绩排定 {len(ranked)} 个名次。"
                    )
                return redirect("admin:self_governance_contest_change", contest.pk)
            except ValidationError as exc:
                self.message_user(request, "未改变:" + ";".join(exc.messages), messages.ERROR)
        rounds, entries = selectors.contest_results(contest)
        context = {
            **self.admin_site.each_context(request),
            "title": f"入围与排名:{contest.name}",
            "opts": self.model._meta,
            "original": contest,
            "form": form,
            "rounds": rounds,
            "entries": entries,
        }
        return TemplateResponse(request, "admin/self_governance/contest/results.html", context)


@admin.register(ContestEntry)
class ContestEntryAdmin(ScopedAdmin):
    list_display = ["title", "contest", "community", "shortlisted", "rank"]
    list_filter = ["shortlisted", ("contest", related_only), ("community", related_only)]
    list_select_related = ["contest", "community"]
    search_fields = ["title", "community__name"]
    autocomplete_fields = ["contest", "community"]


class RoundScoreInline(ScopedInline, admin.TabularInline):
    model = RoundScore
    fields = ["entry", "score"]
    autocomplete_fields = ["entry"]
    extra = 0


@admin.register(ContestRound)
class ContestRoundAdmin(ScopedAdmin):
    list_display = ["name", "contest", "order"]
    list_filter = [("contest", related_only)]
    list_select_related = ["contest"]
    search_fields = ["name", "contest__name"]
    autocomplete_fields = ["contest"]
    inlines = [RoundScoreInline]


@admin.register(RoundScore)
class RoundScoreAdmin(ScopedAdmin):
    list_display = ["entry", "round", "score"]
    list_filter = [("round", related_only)]
    list_select_related = ["entry", "round"]
    search_fields = ["entry__title", "round__name"]
    autocomplete_fields = ["round", "entry"]
