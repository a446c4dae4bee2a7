"""Public pages of 美丽约定: the schemes, and each scheme's text, rules, monthly chart and boards
(households named 小区 楼组 3**室, never by person)."""

import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, ListView

from communities.models import Community
from jinhai.caching import cache_public, community_shown, row_shown
from jinhai.paging import NearestPageMixin, ReadCountPaginator

from . import selectors
from .models import AgreementScheme


@cache_public(params=("page",), shows=community_shown("community"))
class SchemeListView(NearestPageMixin, ListView):
    """Every public scheme, or one community's (`/agreements/communities/<id>/`)."""

    template_name = "self_governance/agreements/scheme_list.html"
    context_object_name = "schemes"
    paginator_class = ReadCountPaginator  # a few dozen schemes: one page, no COUNT

    def get_queryset(self):
        self.community = None
        if "community" in self.kwargs:
            self.community = get_object_or_404(Community, pk=self.kwargs["community"])
        return selectors.public_schemes(community=self.community)

    def get_context_data(self, **kwargs):
        community = self.community
        crumbs = (
            [("美丽约定", reverse("agreements:list")), (community.name, None)]
            if community
            else [("美丽约定", None)]
        )
        return super().get_context_data(community=community, crumbs=crumbs, **kwargs)


def _month(value):
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


@cache_public(params=("month",), shows=row_shown(AgreementScheme))
class SchemeDetailView(DetailView):
    """A scheme's text and rules, its monthly chart and the month's leaderboards."""

    template_name = "self_governance/agreements/scheme_detail.html"
    context_object_name = "scheme"
    queryset = AgreementScheme.objects.public().select_related("community")

    def get_context_data(self, **kwargs):
        scheme = self.object
        return super().get_context_data(
            **selectors.scheme_page(scheme, month=_month(self.request.GET.get("month"))),
            crumbs=[("美丽约定", reverse("agreements:list")), (scheme.name, None)],
            **kwargs,
        )
