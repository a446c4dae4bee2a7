"""Read-side figures: the points ledger's leaderboards and monthly totals, the fund's budget
figures, and the 和美 campaign's results."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from jinhai.db import subquery_sum
from jinhai.sorting import natural_key

from .models import (
    Account,
    AccountKind,
    Enrollment,
    Expenditure,
    FundAllocation,
    FundProject,
    InspectionKind,
    InspectionScore,
    MonthlyPoints,
    PointEntry,
    Rectification,
    RectificationStatus,
    RoundScore,
)


def leaderboard(scheme, limit=100):
    """Accounts by balance: an index scan on (scheme, -balance), however long the ledger."""
    return list(
        Account.objects.filter(scheme=scheme)
        .ranked()
        .select_related("building_group__compound")[:limit]
    )


def rank_of(account) -> int:
    return Account.objects.filter(scheme=account.scheme_id, balance__gt=account.balance).count() + 1


def months(scheme):
    """[(month, points gained)] for the scheme, oldest first: the monthly chart."""
    return list(
        MonthlyPoints.objects.filter(scheme=scheme)
        .values("month")
        .annotate(points=Sum("points"))
        .order_by("month")
        .values_list("month", "points")
    )


def top_households(scheme, month, limit=10):
    return list(
        MonthlyPoints.objects.filter(
            scheme=scheme, month=month, account__kind=AccountKind.HOUSEHOLD
        )
        .select_related("account__building_group__compound")
        .order_by("-points", "account_id")[:limit]
    )


def top_building_groups(scheme, month, limit=10):
    return list(
        MonthlyPoints.objects.filter(
            scheme=scheme, month=month, account__kind=AccountKind.HOUSEHOLD
        )
        .values(
            "account__building_group",
            "account__building_group__name",
            "account__building_group__compound__name",
        )
        .annotate(points=Sum("points"), households=Count("account"))
        .order_by("-points", "account__building_group")[:limit]
    )


def top_shops(scheme, month, limit=10):
    return list(
        MonthlyPoints.objects.filter(scheme=scheme, month=month, account__kind=AccountKind.SHOP)
        .select_related("account")
        .order_by("-points", "account_id")[:limit]
    )


def totals_by_rule(scheme, month):
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    return list(
        PointEntry.objects.filter(
            account__scheme=scheme, rule__isnull=False, date__gte=month, date__lt=next_month
        )
        .values("rule__code", "rule__description")
        .annotate(points=Sum("points"), entries=Count("pk"))
        .order_by("rule__code")
    )


def entries_by_month(entries):
    return list(
        entries.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(points=Sum("points"))
        .order_by("month")
        .values_list("month", "points")
    )


# 自治金: allocated, approved, spent and remaining per community and year. Approved counts every
# project from 立项 on (its approved amount is committed whether or not it is spent yet);
# remaining = allocated - approved is what a new approval may still take.

AMOUNT = DecimalField(max_digits=14, decimal_places=2)


def approved_sum(community, year):
    """SUM of approved amounts of funded projects; `community`/`year` may be OuterRefs."""
    return subquery_sum(
        FundProject.objects.funded().filter(community=community, year=year),
        "amount_approved",
        AMOUNT,
    )


def spent_sum(community, year):
    return subquery_sum(
        Expenditure.objects.filter(project__community=community, project__year=year),
        "amount",
        AMOUNT,
    )


def fund_figures(allocations, *, community="community", year="year"):
    """Annotate FundAllocation rows with approved, spent and remaining: one query in all."""
    return allocations.annotate(
        approved=approved_sum(OuterRef(community), OuterRef(year)),
        spent=spent_sum(OuterRef(community), OuterRef(year)),
    ).annotate(remaining=F("amount") - F("approved"))


def community_fund_figures(communities, year):
    """Annotate Community rows with one year's allocated, approved, spent and remaining: one
    query, however many communities and projects."""
    allocated = Coalesce(
        Subquery(
            FundAllocation.objects.filter(community=OuterRef("pk"), year=year).values("amount")[:1],
            output_field=AMOUNT,
        ),
        Value(Decimal(0)),
        output_field=AMOUNT,
    )
    return communities.annotate(
        allocated=allocated,
        approved=approved_sum(OuterRef("pk"), year),
        spent=spent_sum(OuterRef("pk"), year),
    ).annotate(remaining=F("allocated") - F("approved"))


def fund_years():
    """Years with an allocation, newest first."""
    return list(FundAllocation.objects.order_by("-year").values_list("year", flat=True).distinct())


def committed(community_id, year, exclude_project=None) -> Decimal:
    """Approved amounts already taken from a community's year (read under the allocation lock
    by `services.project_move`)."""
    projects = FundProject.objects.funded().filter(community_id=community_id, year=year)
    if exclude_project is not None:
        projects = projects.exclude(pk=exclude_project)
    return projects.aggregate(s=Sum("amount_approved"))["s"] or Decimal(0)


def spent(project) -> Decimal:
    return project.expenditures.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def project_timeline(project):
    """A project's meetings and status moves, oldest first, as (date, kind, object) triples.

    Reads the prefetched `meetings` and `moves`, so a list of projects costs two queries in all.
    """
    items = [(m.date, "meeting", m) for m in project.meetings.all()]
    items += [(timezone.localtime(m.at).date(), "move", m) for m in project.moves.all()]
    return sorted(items, key=lambda item: (item[0], item[1] == "move"))


# 和美楼组: each enrolled building group's results and the campaign's figures.


def enrollment_results(campaign):
    """Enrolled building groups with, for each inspection kind, the total of the latest such
    inspection, and their rectifications done and open. Four queries however many groups."""
    enrollments = sorted(
        Enrollment.objects.filter(campaign=campaign).select_related("building_group__compound"),
        key=lambda e: (
            e.building_group.compound.community_id,
            e.building_group.compound_id,
            natural_key(e.building_group.name),
        ),
    )
    totals = (
        InspectionScore.objects.filter(inspection__enrollment__campaign=campaign)
        .values("inspection", "inspection__enrollment", "inspection__kind", "inspection__date")
        .annotate(total=Sum("score"))
        .order_by("inspection__date", "inspection")
    )
    latest = {}
    for row in totals:  # oldest first: the latest of each kind wins
        latest[(row["inspection__enrollment"], row["inspection__kind"])] = row["total"]
    fixes = defaultdict(lambda: {"done": 0, "open": 0, "overdue": 0})
    today = timezone.localdate()
    for status, deadline, enrollment_id in Rectification.objects.filter(
        inspection__enrollment__campaign=campaign
    ).values_list("status", "deadline", "inspection__enrollment"):
        counts = fixes[enrollment_id]
        if status == RectificationStatus.DONE:
            counts["done"] += 1
        else:
            counts["open"] += 1
            counts["overdue"] += deadline < today
    for enrollment in enrollments:
        enrollment.results = {kind: latest.get((enrollment.pk, kind)) for kind in InspectionKind}
        enrollment.fixes = fixes[enrollment.pk]
    return enrollments


def contest_results(contest):
    """Entries with their score in each round, ranked entries first. Three queries."""
    rounds = list(contest.rounds.order_by("order"))
    scores = {
        (s.entry_id, s.round_id): s.score
        for s in RoundScore.objects.filter(round__contest=contest).only(
            "entry_id", "round_id", "score"
        )
    }
    entries = list(contest.entries.select_related("community"))
    first = rounds[0] if rounds else None
    for entry in entries:
        entry.round_scores = [scores.get((entry.pk, r.pk)) for r in rounds]
    entries.sort(
        key=lambda e: (
            not e.shortlisted,
            e.rank or 10**6,
            -(scores.get((e.pk, first.pk)) or 0) if first else 0,
            e.title,
        )
    )
    return rounds, entries
