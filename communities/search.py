"""What the public search finds in this app: communities and compounds (see jinhai.search)."""

from django.urls import reverse

from jinhai.search import Hit, Kind

from .models import Community, Compound


def _community(community):
    return Hit(
        name=community.name,
        url=reverse("communities:detail", args=[community.pk]),
        detail=f"{community.subdistrict.name} · {community.get_kind_display()}",
    )


def _compound(compound):
    return Hit(
        name=compound.name,
        # Compounds have no page of their own: the community page lists them.
        url=reverse("communities:detail", args=[compound.community_id]) + "#compounds-heading",
        detail=compound.community.name,
    )


KINDS = [
    Kind(
        key="communities",
        title="社区",
        order=10,
        matching=lambda terms: Community.objects.matching(terms).select_related("subdistrict"),
        field="name",
        hit=_community,
    ),
    Kind(
        key="compounds",
        title="小区",
        order=20,
        matching=lambda terms: Compound.objects.matching(terms).select_related("community"),
        field="name",
        hit=_compound,
    ),
]
