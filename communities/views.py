from django.urls import reverse
from django.views.generic import DetailView, ListView

from jinhai.caching import cache_public
from jinhai.sorting import pinyin_key

from .models import Community
from .sections import community_links


@cache_public
class CommunityListView(ListView):
    template_name = "communities/community_list.html"
    context_object_name = "communities"

    extra_context = {"crumbs": [("社区", None)]}

    def get_queryset(self):
        return Community.objects.select_related("subdistrict").with_counts()


@cache_public
class CommunityDetailView(DetailView):
    template_name = "communities/community_detail.html"
    context_object_name = "community"
    queryset = Community.objects.select_related("subdistrict")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.object
        election = community.current_election()
        members = []
        if election is not None:
            members = list(election.members.prefetch_related("roles").order_by("sort_order", "pk"))
        context.update(
            election=election,
            members=members,
            compounds=sorted(community.compounds.with_counts(), key=lambda c: pinyin_key(c.name)),
            street_zones=list(community.street_zones.all()),
            links=community_links(community),
            crumbs=[("社区", reverse("communities:list")), (community.name, None)],
        )
        return context
