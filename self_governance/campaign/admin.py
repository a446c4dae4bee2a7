"""The admin of the 和美 campaign and its contest: standards, enrolment, inspections with their
scores and rectifications, and the contest's shortlist and ranking page."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from jinhai.admin import (
    ScopedAdmin,
    ScopedInline,
    related_only,
)
from jinhai.caching import data_changed
from jinhai.db import subquery_count, subquery_sum

from . import grid, selectors, services
from .models import (
    Campaign,
    CampaignStandard,
    Contest,
    ContestEntry,
    ContestRound,
    Enrollment,
    Inspection,
    InspectionScore,
    Rectification,
    RectificationStatus,
    RoundScore,
)


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
    max_rows = 50
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

    def get_urls(self):
        return [
            path(
                "grid/",
                self.admin_site.admin_view(partial(grid.inspection_grid_view, self)),
                name="self_governance_inspection_grid",
            )
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {}
        if self.has_add_permission(request) and self.has_change_permission(request):
            extra["grid_url"] = reverse("admin:self_governance_inspection_grid")
        return super().changelist_view(request, {**(extra_context or {}), **extra})


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


OVERDUE_PAGE = 100  # rows a page of 整改逾期清单


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
        overdue = (
            self.get_queryset(request)
            .overdue()
            .select_related(
                "inspection__enrollment__building_group__compound__community",
                "inspection__enrollment__campaign",
            )
            .order_by("deadline", "pk")
        )
        # OVERDUE_PAGE a page (a city's superuser has thousands): a count and a page of rows;
        # a page out of range or not a number is the nearest one.
        page = Paginator(overdue, OVERDUE_PAGE).get_page(request.GET.get("p"))
        today = timezone.localdate()
        for row in page:
            row.days_late = (today - row.deadline).days
        context = {
            **self.admin_site.each_context(request),
            "title": "整改逾期清单",
            "opts": self.model._meta,
            "rows": page.object_list,
            "page": page,
            "today": today,
        }
        return TemplateResponse(
            request, "admin/self_governance/rectification/overdue.html", context
        )


class ContestEntryInline(ScopedInline, admin.TabularInline):
    model = ContestEntry
    max_rows = 50
    fields = ["title", "community", "shortlisted", "rank"]
    # Not a list of every community on each of up to 50 rows (600 in a city: a megabyte).
    autocomplete_fields = ["community"]
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
    max_rows = 50
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
