import datetime

from django.db.models import OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, ListView

from communities.models import Community
from jinhai.db import subquery_count

from . import selectors
from .models import Account, AgreementScheme


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
