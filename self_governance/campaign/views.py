"""Public pages of the 和美 campaign: the campaigns, each one's standards, building groups and
their results; contests once their results are published."""

from django.urls import reverse
from django.views.generic import DetailView, ListView

from jinhai.caching import cache_public, row_shown
from jinhai.paging import NearestPageMixin

from . import selectors
from .models import Campaign, Contest


def _campaigns():
    return ("“和美楼组”创建", reverse("campaign:list"))


@cache_public(params=("page",))
class CampaignListView(NearestPageMixin, ListView):
    """Every campaign, newest first, thirty a page (a city's subdistricts each run their own),
    with how many building groups take part."""

    template_name = "self_governance/campaign/list.html"
    context_object_name = "campaigns"
    extra_context = {"crumbs": [("“和美楼组”创建", None)]}

    def get_queryset(self):
        return selectors.campaigns()


def _id_asked(value):
    """A positive id from a query parameter, or None for anything else."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


@cache_public(params=("community", "page"), shows=row_shown(Campaign))
class CampaignDetailView(DetailView):
    """A campaign: its standards and totals, its communities, and a page of one community's
    building groups with their results (`?community=`, or the only community)."""

    template_name = "self_governance/campaign/detail.html"
    context_object_name = "campaign"
    queryset = Campaign.objects.select_related("subdistrict", "community")

    def get_context_data(self, **kwargs):
        campaign = self.object
        page = selectors.campaign_page(
            campaign,
            community_id=_id_asked(self.request.GET.get("community")),
            page=self.request.GET.get("page"),
        )
        chosen = page["chosen_community"]
        return super().get_context_data(
            **page,
            query_prefix=f"community={chosen.pk}&" if chosen else "",
            crumbs=[_campaigns(), (str(campaign), None)],
            **kwargs,
        )


@cache_public(shows=row_shown(Contest))
class ContestDetailView(DetailView):
    template_name = "self_governance/campaign/contest.html"
    context_object_name = "contest"
    # Unpublished results are not there for residents.
    queryset = Contest.objects.filter(published=True).select_related("campaign")

    def get_context_data(self, **kwargs):
        contest = self.object
        rounds, entries = selectors.contest_results(contest)
        return super().get_context_data(
            rounds=rounds,
            entries=entries,
            n_shortlisted=sum(1 for e in entries if e.shortlisted),
            crumbs=[
                _campaigns(),
                (str(contest.campaign), reverse("campaign:detail", args=[contest.campaign_id])),
                (contest.name, None),
            ],
            **kwargs,
        )
