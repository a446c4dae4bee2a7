"""The admin of 自治金. A project's status changes only through its 办理 page, which calls
`services.project_move`; money goes out only through `services.expenditure_add`; allocations are
the street office's."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from communities.signup_admin import SignupAdmin, TakesSignupsAdminMixin
from jinhai.admin import (
    OUT_OF_SCOPE,
    ReadOnlyAdminMixin,
    ScopedAdmin,
    ScopedInline,
    related_only,
    street_level,
)
from jinhai.imports import cells
from jinhai.imports.admin import ScopedImportExportAdmin
from jinhai.scoping import Scope

from . import grid, selectors, services
from .models import (
    NOTICE_DAYS,
    NOTICE_MAX_DAYS,
    SPENDING_STATUSES,
    DiscussionMeeting,
    Expenditure,
    FundAllocation,
    FundProject,
    ProjectMove,
    ProjectStatus,
)
from .participation import MeetingSignup, Opinion, OpinionState
from .resources import FundProjectsResource
from .review_admin import ProposalReviewMixin


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
        return super().has_add_permission(request) and street_level(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and street_level(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not Scope.for_user(request.user).allows(obj):
            raise PermissionDenied(OUT_OF_SCOPE)
        services.allocation_save(allocation=obj)

    def get_urls(self):
        return [
            path(
                "year/",
                self.admin_site.admin_view(partial(grid.allocation_year_view, self)),
                name="self_governance_fundallocation_year",
            )
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {}
        if self.has_add_permission(request) and self.has_change_permission(request):
            extra["year_grid_url"] = reverse("admin:self_governance_fundallocation_year")
        return super().changelist_view(request, {**(extra_context or {}), **extra})


class ProjectMoveInline(ScopedInline, admin.TabularInline):
    model = ProjectMove
    max_rows = 50
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
    max_rows = 50
    formset = MeetingFormSet
    fields = [
        ("topic", "date"),
        ("place", "participants"),
        ("signup_open", "capacity"),
        "minutes",
        "decision",
        ("photo", "photo_public"),
    ]
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
    max_rows = 50
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
    notice_from = forms.DateField(
        label="公示开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="变更为“公示”时填写,默认今天;纸质公示已张贴的,填张贴之日。",
    )
    notice_days = forms.IntegerField(
        label="公示天数",
        required=False,
        min_value=1,
        max_value=NOTICE_MAX_DAYS,
        help_text=f"默认 {NOTICE_DAYS} 天;公示期满后才能立项,期间住户可在网上提意见。",
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
class FundProjectAdmin(ProposalReviewMixin, ScopedImportExportAdmin):
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
        "supports_display",
        "review_display",
    ]
    list_filter = ["year", "status", "review", "category", ("community", related_only)]
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
        ("review_display", "review_note"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_spent().with_supports()

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "amount_approved", "status_actions", "review_display", "review_note"]
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
            ),
            *self.review_urls(),
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
                    notice_from=form.cleaned_data["notice_from"],
                    notice_days=form.cleaned_data["notice_days"],
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
            # Staff weigh every opinion before 立项, published or not.
            "opinions": list(
                project.opinions.select_related(*selectors.HOUSEHOLD_PLACE).order_by("created_at")
            ),
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
class DiscussionMeetingAdmin(TakesSignupsAdminMixin, ScopedAdmin):
    signup_model = MeetingSignup
    list_display = ["date", "topic", "community", "project", "participants", "signups_display"]
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
        return super().has_delete_permission(request, obj) and street_level(request)

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


class OpinionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label="审核结果",
        choices=[("publish", "公开(连同答复)"), ("withhold", "不予公开")],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Opinion
        fields = ["reply"]


@admin.register(Opinion)
class OpinionAdmin(ScopedAdmin):
    """Households' opinions on notices (公示意见): staff publish each, with a public reply if they
    like, or withhold it. Every decision goes through `services.opinion_moderate`."""

    form = OpinionForm
    list_display = ["created_at", "project", "excerpt", "place", "state", "moderated_by"]
    list_filter = ["state", ("project__community", related_only)]
    list_select_related = ["project", "moderated_by", *selectors.HOUSEHOLD_PLACE]
    search_fields = ["text", "project__title"]
    raw_id_fields = ["project"]
    fields = ["project", "place", "created_at", "text", "state", "decision", "reply"]
    readonly_fields = ["project", "place", "created_at", "text", "state"]
    actions = ["publish", "withhold"]

    def has_add_permission(self, request):
        return False  # households write opinions, on 我的

    @admin.display(description="意见")
    def excerpt(self, obj):
        return obj.text if len(obj.text) <= 40 else f"{obj.text[:40]}…"

    @admin.display(description="住户所在")
    def place(self, obj):
        return selectors.household_place(obj.household)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and obj.state == OpinionState.WITHHELD:
            form.base_fields["decision"].initial = "withhold"
        return form

    def save_model(self, request, obj, form, change):
        try:
            services.opinion_moderate(
                opinion=obj,
                by=request.user,
                publish=form.cleaned_data["decision"] == "publish",
                reply=form.cleaned_data["reply"],
            )
        except ValidationError as exc:
            raise PermissionDenied(";".join(exc.messages)) from None

    def _decide(self, request, queryset, publish):
        done = 0
        for opinion in queryset:
            services.opinion_moderate(opinion=opinion, by=request.user, publish=publish)
            done += 1
        self.message_user(request, f"已{'公开' if publish else '不予公开'} {done} 条意见。")

    @admin.action(description="公开所选意见(不加答复)", permissions=["change"])
    def publish(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="所选意见不予公开", permissions=["change"])
    def withhold(self, request, queryset):
        self._decide(request, queryset, False)


@admin.register(MeetingSignup)
class MeetingSignupAdmin(SignupAdmin):
    """Who signed up for a meeting (报名) and, after it, who came."""
