"""Public pages of 自治金: where the money went, per community and year, and each project's
notice (公示). Amounts are public; who proposed a project, who was paid and who moved a status
are not shown."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from communities.models import Community
from jinhai.caching import SITE, Place, cache_public, community_shown, row_shown

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


def _subdistrict_asked(params):
    """`?subdistrict=` as a subdistrict's id, or None for anything that cannot be one."""
    try:
        pk = int(params.get("subdistrict"))
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def _overview_shown(request, kwargs):
    # One subdistrict's list is renewed by its own writes only; the city's by any.
    pk = _subdistrict_asked(request.GET)
    return Place(subdistrict_id=pk) if pk else SITE


@cache_public(params=("year", "subdistrict", "page"), shows=_overview_shown)
class FundOverviewView(FundYearMixin, TemplateView):
    """One year's fund: each subdistrict's allocated, approved, spent and remaining, and with
    `?subdistrict=` (or where there is only one) its communities', 30 a page."""

    template_name = "self_governance/fund/overview.html"

    def get(self, request, *args, **kwargs):
        self.year = self.fund_year()
        pk = _subdistrict_asked(request.GET)
        self.figures = selectors.overview(
            self.year, subdistrict_id=pk, page=request.GET.get("page")
        )
        if self.figures is None:
            # No such subdistrict: the city's page, never cached under a version nobody renews.
            return redirect(f"{reverse('fund:overview')}?year={self.year}")
        self.chosen = pk is not None
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        figures, year = self.figures, self.year
        crumbs = [("自治金项目", None)]
        query = f"year={year}&"
        if self.chosen:
            subdistrict = figures["subdistrict"]
            crumbs = [
                ("自治金项目", f"{reverse('fund:overview')}?year={year}"),
                (subdistrict.name, None),
            ]
            query += f"subdistrict={subdistrict.pk}&"
        return super().get_context_data(
            **figures,
            year=year,
            years=self.years,
            chosen=self.chosen,
            query_prefix=query,
            year_suffix=f"&subdistrict={figures['subdistrict'].pk}" if self.chosen else "",
            crumbs=crumbs,
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
        selectors.with_remaining([community])
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
