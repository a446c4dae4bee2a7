"""Read side of the 和美 campaign: each enrolled building group's results, a contest's table."""

from collections import defaultdict

from django.db.models import OuterRef, Sum
from django.utils import timezone

from jinhai.db import subquery_count
from jinhai.sorting import natural_key

from .models import (
    Campaign,
    Enrollment,
    InspectionKind,
    InspectionScore,
    Rectification,
    RectificationStatus,
    RoundScore,
)


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


def campaigns():
    """Every campaign, newest first, with its number of enrolled building groups (`n_enrolled`)."""
    return (
        Campaign.objects.select_related("community")
        .annotate(n_enrolled=subquery_count(Enrollment.objects.filter(campaign=OuterRef("pk"))))
        .order_by("-year", "name")
    )


def campaign_page(campaign):
    """A campaign's standards, its enrolled building groups with their results, the totals of
    its rectifications and its published contests."""
    standards = list(campaign.standards.order_by("sort_order", "pk"))
    enrollments = enrollment_results(campaign)
    return {
        "standards": standards,
        "full_marks": sum(s.max_score for s in standards),
        "enrollments": enrollments,
        "kinds": list(InspectionKind),
        "n_compounds": len({e.building_group.compound_id for e in enrollments}),
        "fixes": {
            name: sum(e.fixes[name] for e in enrollments) for name in ("done", "open", "overdue")
        },
        "contests": list(campaign.contests.filter(published=True).order_by("date", "name")),
    }
