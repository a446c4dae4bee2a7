"""Public pages: the directory of social organizations, their pages, activities and reports, and
the social-work stations as a list (no JavaScript needed) and as a map (nothing from another
host)."""

from django.templatetags.static import static
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView

from communities.models import Community
from jinhai.caching import cache_public, community_shown, row_shown
from jinhai.masking import mask_text
from jinhai.paging import NearestPageMixin

from . import selectors
from .models import (
    OrganizationKind,
    SocialOrganization,
    StationLevel,
)

# Marker colours by level, shared by the map, its legend and the list's level badges.
LEVEL_COLOURS = {
    StationLevel.COMPREHENSIVE: "#b3261e",
    StationLevel.SPECIALISED: "#0b57d0",
    StationLevel.COMMUNITY: "#1a7f37",
}


def _directory():
    return ("社会组织", reverse("orgs:list"))


# Larger ids than a database integer holds are no ids: filtering by one would be a server error.
_LARGEST_ID = 2**63 - 1


def _int(value):
    """A positive id from a query parameter, or None for anything else."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _LARGEST_ID else None


@cache_public(params=("type", "field", "community", "page"))
class OrganizationListView(NearestPageMixin, ListView):
    """The directory, filtered by ?type=, ?field= and ?community= (plain GET links and a form)."""

    template_name = "orgs/organization_list.html"
    context_object_name = "organizations"

    def get_filters(self):
        kind = self.request.GET.get("type", "")
        return {
            "type": kind if kind in OrganizationKind.values else "",
            "field": _int(self.request.GET.get("field")),
            "community": _int(self.request.GET.get("community")),
        }

    def get_queryset(self):
        self.filters = self.get_filters()
        organizations = SocialOrganization.objects.active()
        if self.filters["type"]:
            organizations = organizations.filter(kind=self.filters["type"])
        if self.filters["field"]:
            organizations = organizations.filter(service_fields=self.filters["field"])
        if self.filters["community"]:
            organizations = organizations.filter(communities=self.filters["community"])
        # By type, then in pinyin order (the stored key, jinhai.fields.PinyinSorted).
        return organizations.prefetch_related("service_fields").order_by(
            "kind", "sort_key", "name", "pk"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.directory_filters(self.filters),
            filters=self.filters,
            filtered=any(self.filters.values()),
            query_prefix=self._query_prefix(),
            crumbs=[("社会组织", None)],
            **kwargs,
        )

    def _query_prefix(self):
        """The current filters as a query string for the page links: "type=service&"."""
        query = self.request.GET.copy()
        query.pop("page", None)
        encoded = query.urlencode()
        return f"{encoded}&" if encoded else ""


@cache_public(shows=row_shown(SocialOrganization))
class OrganizationDetailView(DetailView):
    template_name = "orgs/organization_detail.html"
    context_object_name = "organization"

    def get_queryset(self):
        return (
            SocialOrganization.objects.active()
            .select_related("subdistrict")
            .prefetch_related("service_fields", "communities")
        )

    def get_context_data(self, **kwargs):
        organization = self.object
        return super().get_context_data(
            **selectors.organization_page(organization),
            crumbs=[_directory(), (organization.name, None)],
            **kwargs,
        )


@cache_public
class NewsView(TemplateView):
    """Public-welfare activities and information reports of the service centre."""

    template_name = "orgs/news.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.news(), crumbs=[_directory(), ("公益活动与信息报道", None)], **kwargs
        )


@cache_public(shows=community_shown("pk"))
class CommunityOrganizationsView(DetailView):
    """The organizations, stations and public-welfare activities of one community."""

    template_name = "orgs/community_orgs.html"
    context_object_name = "community"
    queryset = Community.objects.select_related("subdistrict")

    def get_context_data(self, **kwargs):
        community = self.object
        return super().get_context_data(
            **selectors.community_organizations(community),
            crumbs=[
                ("社区", reverse("communities:list")),
                (community.name, reverse("communities:detail", args=[community.pk])),
                ("社会组织与社工站", None),
            ],
            **kwargs,
        )


@cache_public
class StationListView(ListView):
    """Every station, by level: the map's content, readable without JavaScript."""

    template_name = "orgs/station_list.html"
    context_object_name = "stations"

    def get_queryset(self):
        return selectors.stations()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stations = context["stations"]
        context.update(
            crumbs=[("社工站", None)],
            levels=[
                (value, label, LEVEL_COLOURS[value], [s for s in stations if s.level == value])
                for value, label in StationLevel.choices
            ],
        )
        return context


@cache_public
class StationMapView(TemplateView):
    """The stations on a map drawn from files of this site only; data goes in a json_script."""

    template_name = "orgs/station_map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stations = list(selectors.stations())
        list_url = reverse("orgs:stations")
        context.update(
            crumbs=[("社工站", list_url), ("分布图", None)],
            stations=stations,
            levels=[
                (value, label, LEVEL_COLOURS[value], n)
                for value, label, n in selectors.counts_by_level(stations)
            ],
            map_data={
                "outline": static("orgs/jinhai-outline.geojson"),
                "levels": [
                    {"value": value, "label": label, "colour": LEVEL_COLOURS[value]}
                    for value, label in StationLevel.choices
                ],
                "stations": [
                    {
                        "name": mask_text(s.name),
                        "level": s.level,
                        "address": mask_text(s.address),
                        "hours": mask_text(s.opening_hours),
                        "community": mask_text(s.community.name) if s.community_id else "",
                        "lat": float(s.latitude),
                        "lon": float(s.longitude),
                        "url": f"{list_url}#station-{s.pk}",
                    }
                    for s in stations
                    if s.has_coordinates
                ],
            },
            unplaced=[s for s in stations if not s.has_coordinates],
        )
        return context
