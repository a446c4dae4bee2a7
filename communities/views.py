from django.urls import reverse
from django.views.generic import DetailView, ListView

from jinhai.caching import cache_public, community_shown
from jinhai.db import built_once
from jinhai.paging import NearestPageMixin

from . import selectors
from .models import Community


@built_once
def _listed():
    return (
        Community.objects.select_related("subdistrict")
        .with_counts()
        .order_by("sort_order", "sort_key", "name", "pk")
    )


@cache_public(params=("page",))
class CommunityListView(NearestPageMixin, ListView):
    template_name = "communities/community_list.html"
    context_object_name = "communities"

    extra_context = {"crumbs": [("社区", None)]}

    def get_queryset(self):
        return _listed()


@cache_public(shows=community_shown("pk"))
class CommunityDetailView(DetailView):
    template_name = "communities/community_detail.html"
    context_object_name = "community"
    queryset = Community.objects.select_related("subdistrict")

    def get_context_data(self, **kwargs):
        community = self.object
        return super().get_context_data(
            **selectors.community_page(community),
            crumbs=[("社区", reverse("communities:list")), (community.name, None)],
            **kwargs,
        )
