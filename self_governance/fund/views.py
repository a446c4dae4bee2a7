"""Public pages of 自治金: where the money went, per community and year, and each project's
notice (公示). Amounts are public; who proposed a project, who was paid and who moved a status
are not shown."""

from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from communities.models import Community
from jinhai.caching import cache_public, community_shown, row_shown

from . import selectors
from .models import FundProject, ProjectStatus


def _community_crumbs(community):
    return [
        ("社区", reverse("communities:list")),
        (community.name, reverse("communities:detail", args=[community.pk])),
    ]


class FundYearMixin:
    """`?year=` among the years with an allocation; anything else is the latest such year."""

    def fund_year(self):
        self.years = selectors.fund_years()
        fallback = self.years[0] if self.years else timezone.localdate().year
        try:
            year = int(self.request.GET.get("year"))
        except (TypeError, ValueError):
            return fallback
        return year if year in self.years else fallback


@cache_public(params=("year",))
class FundOverviewView(FundYearMixin, TemplateView):
    """Every community's allocation, approved, spent and remaining for one year."""

    template_name = "self_governance/fund/overview.html"

    def get_context_data(self, **kwargs):
        year = self.fund_year()
        return super().get_context_data(
            **selectors.overview(year),
            year=year,
            years=self.years,
            crumbs=[("自治金项目", None)],
            **kwargs,
        )


@cache_public(params=("year", "status"), shows=community_shown("pk"))
class FundCommunityView(FundYearMixin, DetailView):
    """One community's fund for a year: the figures, its projects by status, each with the
    timeline of its meetings and status moves and what was paid; and the general 说事会."""

    template_name = "self_governance/fund/community.html"
    context_object_name = "community"

    def get_queryset(self):
        self.year = self.fund_year()
        return selectors.community_fund_figures(
            Community.objects.select_related("subdistrict"), self.year
        )

    def get_context_data(self, **kwargs):
        community = self.object
        status = self.request.GET.get("status")
        status = status if status in ProjectStatus.values else None
        return super().get_context_data(
            **selectors.community_year(community, self.year, status),
            year=self.year,
            years=self.years,
            status=status,
            url=reverse("fund:community", args=[community.pk]),
            crumbs=[*_community_crumbs(community), ("自治金项目", None)],
            **kwargs,
        )


@cache_public(shows=row_shown(FundProject))
class FundProjectView(DetailView):
    """One project's public notice (公示), fit to print and pin up: what is proposed and approved,
    each status move with its date, the discussion meetings, what has been paid, and whom to call
    with a comment."""

    template_name = "self_governance/fund/project.html"
    context_object_name = "project"
    queryset = selectors.with_history(
        FundProject.objects.reviewed()
        .select_related("community__subdistrict", "compound", *selectors.HOUSEHOLD_PLACE)
        .with_supports()
        .with_opinions()
    )

    def get_context_data(self, **kwargs):
        project = self.object
        fund_url = reverse("fund:community", args=[project.community_id]) + f"?year={project.year}"
        project.proposed_by = selectors.household_place(project.household)
        return super().get_context_data(
            **selectors.notice(project),
            fund_url=fund_url,
            crumbs=[
                *_community_crumbs(project.community),
                ("自治金项目", fund_url),
                (project.title, None),
            ],
            **kwargs,
        )
