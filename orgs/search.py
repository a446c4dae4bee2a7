"""What the public search finds in this app: active social organizations and the social-work
stations."""

from django.urls import reverse

from jinhai.search import Hit, Kind

from .models import SocialOrganization, SocialWorkStation


def _organization(organization):
    return Hit(
        name=organization.name,
        url=reverse("orgs:detail", args=[organization.pk]),
        detail=organization.get_kind_display(),
    )


def _station(station):
    where = f" · {station.community.name}" if station.community_id else ""
    return Hit(
        name=station.name,
        url=reverse("orgs:station", args=[station.pk]),
        detail=f"{station.get_level_display()}社工站{where}",
    )


KINDS = [
    Kind(
        key="organizations",
        title="社会组织",
        order=50,
        # Only what the directory lists: a deregistered organization has no public page.
        matching=lambda terms: SocialOrganization.objects.active().matching(terms),
        field="name",
        hit=_organization,
    ),
    Kind(
        key="stations",
        title="社工站",
        order=60,
        matching=lambda terms: SocialWorkStation.objects.matching(terms).select_related(
            "community"
        ),
        field="name",
        hit=_station,
    ),
]
