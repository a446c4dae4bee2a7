"""Read-side figures of the orgs app: organizations by type and field, the inspection year.

Each takes a queryset already scoped (for staff) or not (public), so the same figures serve the
admin pages and the public site.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from jinhai.db import subquery_count

from .models import (
    AnnualInspection,
    InspectionResult,
    OrganizationKind,
    OrganizationStatus,
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


def counts_by_level(stations):
    counts = {}
    for station in stations:
        counts[station.level] = counts.get(station.level, 0) + 1
    return [(value, label, counts.get(value, 0)) for value, label in StationLevel.choices]


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
