"""The fund's 待办 (jinhai.todo): notices (公示) about to end, projects waiting for their
discussion meeting, their 公示 or their 立项, resident proposals (居民提议) to review and opinions
(意见) on notices to moderate."""

import datetime
from urllib.parse import urlencode

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from communities.signups import this_week
from jinhai.todo import Task, TodoKind, first_with_total

from .models import DiscussionMeeting, FundProject, ProjectStatus, ProposalReview
from .participation import MeetingSignup, Opinion, OpinionState


def _move_url(project, to):
    url = reverse("admin:self_governance_fundproject_move", args=[project.pk])
    return f"{url}?to={to}"


def notices_ending(scope, today, limit):
    projects, total = first_with_total(
        scope.filter(FundProject.objects.filter(status=ProjectStatus.PUBLICISING))
        .filter(notice_until__gte=today)
        .select_related("community")
        .order_by("notice_until", "pk"),
        limit,
    )
    tasks = [
        Task(
            title=project.title,
            url=_move_url(project, ProjectStatus.APPROVED),
            detail=f"{project.community.name} · 公示期至 {project.notice_until:%Y-%m-%d},"
            "期满无异议后立项",
            due=project.notice_until + datetime.timedelta(days=1),  # the first day it may be
        )
        for project in projects
    ]
    return tasks, total


def projects_waiting(scope, today, limit):
    """In 讨论 (a meeting to hold, or held and the notice to put up) or in 公示 past its days."""
    projects, total = first_with_total(
        scope.filter(FundProject.objects.all())
        .filter(
            Q(status=ProjectStatus.DISCUSSING)
            | Q(status=ProjectStatus.PUBLICISING)
            & (Q(notice_until__lt=today) | Q(notice_until__isnull=True))
        )
        .annotate(
            has_meeting=Exists(DiscussionMeeting.objects.filter(project=OuterRef("pk"))),
            waiting_order=Case(
                When(status=ProjectStatus.PUBLICISING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .select_related("community")
        .order_by("waiting_order", "notice_until", "created_at", "pk"),
        limit,
    )
    return [_waiting_task(project) for project in projects], total


def _waiting_task(project):
    community = project.community.name
    if project.status == ProjectStatus.PUBLICISING:
        ended = f",公示期 {project.notice_until:%Y-%m-%d} 已满" if project.notice_until else ""
        return Task(
            title=project.title,
            url=_move_url(project, ProjectStatus.APPROVED),
            detail=f"{community} · 待立项{ended}",
        )
    if not project.has_meeting:
        add = reverse("admin:self_governance_discussionmeeting_add")
        return Task(
            title=project.title,
            url=f"{add}?"
            + urlencode(
                {"project": project.pk, "community": project.community_id, "topic": project.title}
            ),
            detail=f"{community} · 待召开讨论会(自治金参与式讨论会)",
        )
    return Task(
        title=project.title,
        url=_move_url(project, ProjectStatus.PUBLICISING),
        detail=f"{community} · 讨论会已召开,待公示",
    )


def proposals_to_review(scope, today, limit):
    """Resident proposals waiting for staff, oldest first."""
    projects, total = first_with_total(
        scope.filter(FundProject.objects.filter(review=ProposalReview.PENDING))
        .select_related("community")
        .order_by("created_at", "pk"),
        limit,
    )
    tasks = [
        Task(
            title=project.title,
            url=reverse("admin:self_governance_fundproject_review", args=[project.pk]),
            detail=f"{project.community.name} · 居民提议,"
            f"{timezone.localdate(project.created_at):%Y-%m-%d} 提交",
        )
        for project in projects
    ]
    return tasks, total


def opinions_to_moderate(scope, today, limit):
    """Households' opinions on notices, waiting to be published or withheld, oldest first."""
    opinions, total = first_with_total(
        scope.filter(Opinion.objects.filter(state=OpinionState.PENDING))
        .select_related("project__community")
        .order_by("created_at", "pk"),
        limit,
    )
    tasks = [
        Task(
            title=opinion.project.title,
            url=reverse("admin:self_governance_opinion_change", args=[opinion.pk]),
            detail=f"{opinion.project.community.name} · 公示意见,"
            f"{timezone.localdate(opinion.created_at):%Y-%m-%d} 提交",
        )
        for opinion in opinions
    ]
    return tasks, total


def _list(status):
    return lambda: (
        reverse("admin:self_governance_fundproject_changelist") + f"?status__exact={status}"
    )


KINDS = [
    TodoKind(
        key="fund_notices_ending",
        title="公示期即将结束",
        order=10,
        permission="self_governance.change_fundproject",
        tasks=notices_ending,
        all_url=_list(ProjectStatus.PUBLICISING),
    ),
    TodoKind(
        key="fund_projects_waiting",
        title="待讨论、公示或立项的自治金项目",
        order=20,
        permission="self_governance.change_fundproject",
        tasks=projects_waiting,
        all_url=_list(ProjectStatus.DISCUSSING),
    ),
    TodoKind(
        key="fund_proposals_to_review",
        title="待审核的居民提议",
        order=25,
        permission="self_governance.change_fundproject",
        tasks=proposals_to_review,
        all_url=lambda: (
            reverse("admin:self_governance_fundproject_changelist")
            + f"?review__exact={ProposalReview.PENDING}"
        ),
    ),
    TodoKind(
        key="fund_opinions_to_moderate",
        title="待审核的公示意见",
        order=26,
        permission="self_governance.change_opinion",
        tasks=opinions_to_moderate,
        all_url=lambda: (
            reverse("admin:self_governance_opinion_changelist")
            + f"?state__exact={OpinionState.PENDING}"
        ),
    ),
    TodoKind(
        key="fund_meeting_signups",
        title="本周会议报名",
        order=27,
        permission="self_governance.view_meetingsignup",
        tasks=this_week(MeetingSignup),
    ),
]
