import datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, ListView

from communities.models import Community
from jinhai.caching import cache_public
from jinhai.db import subquery_count
from jinhai.sorting import pinyin_key

from . import selectors
from .models import (
    PROJECT_PATH,
    Account,
    AgreementScheme,
    Campaign,
    Contest,
    DiscussionMeeting,
    Expenditure,
    FundProject,
    InspectionKind,
    ProjectMove,
    ProjectStatus,
)


@cache_public
class SchemeListView(ListView):
    template_name = "self_governance/scheme_list.html"
    context_object_name = "schemes"

    def get_queryset(self):
        schemes = AgreementScheme.objects.public().select_related("community")
        if "community" in self.kwargs:
            self.community = get_object_or_404(Community, pk=self.kwargs["community"])
            schemes = schemes.filter(community=self.community)
        return schemes.annotate(
            n_accounts=subquery_count(Account.objects.filter(scheme=OuterRef("pk")))
        ).order_by("community__sort_order", "name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = getattr(self, "community", None)
        context["community"] = community
        context["crumbs"] = (
            [("美丽约定", reverse("self_governance:list")), (community.name, None)]
            if community
            else [("美丽约定", None)]
        )
        return context


def _month(value):
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


@cache_public
class SchemeDetailView(DetailView):
    """A scheme's text and rules, its monthly chart and the month's leaderboards."""

    template_name = "self_governance/scheme_detail.html"
    context_object_name = "scheme"

    def get_queryset(self):
        return AgreementScheme.objects.public().select_related("community")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scheme = self.object
        months = selectors.months(scheme)
        available = [m for m, _ in months]
        month = _month(self.request.GET.get("month"))
        if month not in available:
            month = available[-1] if available else None
        context.update(
            rules=list(scheme.rules.current().order_by("code")),
            months=months,
            peak=max((p for _, p in months), default=0),
            month=month,
            crumbs=[("美丽约定", reverse("self_governance:list")), (scheme.name, None)],
        )
        if month is not None:
            context.update(
                households=selectors.top_households(scheme, month),
                groups=selectors.top_building_groups(scheme, month),
                shops=selectors.top_shops(scheme, month),
                by_rule=selectors.totals_by_rule(scheme, month),
            )
        return context


# 自治金: where the money went, per community and year. Amounts are public; who proposed a
# project, who was paid and who moved a status are not shown.


def _year(value, years, default):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if year in years else default


class FundYearMixin:
    def fund_year(self):
        self.years = selectors.fund_years()
        fallback = self.years[0] if self.years else timezone.localdate().year
        return _year(self.request.GET.get("year"), self.years, fallback)


@cache_public
class FundOverviewView(FundYearMixin, ListView):
    """Every community's allocation, approved, spent and remaining for one year."""

    template_name = "self_governance/fund_overview.html"
    context_object_name = "communities"

    def get_queryset(self):
        self.year = self.fund_year()
        return selectors.community_fund_figures(
            Community.objects.select_related("subdistrict"), self.year
        ).order_by("subdistrict__name", "sort_order", "name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["communities"]
        context.update(
            year=self.year,
            years=self.years,
            totals={
                name: sum((getattr(c, name) for c in rows), Decimal(0))
                for name in ("allocated", "approved", "spent", "remaining")
            },
            campaigns=list(Campaign.objects.select_related("community").order_by("-year", "name")),
            crumbs=[("自治金项目", None)],
        )
        return context


@cache_public
class FundCommunityView(FundYearMixin, DetailView):
    """One community's fund for a year: the figures, its projects by status, each with the
    timeline of its meetings and status moves and what was paid; and the general 说事会."""

    template_name = "self_governance/fund_community.html"
    context_object_name = "community"

    def get_queryset(self):
        self.year = self.fund_year()
        return selectors.community_fund_figures(
            Community.objects.select_related("subdistrict"), self.year
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.object
        projects = FundProject.objects.filter(community=community, year=self.year)
        counts = dict(
            projects.order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        status = self.request.GET.get("status")
        if status in ProjectStatus.values:
            projects = projects.filter(status=status)
        else:
            status = None
        projects = list(
            projects.select_related("compound")
            .with_spent()
            .prefetch_related(
                Prefetch("meetings", queryset=DiscussionMeeting.objects.order_by("date", "pk")),
                Prefetch("moves", queryset=ProjectMove.objects.order_by("at", "pk")),
                Prefetch("expenditures", queryset=Expenditure.objects.order_by("date", "pk")),
            )
            .order_by("title")
        )
        # Along the path (征集 first), then the rejected ones; by title in pinyin order.
        order = {s: i for i, s in enumerate([*PROJECT_PATH, ProjectStatus.REJECTED])}
        projects.sort(key=lambda p: (order[p.status], pinyin_key(p.title)))
        for project in projects:
            project.timeline = selectors.project_timeline(project)
        url = reverse("self_governance:fund_community", args=[community.pk])
        context.update(
            year=self.year,
            years=self.years,
            status=status,
            statuses=[
                (ProjectStatus(s), counts.get(s, 0))
                for s in [*PROJECT_PATH, ProjectStatus.REJECTED]
                if counts.get(s)
            ],
            n_projects=sum(counts.values()),
            projects=projects,
            general_meetings=list(
                DiscussionMeeting.objects.filter(
                    community=community, project__isnull=True, date__year=self.year
                ).order_by("-date", "pk")
            ),
            url=url,
            crumbs=[
                ("社区", reverse("communities:list")),
                (community.name, reverse("communities:detail", args=[community.pk])),
                ("自治金项目", None),
            ],
        )
        return context


@cache_public
class FundProjectView(DetailView):
    """One project's public notice (公示), fit to print and pin up: what is proposed and approved,
    each status move with its date, the discussion meetings, what has been paid, and whom to call
    with a comment. Like the community's page: amounts are public; proposers, payees and staff
    are not shown."""

    template_name = "self_governance/fund_project.html"
    context_object_name = "project"
    queryset = (
        FundProject.objects.select_related("community__subdistrict", "compound")
        .with_spent()
        .prefetch_related(
            Prefetch("meetings", queryset=DiscussionMeeting.objects.order_by("date", "pk")),
            Prefetch("moves", queryset=ProjectMove.objects.order_by("at", "pk")),
            Prefetch("expenditures", queryset=Expenditure.objects.order_by("date", "pk")),
        )
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.object
        community = project.community
        project.timeline = selectors.project_timeline(project)
        publicised = [
            date
            for date, kind, item in project.timeline
            if kind == "move" and item.to_status == ProjectStatus.PUBLICISING
        ]
        dates = [date for date, _, _ in project.timeline]
        dates += [payment.date for payment in project.expenditures.all()]
        fund_url = reverse("self_governance:fund_community", args=[community.pk])
        context.update(
            publicised_on=publicised[-1] if publicised else None,
            updated_on=max(dates, default=None),
            fund_url=f"{fund_url}?year={project.year}",
            crumbs=[
                ("社区", reverse("communities:list")),
                (community.name, reverse("communities:detail", args=[community.pk])),
                ("自治金项目", f"{fund_url}?year={project.year}"),
                (project.title, None),
            ],
        )
        return context


# 和美楼组: the campaign's standards, its building groups and their results; contests once
# their results are published.


@cache_public
class CampaignDetailView(DetailView):
    template_name = "self_governance/campaign_detail.html"
    context_object_name = "campaign"
    queryset = Campaign.objects.select_related("subdistrict", "community")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        standards = list(campaign.standards.order_by("sort_order", "pk"))
        enrollments = selectors.enrollment_results(campaign)
        context.update(
            standards=standards,
            full_marks=sum(s.max_score for s in standards),
            enrollments=enrollments,
            kinds=list(InspectionKind),
            n_compounds=len({e.building_group.compound_id for e in enrollments}),
            fixes={
                name: sum(e.fixes[name] for e in enrollments)
                for name in ("done", "open", "overdue")
            },
            contests=list(campaign.contests.filter(published=True).order_by("date", "name")),
            crumbs=[("自治金项目", reverse("self_governance:fund")), (str(campaign), None)],
        )
        return context


@cache_public
class ContestDetailView(DetailView):
    template_name = "self_governance/contest_detail.html"
    context_object_name = "contest"
    # Unpublished results are not there for residents.
    queryset = Contest.objects.filter(published=True).select_related("campaign")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contest = self.object
        rounds, entries = selectors.contest_results(contest)
        context.update(
            rounds=rounds,
            entries=entries,
            n_shortlisted=sum(1 for e in entries if e.shortlisted),
            crumbs=[
                ("自治金项目", reverse("self_governance:fund")),
                (
                    str(contest.campaign),
                    reverse("self_governance:campaign", args=[contest.campaign_id]),
                ),
                (contest.name, None),
            ],
        )
        return context
