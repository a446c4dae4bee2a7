"""Read-side figures of the leaders app: coverage, attendance and service hours.

Each takes a queryset of places already scoped (for staff) or not (public), so the same figures
serve the admin dashboard and the public pages.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from communities import signups
from communities.models import BuildingGroup, Community, Compound, StreetZone
from jinhai.db import built_once, subquery_count, subquery_sum
from jinhai.sorting import natural_key, pinyin_key

from .models import (
    Activity,
    ActivitySignup,
    Appointment,
    Attendance,
    LeaderKind,
    Participation,
    Training,
    Volunteer,
    has_current_leader,
)

HOURS = DecimalField(max_digits=12, decimal_places=1)
OTHERS = "其他志愿者"
STREET_LEADERS = "沿街商铺(街面长)"


def coverage_by_community(communities=None):
    """Each community with its building groups and street zones, led and not."""
    communities = Community.objects.all() if communities is None else communities
    groups = BuildingGroup.objects.filter(compound__community=OuterRef("pk"))
    zones = StreetZone.objects.filter(community=OuterRef("pk"))
    return communities.annotate(
        n_groups=subquery_count(groups),
        n_groups_led=subquery_count(groups.filter(has_current_leader("building_group"))),
        n_zones=subquery_count(zones),
        n_zones_led=subquery_count(zones.filter(has_current_leader("street_zone"))),
    )


def coverage_by_compound(compounds=None):
    compounds = Compound.objects.all() if compounds is None else compounds
    groups = BuildingGroup.objects.filter(compound=OuterRef("pk"))
    return compounds.select_related("community").annotate(
        n_groups=subquery_count(groups),
        n_groups_led=subquery_count(groups.filter(has_current_leader("building_group"))),
    )


def units_without_leader(communities):
    """Building groups and street zones of these communities that have no current leader."""
    groups = (
        BuildingGroup.objects.filter(compound__community__in=communities)
        .exclude(has_current_leader("building_group"))
        .select_related("compound__community")
        .order_by("compound__community__sort_order", "compound__name", "name")
    )
    zones = (
        StreetZone.objects.filter(community__in=communities)
        .exclude(has_current_leader("street_zone"))
        .select_related("community")
    )
    return groups, zones


def leader_totals(appointments=None):
    """Current building-group and street leaders: {"building": n, "street": n}."""
    appointments = Appointment.objects.all() if appointments is None else appointments
    return appointments.current().aggregate(
        building=Count("pk", filter=Q(kind="building")),
        street=Count("pk", filter=Q(kind="street")),
    )


def attendance_by_community(communities):
    attendance = Attendance.objects.filter(volunteer__community=OuterRef("pk"))
    return communities.annotate(
        n_invited=subquery_count(attendance),
        n_attended=subquery_count(attendance.filter(attended=True)),
    )


def attendance_by_volunteer(volunteers):
    attendance = Attendance.objects.filter(volunteer=OuterRef("pk"))
    return volunteers.annotate(
        n_invited=subquery_count(attendance),
        n_attended=subquery_count(attendance.filter(attended=True)),
    )


def hours_by_community(communities):
    participations = Participation.objects.filter(activity__community=OuterRef("pk"))
    return communities.annotate(hours=subquery_sum(participations, "hours", HOURS))


def hours_by_volunteer(volunteers):
    participations = Participation.objects.filter(volunteer=OuterRef("pk"))
    return volunteers.annotate(hours=subquery_sum(participations, "hours", HOURS))


def hours_by_month(participations):
    """[(month, hours, participations)] in date order."""
    return list(
        participations.annotate(month=TruncMonth("activity__date"))
        .order_by("month")
        .values("month")
        .annotate(hours=Sum("hours"), n=Count("pk"))
        .values_list("month", "hours", "n")
    )


def total_hours(participations=None):
    participations = Participation.objects.all() if participations is None else participations
    return participations.aggregate(t=Coalesce(Sum("hours"), 0, output_field=HOURS))["t"]


def with_leader_figures(subdistricts):
    """Annotate subdistricts with their current leaders and total service hours."""
    current = Appointment.objects.current().filter(volunteer__community__subdistrict=OuterRef("pk"))
    return subdistricts.annotate(
        n_building_leaders=subquery_count(current.filter(kind="building")),
        n_street_leaders=subquery_count(current.filter(kind="street")),
        service_hours=subquery_sum(
            Participation.objects.filter(activity__community__subdistrict=OuterRef("pk")),
            "hours",
            HOURS,
        ),
    )


@built_once
def _trainings():
    return Training.objects.with_attendance().order_by("-date")


@built_once
def _activities():
    return Activity.objects.with_totals().order_by("-date")


def community_leaders(community):
    """A community's public leader list: its compounds in pinyin order, each with its building
    groups in natural order (2号楼 < 10号楼) and their current leaders; its street leaders and the
    street zones without one; its latest trainings and activities, and the activities ahead that
    take sign-ups (报名). Seven queries in all.

    The leaders and the building groups are read as plain values, not model instances: a
    community has hundreds of them and the page only prints a few fields of each (a name and a
    number that the template masks); building the instances was most of the page's time."""
    leaders = {}
    street_leaders = []
    for row in (
        Appointment.objects.current()
        .filter(volunteer__community=community)
        .order_by("street_zone__name", "pk")
        .values(
            "kind",
            "building_group_id",
            "street_zone_id",
            "street_zone__name",
            "volunteer__name",
            "volunteer__mobile",
        )
    ):
        volunteer = {"name": row["volunteer__name"], "mobile": row["volunteer__mobile"]}
        if row["kind"] == LeaderKind.BUILDING:
            leaders[row["building_group_id"]] = volunteer
        else:
            street_leaders.append(
                {
                    "street_zone_id": row["street_zone_id"],
                    "street_zone": {"name": row["street_zone__name"]},
                    "volunteer": volunteer,
                }
            )
    compounds = []
    current = None
    for group in (
        BuildingGroup.objects.filter(compound__community=community)
        .order_by("compound__sort_key", "compound__name", "compound_id")
        .values("pk", "name", "compound_id", "compound__name")
    ):
        if current is None or current["compound"]["pk"] != group["compound_id"]:
            current = {"compound": {"pk": group["compound_id"], "name": group["compound__name"]}}
            current["groups"] = []
            compounds.append(current)
        current["groups"].append((group, leaders.get(group["pk"])))
    for block in compounds:
        block["groups"].sort(key=lambda pair: natural_key(pair[0]["name"]))
    zones_led = {a["street_zone_id"] for a in street_leaders}
    return {
        "compounds": compounds,
        "street_leaders": street_leaders,
        "vacant_zones": [z for z in community.street_zones.all() if z.pk not in zones_led],
        "trainings": list(
            _trainings()
            .filter(subdistrict=community.subdistrict_id)
            .filter(Q(community=community) | Q(community__isnull=True))[:10]
        ),
        "activities": list(
            _activities().filter(community=community, date__lte=timezone.localdate())[:10]
        ),
        "coming_activities": list(
            signups.upcoming(Activity.objects.filter(community=community), ActivitySignup)[:10]
        ),
        "n_groups": sum(len(c["groups"]) for c in compounds),
        "n_led": len(leaders),
    }


@dataclass
class Tick:
    """One person on a bulk screen: ticked or not, with their hours where the screen asks."""

    volunteer_id: int
    name: str
    community: str
    compound: str = OTHERS
    unit: str = ""
    ticked: bool = False
    hours: Decimal | None = None


@dataclass
class TickGroup:
    title: str
    people: list = field(default_factory=list)


def _grouped(people, *, with_community: bool) -> list[TickGroup]:
    """People in groups by compound (street leaders under their community's street zones),
    compounds in pinyin order and others last, building groups in natural order."""
    groups: dict[tuple, TickGroup] = {}
    for tick in people:
        title = f"{tick.community} · {tick.compound}" if with_community else tick.compound
        key = (tick.community, tick.compound == OTHERS, pinyin_key(tick.compound))
        groups.setdefault(key, TickGroup(title)).people.append(tick)
    for group in groups.values():
        group.people.sort(key=lambda t: (natural_key(t.unit), pinyin_key(t.name, person=True)))
    return [groups[key] for key in sorted(groups)]


def _leader_ticks(appointments) -> dict[int, Tick]:
    """volunteer id -> a Tick placed at their first current post. One query."""
    ticks = {}
    for a in appointments.select_related(
        "volunteer__community", "building_group__compound", "street_zone"
    ).order_by("pk"):
        if a.kind == LeaderKind.BUILDING:
            compound, unit = a.building_group.compound.name, a.building_group.name
        else:
            compound, unit = STREET_LEADERS, a.street_zone.name
        v = a.volunteer
        ticks.setdefault(v.pk, Tick(v.pk, v.name, v.community.name, compound, unit))
    return ticks


def _ticks_of_rows(ticks: dict, rows, mark) -> None:
    """Add the people already recorded (`rows` with their volunteer and community) and mark
    them with `mark(tick, row)`."""
    for row in rows.select_related("volunteer__community"):
        v = row.volunteer
        tick = ticks.setdefault(v.pk, Tick(v.pk, v.name, v.community.name))
        mark(tick, row)


def training_roster(training, scope) -> list[TickGroup]:
    """Who is invited to a training (应到), ticked where they came: the current leaders of the
    training's community (of every community of the subdistrict for a street-wide one) and
    anyone already recorded for it; only the people `scope` reaches. Two queries."""
    leaders = scope.filter(Appointment.objects.current())
    if training.community_id:
        leaders = leaders.filter(volunteer__community=training.community_id)
    else:
        leaders = leaders.filter(volunteer__community__subdistrict=training.subdistrict_id)
    ticks = _leader_ticks(leaders)
    rows = scope.filter(Attendance.objects.filter(training=training))
    _ticks_of_rows(ticks, rows, lambda tick, row: setattr(tick, "ticked", row.attended))
    return _grouped(ticks.values(), with_community=training.community_id is None)


def activity_roster(activity, scope) -> list[TickGroup]:
    """Who may have served at an activity: its community's volunteers (leaders placed at their
    posts, the others after them), ticked with their hours where recorded. Three queries."""
    volunteers = scope.filter(Volunteer.objects.filter(community=activity.community_id))
    ticks = _leader_ticks(
        scope.filter(Appointment.objects.current()).filter(
            volunteer__community=activity.community_id
        )
    )
    for v in volunteers.select_related("community").exclude(pk__in=list(ticks)):
        ticks[v.pk] = Tick(v.pk, v.name, v.community.name)

    def mark(tick, row):
        tick.ticked, tick.hours = True, row.hours

    _ticks_of_rows(ticks, scope.filter(Participation.objects.filter(activity=activity)), mark)
    return _grouped(ticks.values(), with_community=False)
