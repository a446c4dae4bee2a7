"""Public pages of the 和美 campaign: the campaigns, each one's standards, building groups and
their results; contests once their results are published."""

from django.urls import reverse
from django.views.generic import DetailView, ListView

from jinhai.caching import cache_public, row_shown

from . import selectors
from .models import Campaign, Contest


def _campaigns():
    return ("“和美楼组”创建", reverse("campaign:list"))


@cache_public
class CampaignListView(ListView):
    """Every campaign, newest first, with how many building groups take part."""

    template_name = "self_governance/campaign/list.html"
    context_object_name = "campaigns"
    extra_context = {"crumbs": [("“和美楼组”创建", None)]}

    def get_queryset(self):
        return selectors.campaigns()


@cache_public(shows=row_shown(Campaign))
class CampaignDetailView(DetailView):
    template_name = "self_governance/campaign/detail.html"
    context_object_name = "campaign"
    queryset = Campaign.objects.select_related("subdistrict", "community")

    def get_context_data(self, **kwargs):
        campaign = self.object
        return super().get_context_data(
            **selectors.campaign_page(campaign),
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
