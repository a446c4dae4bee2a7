"""Read side of the fund: allocated, approved, spent and remaining per community and year
(approved counts projects from 立项 on: see `models.approved_sum`), and what a page of projects
shows."""

from collections import Counter
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from communities import signups
from communities.models import Community, Subdistrict
from jinhai.db import subquery_sum
from jinhai.paging import ReadCountPaginator
from jinhai.sorting import pinyin_key

from .models import (
    AMOUNT,
    PROJECT_PATH,
    SUPPORT_STATUSES,
    DiscussionMeeting,
    Expenditure,
    FundAllocation,
    FundProject,
    ProjectMove,
    ProjectStatus,
    approved_sum,
    notice_running_q,
    spent_sum,
)
from .participation import MeetingSignup, Opinion, Support

# What `household_place` reads, joined into the query of the rows (projects, opinions) whose
# `household` it names.
HOUSEHOLD_PLACE = ("household__building_group__compound", "household__street_zone")
FIGURES = ("allocated", "approved", "spent", "remaining")
# How a community's page lists its projects: along the path (征集 first), then the rejected ones.
STATUS_ORDER = [*PROJECT_PATH, ProjectStatus.REJECTED]
# What a project's card on its community's page shows, joined rows included (household_place
# reads the household's building group and compound, or its street zone).
PROJECT_CARD_COLUMNS = (
    "title",
    "status",
    "category",
    "description",
    "amount_requested",
    "amount_approved",
    "compound__name",
    "household__building_group__name",
    "household__building_group__compound__name",
    "household__street_zone__name",
)
# Communities a page of the fund overview shows (as jinhai.paging does for the lists).
OVERVIEW_PAGE = 30


def community_fund_figures(communities, year):
    """Annotate Community rows with one year's allocated, approved and spent: one query,
    however many communities and projects (`with_remaining` adds what is left)."""
    allocated = Coalesce(
        Subquery(
            # Unordered: the allocation's default order would join every community's row again.
            FundAllocation.objects.filter(community=OuterRef("pk"), year=year)
            .order_by()
            .values("amount")[:1],
            output_field=AMOUNT,
        ),
        Value(Decimal(0)),
        output_field=AMOUNT,
    )
    return communities.annotate(
        allocated=allocated,
        approved=approved_sum(OuterRef("pk"), year),
        spent=spent_sum(OuterRef("pk"), year),
    )


def with_remaining(rows):
    """Each row of `community_fund_figures` or `subdistrict_fund_figures` with `remaining`
    (allocated - approved), worked out here: in SQL the difference would repeat both
    subqueries, which the database plans and runs again for every row."""
    rows = list(rows)
    for row in rows:
        row.remaining = row.allocated - row.approved
    return rows


def fund_years():
    """Years with an allocation or a public project, newest first (one query)."""
    allocations = FundAllocation.objects.order_by().values_list("year", flat=True)
    projects = FundProject.objects.public().order_by().values_list("year", flat=True)
    return sorted(set(allocations.union(projects)), reverse=True)


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


def with_history(projects):
    """Projects with what their public pages show: spent so far, and meetings, moves and
    payments in date order (three queries for any number of projects)."""
    return projects.with_spent().prefetch_related(
        Prefetch("meetings", queryset=DiscussionMeeting.objects.order_by("date", "pk")),
        Prefetch("moves", queryset=ProjectMove.objects.order_by("at", "pk")),
        Prefetch("expenditures", queryset=Expenditure.objects.order_by("date", "pk")),
    )


def subdistrict_fund_figures(subdistricts, year):
    """Annotate Subdistrict rows with the sums of their communities' figures for one year (the
    same sums as `community_fund_figures`, added up in SQL): one query."""
    place = OuterRef("pk")
    return subdistricts.annotate(
        allocated=subquery_sum(
            FundAllocation.objects.filter(community__subdistrict=place, year=year), "amount", AMOUNT
        ),
        approved=subquery_sum(
            FundProject.objects.funded().filter(community__subdistrict=place, year=year),
            "amount_approved",
            AMOUNT,
        ),
        spent=subquery_sum(
            Expenditure.objects.filter(project__community__subdistrict=place, project__year=year),
            "amount",
            AMOUNT,
        ),
    )


def overview(year, *, subdistrict_id=None, page=None):
    """The fund of one year as a city reads it: each subdistrict's totals, or one subdistrict's
    totals and a page of its communities' figures (the only subdistrict's, where there is one).
    Two queries for the city, three for a subdistrict, however many communities; None for a
    subdistrict that is not there."""
    if subdistrict_id is not None:
        subdistrict = subdistrict_fund_figures(
            Subdistrict.objects.filter(pk=subdistrict_id), year
        ).first()
        if subdistrict is None:
            return None
        with_remaining([subdistrict])
    else:
        subdistricts = with_remaining(
            subdistrict_fund_figures(Subdistrict.objects.all(), year).order_by(
                "city", "district", "name", "pk"
            )
        )
        if len(subdistricts) != 1:
            # One row per subdistrict: bounded by the city's shape, not by its communities.
            totals = {
                name: sum((getattr(s, name) for s in subdistricts), Decimal(0)) for name in FIGURES
            }
            return {"subdistricts": subdistricts, "totals": totals}
        (subdistrict,) = subdistricts
    communities = community_fund_figures(
        Community.objects.filter(subdistrict=subdistrict), year
    ).order_by("sort_order", "sort_key", "name", "pk")
    page_obj = ReadCountPaginator(communities, OVERVIEW_PAGE).get_page(page)
    page_obj.object_list = with_remaining(page_obj.object_list)
    return {
        "subdistrict": subdistrict,
        "communities": page_obj.object_list,
        "page_obj": page_obj,
        "paginator": page_obj.paginator,
        "is_paginated": page_obj.has_other_pages(),
        "totals": {name: getattr(subdistrict, name) for name in FIGURES},
    }


def _meetings(community, year, today):
    """The year's general 说事会 held so far, and the meetings ahead that take sign-ups (报名),
    in one query."""
    meetings = list(
        DiscussionMeeting.objects.filter(community=community)
        .filter(
            Q(project__isnull=True, date__year=year, date__lte=today)
            | Q(signup_open=True, date__gte=today)
        )
        .annotate(n_signed_up=signups.signed_up(MeetingSignup))
        .order_by("-date", "pk")
    )
    held = [m for m in meetings if m.date <= today and m.project_id is None and m.date.year == year]
    return {
        "general_meetings": held,
        "coming_meetings": [m for m in reversed(meetings) if m.takes_signups(today)],
    }


def community_year(community, year, status=None):
    """One community's projects of a year, each with its timeline, optionally of one status;
    the count of each status; the year's general 说事会 held so far; and the meetings ahead
    that take sign-ups (报名)."""
    today = timezone.localdate()
    projects = FundProject.objects.reviewed().filter(community=community, year=year)
    if status is not None:
        counts = dict(
            projects.order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        projects = projects.filter(status=status)
    projects = list(
        with_history(projects.select_related("compound", *HOUSEHOLD_PLACE))
        .only(*PROJECT_CARD_COLUMNS)
        .with_supports()
        .order_by("title")
    )
    if status is None:
        # Every project of the year is listed: they count themselves.
        counts = Counter(project.status for project in projects)
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    projects.sort(key=lambda p: (order[p.status], pinyin_key(p.title)))
    for project in projects:
        project.timeline = project_timeline(project)
        project.proposed_by = household_place(project.household)
    return {
        "projects": projects,
        "statuses": [(ProjectStatus(s), counts[s]) for s in STATUS_ORDER if counts.get(s)],
        "n_projects": sum(counts.values()),
        **_meetings(community, year, today),
    }


def notice(project):
    """What a project's notice (公示) adds to the project (loaded through `with_history` and
    `with_opinions`): its timeline, when anything last happened to it, and the opinions staff
    published, with where each household lives (小区 + 楼组)."""
    project.timeline = project_timeline(project)
    today = timezone.localdate()
    dates = [date for date, _, _ in project.timeline if date <= today]  # not a meeting ahead
    dates += [payment.date for payment in project.expenditures.all()]
    opinions = list(
        Opinion.objects.published()
        .filter(project=project)
        .select_related(*HOUSEHOLD_PLACE)
        .order_by("created_at", "pk")
    )
    for opinion in opinions:
        opinion.place = household_place(opinion.household)
    return {
        "updated_on": max(dates, default=None),
        "opinions": opinions,
        "notice_running": project.notice_running(),
    }


def allocation_grid(communities, year: int):
    """Each community with its allocation of `year` (`amount`, None if not set), of the year
    before (`last_amount`) and what is approved from `year` already (`taken`). One query."""
    of_year = FundAllocation.objects.filter(community=OuterRef("pk"))
    return communities.annotate(
        amount=Subquery(of_year.filter(year=year).values("amount")[:1]),
        last_amount=Subquery(of_year.filter(year=year - 1).values("amount")[:1]),
        taken=Coalesce(
            Subquery(
                FundProject.objects.funded()
                .filter(community=OuterRef("pk"), year=year)
                .order_by()
                .values("community")
                .annotate(s=Sum("amount_approved"))
                .values("s")[:1]
            ),
            Value(Decimal(0)),
        ),
    ).order_by("sort_order", "name")


def household_proposals(household):
    """A household's own proposals, newest first, with where each stands (one query)."""
    return list(
        FundProject.objects.filter(household=household)
        .select_related("merged_into")
        .with_supports()
        .order_by("-created_at", "-pk")
    )


def open_to_households(household):
    """The public projects of the household's community it may act on now, in one query: those
    that take supports (附议: `supported` says whether this household supports it) and those
    whose notice (公示) hangs today, when it may leave an opinion (意见)."""
    today = timezone.localdate()
    mine = Support.objects.filter(project=OuterRef("pk"), household=household)
    projects = list(
        FundProject.objects.reviewed()
        .filter(community=household.community_id)
        .filter(Q(status__in=SUPPORT_STATUSES) | notice_running_q(today))
        .with_supports()
        .annotate(supported=Exists(mine))
        .select_related("compound")
        .order_by("-year", "title")
    )
    return {
        "supportable": [p for p in projects if p.status in SUPPORT_STATUSES],
        "notices": [p for p in projects if p.status == ProjectStatus.PUBLICISING],
    }


def household_opinions(household):
    """A household's own opinions, newest first, with where each stands (one query)."""
    return list(
        Opinion.objects.filter(household=household)
        .select_related("project")
        .order_by("-created_at", "-pk")
    )


def household_place(household) -> str:
    """Where a household lives, as public pages may say it: 小区 + 楼组 (or the street zone of a
    shop), never the room."""
    if household is None:
        return ""
    if household.building_group_id:
        group = household.building_group
        return f"{group.compound.name}{group.name}"
    return household.street_zone.name if household.street_zone_id else ""
