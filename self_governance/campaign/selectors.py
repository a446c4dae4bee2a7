"""Read side of the 和美 campaign: each enrolled building group's results, a contest's table."""

from collections import defaultdict

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import Length
from django.utils import timezone

from communities.models import Community, Compound
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

# Building groups a page of a campaign shows (as jinhai.paging does for the lists).
ENROLLMENT_PAGE = 30


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
    return with_results(enrollments)


def with_results(enrollments):
    """Set `results` (each inspection kind's latest total) and `fixes` on these enrollments:
    two queries, over these enrollments' rows only."""
    ids = [e.pk for e in enrollments]
    totals = (
        InspectionScore.objects.filter(inspection__enrollment__in=ids)
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
        inspection__enrollment__in=ids
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


def campaign_communities(campaign):
    """The communities whose building groups take part, in pinyin order, each with its enrolled
    groups (`n_enrolled`), their compounds (`n_compounds`) and their rectifications done, open
    and overdue counted: one query, one row per community (a campaign is one subdistrict's)."""
    here = OuterRef("pk")
    enrolled = Enrollment.objects.filter(
        campaign=campaign, building_group__compound__community=here
    )
    fixes = Rectification.objects.filter(
        inspection__enrollment__campaign=campaign,
        inspection__enrollment__building_group__compound__community=here,
    )
    compounds = Compound.objects.filter(community=here).filter(
        Exists(
            Enrollment.objects.filter(campaign=campaign, building_group__compound=OuterRef("pk"))
        )
    )
    communities = Community.objects.filter(subdistrict=campaign.subdistrict_id).filter(
        Exists(enrolled)
    )
    if campaign.community_id:
        communities = communities.filter(pk=campaign.community_id)
    return list(
        communities.annotate(
            n_enrolled=subquery_count(enrolled),
            n_compounds=subquery_count(compounds),
            fixes_done=subquery_count(fixes.filter(status=RectificationStatus.DONE)),
            fixes_open=subquery_count(fixes.open()),
            fixes_overdue=subquery_count(fixes.overdue()),
        ).order_by("sort_order", "sort_key", "name", "pk")
    )


def community_enrollments(campaign, community, page=None):
    """A page of one community's enrolled building groups, by compound (pinyin) and building
    group (2号楼 before 10号楼: shorter names first), with their results. Three queries: the
    count is the community's `n_enrolled`, already read."""
    enrollments = (
        Enrollment.objects.filter(campaign=campaign, building_group__compound__community=community)
        .select_related("building_group__compound")
        .order_by(
            "building_group__compound__sort_key",
            "building_group__compound__name",
            "building_group__compound_id",
            Length("building_group__name"),
            "building_group__name",
            "pk",
        )
    )
    paginator = Paginator(enrollments, ENROLLMENT_PAGE)
    # Counted with the communities (cached_property: set, it is not counted again).
    paginator.count = community.n_enrolled
    page_obj = paginator.get_page(page)
    with_results(page_obj.object_list)
    return page_obj


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
        .order_by("-year", "name", "pk")
    )


def campaign_page(campaign, *, community_id=None, page=None):
    """A campaign's standards, its communities with their counts and the campaign's totals, a
    page of one community's building groups with their results (the community asked for, or
    the only one), and its published contests. Four queries, seven with a community's page,
    however many building groups take part."""
    standards = list(campaign.standards.order_by("sort_order", "pk"))
    communities = campaign_communities(campaign)
    chosen = next((c for c in communities if c.pk == community_id), None)
    if chosen is None and len(communities) == 1:
        chosen = communities[0]
    page_obj = community_enrollments(campaign, chosen, page) if chosen else None
    return {
        "standards": standards,
        "full_marks": sum(s.max_score for s in standards),
        "communities": communities,
        "chosen_community": chosen,
        "enrollments": page_obj.object_list if page_obj else [],
        "page_obj": page_obj,
        "paginator": page_obj.paginator if page_obj else None,
        "is_paginated": bool(page_obj and page_obj.has_other_pages()),
        "kinds": list(InspectionKind),
        "n_enrolled": sum(c.n_enrolled for c in communities),
        "n_compounds": sum(c.n_compounds for c in communities),
        "fixes": {
            name: sum(getattr(c, f"fixes_{name}") for c in communities)
            for name in ("done", "open", "overdue")
        },
        "contests": list(campaign.contests.filter(published=True).order_by("date", "name")),
    }
