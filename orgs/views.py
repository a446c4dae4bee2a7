"""Public pages: the directory of social organizations, their pages, activities and reports, and
the social-work stations as a list (no JavaScript needed) and as a map (nothing from another
host)."""

from collections import Counter
from urllib.parse import urlencode

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView

from communities.models import Community, Subdistrict
from jinhai.caching import SITE, Place, cache_public, community_shown, row_shown, subdistrict_shown
from jinhai.masking import mask_text
from jinhai.paging import NearestPageMixin, ReadCountPaginator

from . import selectors
from .models import (
    OrganizationKind,
    SocialOrganization,
    SocialWorkStation,
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


@cache_public(params=("type", "field", "subdistrict", "community", "page"))
class OrganizationListView(NearestPageMixin, ListView):
    """The directory, filtered by ?type=, ?field=, ?subdistrict= and ?community= (plain GET
    links and a form)."""

    template_name = "orgs/organization_list.html"
    context_object_name = "organizations"
    paginator_class = ReadCountPaginator

    def get_filters(self):
        kind = self.request.GET.get("type", "")
        return {
            "type": kind if kind in OrganizationKind.values else "",
            "field": _int(self.request.GET.get("field")),
            "subdistrict": _int(self.request.GET.get("subdistrict")),
            "community": _int(self.request.GET.get("community")),
        }

    def get_queryset(self):
        self.filters = self.get_filters()
        self.directory = selectors.directory_filters(self.filters)
        organizations = SocialOrganization.objects.active()
        if self.filters["type"]:
            organizations = organizations.filter(kind=self.filters["type"])
        if self.filters["field"]:
            organizations = organizations.filter(service_fields=self.filters["field"])
        if self.filters["subdistrict"]:
            organizations = organizations.filter(subdistrict=self.filters["subdistrict"])
        if self.filters["community"]:
            organizations = organizations.filter(communities=self.filters["community"])
        # By type, then in pinyin order (the stored key, jinhai.fields.PinyinSorted); a card
        # shows the name, the type and the fields' names.
        return (
            organizations.only("name", "kind")
            .prefetch_related(selectors.card_fields())
            .order_by("kind", "sort_key", "name", "pk")
        )

    def get_paginator(self, queryset, per_page, **kwargs):
        # Unless a field or a place narrows the list, the directory's counts by type (one query
        # it makes anyway) are the list's count: no COUNT(*) for any page.
        filters = self.filters
        if not (filters["field"] or filters["subdistrict"] or filters["community"]):
            kinds = {value: n for value, _, n in self.directory["kinds"]}
            kwargs["count"] = kinds[filters["type"]] if filters["type"] else sum(kinds.values())
        return super().get_paginator(queryset, per_page, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **self.directory,
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
        # Its fields and communities come in one query with the page (organization_chips).
        return SocialOrganization.objects.active().select_related("subdistrict")

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


def _stations_shown(request, kwargs):
    # A list or map of one subdistrict is renewed by that subdistrict's writes only.
    pk = _int(request.GET.get("subdistrict"))
    return Place(subdistrict_id=pk) if pk else SITE


def _subdistricts():
    # The picker's options: a subdistrict's name and district are all it shows.
    return list(
        Subdistrict.objects.only("name", "district").order_by("city", "district", "name", "pk")
    )


def _chosen(subdistricts, asked):
    """The subdistrict `?subdistrict=` names, None for none asked, False for a bad value."""
    if asked in (None, ""):
        return None
    pk = _int(asked)
    return next((s for s in subdistricts if s.pk == pk), False)


def station_list_url(subdistrict_id, page, station_id) -> str:
    """Where a station is shown: its row on its subdistrict's list."""
    query = urlencode({"subdistrict": subdistrict_id, "page": page})
    return f"{reverse('orgs:stations')}?{query}#station-{station_id}"


@cache_public(params=("subdistrict", "page"), shows=_stations_shown)
class StationListView(NearestPageMixin, ListView):
    """The stations, thirty a page, by level, optionally of one subdistrict (`?subdistrict=`):
    the map's content, readable without JavaScript."""

    template_name = "orgs/station_list.html"
    context_object_name = "stations"
    paginate_by = selectors.STATIONS_PER_PAGE
    paginator_class = ReadCountPaginator

    def get(self, request, *args, **kwargs):
        self.subdistricts = _subdistricts()
        self.subdistrict = _chosen(self.subdistricts, request.GET.get("subdistrict"))
        if self.subdistrict is False:
            # No such subdistrict: the whole list, at its own address (and cache entry).
            return redirect("orgs:stations")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        stations = selectors.stations()
        if self.subdistrict:
            stations = stations.filter(subdistrict=self.subdistrict)
        self.counts = selectors.counts_by_level(stations)
        return stations.only(*selectors.STATION_ROW_COLUMNS)

    def get_paginator(self, queryset, per_page, **kwargs):
        # The counts by level add up to the list's count: no COUNT(*) of its own.
        return super().get_paginator(
            queryset, per_page, count=sum(n for _, _, n in self.counts), **kwargs
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["stations"]
        counts = self.counts
        context.update(
            crumbs=[("社工站", None)],
            subdistrict=self.subdistrict,
            subdistricts=self.subdistricts if len(self.subdistricts) > 1 else [],
            # Each level's count in the whole list, and its rows on this page.
            levels=[
                (value, label, LEVEL_COLOURS[value], n, [s for s in page if s.level == value])
                for value, label, n in counts
            ],
            query_prefix=f"subdistrict={self.subdistrict.pk}&" if self.subdistrict else "",
            map_query=f"?subdistrict={self.subdistrict.pk}" if self.subdistrict else "",
        )
        return context


@cache_public(params=("subdistrict",), shows=_stations_shown)
class StationMapView(TemplateView):
    """One subdistrict's stations on a map drawn from files of this site only: the only
    subdistrict, or the one chosen with `?subdistrict=` (the first without it). The page holds
    no station data: the script fetches the subdistrict's markers (`station_markers`), and the
    page lists the first page of them for a reader without JavaScript."""

    template_name = "orgs/station_map.html"

    def get(self, request, *args, **kwargs):
        self.subdistricts = _subdistricts()
        self.subdistrict = _chosen(self.subdistricts, request.GET.get("subdistrict"))
        if self.subdistrict is False:
            return redirect("orgs:station_map")
        if self.subdistrict is None and self.subdistricts:
            self.subdistrict = self.subdistricts[0]
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subdistrict = self.subdistrict
        list_url = reverse("orgs:stations")
        context.update(
            crumbs=[("社工站", list_url), ("分布图", None)],
            subdistrict=subdistrict,
            subdistricts=self.subdistricts if len(self.subdistricts) > 1 else [],
            levels=[],
            stations=[],
        )
        if subdistrict is None:
            return context
        stations = selectors.stations().filter(subdistrict=subdistrict)
        per_page = selectors.STATIONS_PER_PAGE
        shown = list(stations.select_related(None).only("name", "level", "address")[: per_page + 1])
        if len(shown) <= per_page:
            # The whole subdistrict is on the page: its rows are counted as they are read.
            tally = Counter(station.level for station in shown)
            counts = [(value, label, tally[value]) for value, label in StationLevel.choices]
        else:
            counts = selectors.counts_by_level(stations)
        context.update(
            levels=[(value, label, LEVEL_COLOURS[value], n) for value, label, n in counts],
            total=sum(n for _, _, n in counts),
            stations=shown[:per_page],
            list_query=f"?subdistrict={subdistrict.pk}",
            map_data={
                "outline": static("orgs/jinhai-outline.geojson"),
                "markers": reverse("orgs:station_markers", args=[subdistrict.pk]),
                "levels": [
                    {"value": value, "label": label, "colour": LEVEL_COLOURS[value]}
                    for value, label in StationLevel.choices
                ],
            },
        )
        return context


@cache_public(shows=subdistrict_shown("pk"))
def station_markers(request, pk):
    """The map's markers of one subdistrict, as JSON: what the map page's script fetches.
    Each links to the station's row on the subdistrict's list (its page counted here, in the
    list's order)."""
    if _int(pk) is None:
        raise Http404("没有这个街道。")
    stations = list(selectors.stations().filter(subdistrict=pk))
    if not stations and not Subdistrict.objects.filter(pk=pk).exists():
        raise Http404("没有这个街道。")
    per_page = selectors.STATIONS_PER_PAGE
    return JsonResponse(
        {
            "stations": [
                {
                    "name": mask_text(s.name),
                    "level": s.level,
                    "address": mask_text(s.address),
                    "hours": mask_text(s.opening_hours),
                    "community": mask_text(s.community.name) if s.community_id else "",
                    "lat": float(s.latitude),
                    "lon": float(s.longitude),
                    "url": station_list_url(pk, i // per_page + 1, s.pk),
                }
                for i, s in enumerate(stations)
                if s.has_coordinates
            ],
            "unplaced": sum(1 for s in stations if not s.has_coordinates),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@cache_public
def station(request, pk):
    """A station's address for links from elsewhere (search, an organization's page): sent on
    to its row on the page of its subdistrict's list that shows it."""
    if _int(pk) is None:
        raise Http404("没有这个社工站。")
    found = get_object_or_404(
        SocialWorkStation.objects.only(*selectors.STATION_ORDER, "subdistrict"), pk=pk
    )
    return redirect(station_list_url(found.subdistrict_id, selectors.station_page(found), pk))
