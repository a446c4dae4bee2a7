"""Read-side figures of the orgs app: organizations by type and field, the inspection year.

Each takes a queryset already scoped (for staff) or not (public), so the same figures serve the
admin pages and the public site.
"""

import datetime

from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Value

from communities.models import Community, Subdistrict
from jinhai.db import subquery_count
from jinhai.paging import CITY_ROWS

from .models import (
    ActivityPhoto,
    AnnualInspection,
    InfoReport,
    InspectionResult,
    OrganizationKind,
    OrganizationStatus,
    PublicWelfareActivity,
    ReportPhoto,
    ServiceField,
    SocialOrganization,
    SocialWorkStation,
    StationLevel,
)


def with_org_figures(subdistricts):
    """Annotate subdistricts with their active organizations (all and by type) and stations."""
    active = SocialOrganization.objects.filter(
        subdistrict=OuterRef("pk"), status=OrganizationStatus.ACTIVE
    )
    return subdistricts.annotate(
        n_organizations=subquery_count(active),
        n_service_orgs=subquery_count(active.filter(kind=OrganizationKind.SERVICE)),
        n_social_groups=subquery_count(active.filter(kind=OrganizationKind.GROUP)),
        n_foundations=subquery_count(active.filter(kind=OrganizationKind.FOUNDATION)),
        n_stations=subquery_count(SocialWorkStation.objects.filter(subdistrict=OuterRef("pk"))),
    )


def counts_by_kind(organizations):
    """[(kind value, label, n)] for every kind, zeros included, in the choices' order."""
    counts = dict(
        organizations.order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in OrganizationKind.choices]


def fields_with_counts(organizations):
    """Every service field with how many of `organizations` work in it."""
    return ServiceField.objects.annotate(
        n=subquery_count(organizations.filter(service_fields=OuterRef("pk")))
    )


def expected_for_year(organizations, year):
    """Organizations that owe an inspection for `year`: active, and registered by its end."""
    return organizations.active().filter(
        Q(registered_on__isnull=True) | Q(registered_on__lte=datetime.date(year, 12, 31))
    )


def _submitted(year):
    return AnnualInspection.objects.filter(organization=OuterRef("pk"), year=year).exclude(
        result=InspectionResult.NOT_INSPECTED
    )


def not_submitted(organizations, year):
    """Expected organizations with no inspection for `year`, or one marked 未参检."""
    record = AnnualInspection.objects.filter(organization=OuterRef("pk"), year=year)
    return (
        expected_for_year(organizations, year)
        .exclude(Exists(_submitted(year)))
        .annotate(recorded_result=Subquery(record.values("result")[:1]))
        .order_by("kind", "name")
    )


def results_by_kind(organizations, year):
    """{kind: {result or "": n}} for the expected organizations; "" is no record at all."""
    record = AnnualInspection.objects.filter(organization=OuterRef("pk"), year=year)
    rows = (
        expected_for_year(organizations, year)
        .annotate(year_result=Subquery(record.values("result")[:1]))
        .order_by()
        .values_list("kind", "year_result")
        .annotate(n=Count("pk"))
    )
    table = {}
    for kind, result, n in rows:
        table.setdefault(kind, {})[result or ""] = n
    return table


def overdue_corrections(inspections, today):
    return (
        inspections.overdue(today)
        .select_related("organization")
        .order_by("correction_deadline", "organization__name")
    )


# The public pages' stories: activities and reports with their photos and organizations. The
# templates read `photo_list` and `organization_list`, which these fill.

_PHOTO_COLUMNS = ("pk", "image", "caption", "sort_order")


def attach_photos(*, activities=(), reports=()):
    """Give each activity and report its photos as `photo_list`: one query for both kinds
    (UNION ALL), where a prefetch would take one for each."""
    stories = {("activity", a.pk): a for a in activities}
    stories |= {("report", r.pk): r for r in reports}
    for story in stories.values():
        story.photo_list = []
    if not stories:
        return

    def kind(name):
        return Value(name, output_field=CharField())

    # Each side of a UNION goes unordered (SQLite refuses ORDER BY there); the union is sorted.
    activity_photos = (
        ActivityPhoto.objects.shown_publicly()
        .filter(activity__in=[a.pk for a in activities])
        .order_by()
        .values_list(kind("activity"), "activity_id", *_PHOTO_COLUMNS)
    )
    report_photos = (
        ReportPhoto.objects.shown_publicly()
        .filter(report__in=[r.pk for r in reports])
        .order_by()
        .values_list(kind("report"), "report_id", *_PHOTO_COLUMNS)
    )
    rows = activity_photos.union(report_photos, all=True).order_by("sort_order", "pk")
    for name, owner, pk, image, caption, sort_order in rows:
        model, owner_field = (
            (ActivityPhoto, "activity_id") if name == "activity" else (ReportPhoto, "report_id")
        )
        photo = model(pk=pk, image=image, caption=caption, sort_order=sort_order)
        setattr(photo, owner_field, owner)
        stories[(name, owner)].photo_list.append(photo)


# The columns of an activity the public lists show (orgs/includes/activity_list.html).
_ACTIVITY_COLUMNS = ("title", "date", "community", "place", "beneficiaries", "description")


def organization_activities(organization, limit=10):
    """An organization's latest activities, each with its active organizations as
    `organization_list`, in one query: every such activity is linked to this organization, so
    reading the links brings all the activities along with all their organizations."""
    links = PublicWelfareActivity.organizations.through.objects
    latest = (
        PublicWelfareActivity.objects.filter(organizations=organization)
        .order_by("-date", "title", "pk")
        .values("pk")[:limit]
    )
    activities = {}
    for link in (
        links.filter(
            publicwelfareactivity__in=latest,
            socialorganization__status=OrganizationStatus.ACTIVE,
        )
        .select_related("publicwelfareactivity__community", "socialorganization")
        # What activity_list.html shows: three joined rows a link, narrowed to it.
        .only(
            *(f"publicwelfareactivity__{name}" for name in _ACTIVITY_COLUMNS),
            "publicwelfareactivity__community__name",
            "socialorganization__name",
        )
        .order_by(
            "-publicwelfareactivity__date",
            "publicwelfareactivity__title",
            "publicwelfareactivity_id",
            "socialorganization__name",
        )
    ):
        activity = activities.setdefault(link.publicwelfareactivity_id, link.publicwelfareactivity)
        activity.__dict__.setdefault("organization_list", []).append(link.socialorganization)
    return list(activities.values())


# What the public pages show, each in a few queries however many rows there are.


def activities():
    """Activities with their active organizations as `organization_list`; their photos come with
    the page's reports' through `attach_photos`."""
    organizations = SocialOrganization.objects.active().only("pk", "name").order_by("name")
    return PublicWelfareActivity.objects.select_related("community").prefetch_related(
        Prefetch("organizations", queryset=organizations, to_attr="organization_list")
    )


def reports():
    return InfoReport.objects.filter(published=True).select_related("organization")


# The stations' one order, by level as the network reads ("1+N+X"), in every list and on the
# map: a station's page in the list (`station_page`) is counted in it.
STATION_ORDER = ("level", "sort_order", "sort_key", "name", "pk")
STATIONS_PER_PAGE = 30
# What a row of the station list shows (orgs/includes/station_rows.html), joined rows included.
STATION_ROW_COLUMNS = (
    "level",
    "name",
    "address",
    "phone",
    "opening_hours",
    "services",
    "community__name",
    "hosting_organization__name",
    "hosting_organization__status",
)


def stations():
    return SocialWorkStation.objects.select_related("community", "hosting_organization").order_by(
        *STATION_ORDER
    )


def counts_by_level(stations):
    """[(level value, label, n)] for every level, zeros included, counted by the database."""
    counts = dict(
        stations.order_by().values("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in StationLevel.choices]


def _before(station):
    """The stations listed before `station` in STATION_ORDER, as one condition."""
    before = Q()
    equal = Q()
    for field in STATION_ORDER:
        value = getattr(station, field)
        before |= equal & Q(**{f"{field}__lt": value})
        equal &= Q(**{field: value})
    return before


def station_page(station) -> int:
    """The page of its subdistrict's station list that shows `station` (one count)."""
    ahead = SocialWorkStation.objects.filter(subdistrict=station.subdistrict_id).filter(
        _before(station)
    )
    return ahead.count() // STATIONS_PER_PAGE + 1


def directory_filters(filters):
    """The directory's filter lists (kinds, service fields and communities with their counts of
    active organizations) and which of them `filters` chose.

    Past CITY_ROWS communities (a city's 600 would be a list of 30 KB on every page) the
    communities are those of one subdistrict, picked first from a list of subdistricts; the
    chosen community's subdistrict counts as picked."""
    active = SocialOrganization.objects.active()
    fields = list(fields_with_counts(active))
    communities = (
        Community.objects.only("name")  # an option of the filter: its name and its count
        .annotate(n=subquery_count(active.filter(communities=OuterRef("pk"))))
        .filter(n__gt=0)
    )
    within = filters.get("subdistrict")
    if not within and filters["community"]:
        within = (
            Community.objects.filter(pk=filters["community"])
            .values_list("subdistrict", flat=True)
            .first()
        )
    if within:
        communities = list(communities.filter(subdistrict=within))
    else:
        communities = list(communities[: CITY_ROWS + 1])
    subdistricts = []
    if within or len(communities) > CITY_ROWS:
        subdistricts = list(
            Subdistrict.objects.annotate(
                n=subquery_count(active.filter(subdistrict=OuterRef("pk")))
            )
            .filter(n__gt=0)
            .order_by("pk")
        )
        if not within:
            communities = []
    kinds = counts_by_kind(active)
    return {
        "kinds": kinds,
        "kinds_present": [k for k in kinds if k[2]],
        "fields": fields,
        "communities": communities,
        "subdistricts": subdistricts,
        "within": within,
        "chosen_kind": OrganizationKind(filters["type"]).label if filters["type"] else "",
        "chosen_field": next((f for f in fields if f.pk == filters["field"]), None),
        "chosen_community": next((c for c in communities if c.pk == filters["community"]), None),
        "chosen_subdistrict": next(
            (s for s in subdistricts if s.pk == filters.get("subdistrict")), None
        ),
    }


def organization_chips(organization):
    """An organization's service fields and the communities it serves, each in its own order
    (a field's, a community's), as two lists of rows with a pk and a name: one query (UNION
    ALL) where two prefetches take two."""

    def text(value):
        return Value(value, output_field=CharField())

    columns = ("chip", "pk", "name", "sort_order", "chip_key")
    fields = (
        ServiceField.objects.filter(organizations=organization)
        .order_by()
        .annotate(chip=text("field"), chip_key=text(""))
        .values_list(*columns)
    )
    communities = (
        Community.objects.filter(social_organizations=organization)
        .order_by()
        .annotate(chip=text("community"), chip_key=F("sort_key"))
        .values_list(*columns)
    )
    chips = {"field": [], "community": []}
    model = {"field": ServiceField, "community": Community}
    for kind, pk, name, _, _ in fields.union(communities, all=True).order_by(
        "sort_order", "chip_key", "name", "pk"
    ):
        chips[kind].append(model[kind](pk=pk, name=name))
    return {"service_fields": chips["field"], "served_communities": chips["community"]}


def organization_page(organization):
    """An organization's service fields and communities, latest inspections, activities and
    reports (with their photos), and the stations it hosts."""
    latest = organization_activities(organization)
    # Each list reads only the columns the page shows: whole rows (an organization joined to
    # every report, a community to every station) cost more to convert than to fetch.
    latest_reports = list(
        reports()
        .filter(organization=organization)
        .only("title", "date", "text", "organization__name")[:10]
    )
    attach_photos(activities=latest, reports=latest_reports)
    return {
        **organization_chips(organization),
        "inspections": list(
            organization.inspections.order_by("-year").only("organization", "year", "result")[:3]
        ),
        "activities": latest,
        "reports": latest_reports,
        "stations": list(
            organization.stations.select_related("community").only(
                "name", "level", "hosting_organization", "community__name"
            )
        ),
    }


def card_fields():
    """An organization card's service fields, as the list `field_list` (orgs/includes/
    org_cards.html): a list, not a related manager built again for every card."""
    return Prefetch(
        "service_fields", queryset=ServiceField.objects.only("name"), to_attr="field_list"
    )


def news(limit=30):
    latest = list(activities()[:limit])
    latest_reports = list(reports()[:limit])
    attach_photos(activities=latest, reports=latest_reports)
    return {"activities": latest, "reports": latest_reports}


def community_organizations(community):
    """The organizations serving a community (by type, then in pinyin order), its stations and
    its latest activities."""
    latest = list(activities().filter(community=community)[:10])
    attach_photos(activities=latest)
    return {
        "organizations": list(
            SocialOrganization.objects.active()
            .filter(communities=community)
            .prefetch_related(card_fields())
            .order_by("kind", "sort_key", "name", "pk")
        ),
        "stations": list(stations().filter(community=community)),
        "activities": latest,
    }
