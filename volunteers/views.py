from django.urls import reverse
from django.views.generic import DetailView

from communities.models import Community
from jinhai.caching import cache_public, community_shown

from . import selectors


@cache_public(shows=community_shown("pk"))
class CommunityLeadersView(DetailView):
    """A community's leaders by compound and building group, with its trainings and service."""

    template_name = "volunteers/community_leaders.html"
    context_object_name = "community"
    queryset = Community.objects.select_related("subdistrict")

    def get_context_data(self, **kwargs):
        community = self.object
        return super().get_context_data(
            **selectors.community_leaders(community),
            crumbs=[
                ("社区", reverse("communities:list")),
                (community.name, reverse("communities:detail", args=[community.pk])),
                ("楼组长与街面长", None),
            ],
            **kwargs,
        )
