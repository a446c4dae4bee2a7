"""The 两长's 待办 (jinhai.todo): building groups and street zones without a current leader,
trainings without any attendance recorded and activities without any service recorded."""

import datetime
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse

from communities.models import Community
from communities.signups import this_week
from jinhai.todo import Task, TodoKind, first_with_total

from . import selectors
from .models import Activity, ActivitySignup, Attendance, Participation, Training

# Older sessions without records are history, not work.
RECENT_DAYS = 365


def _replace_url(**unit):
    return reverse("admin:volunteers_appointment_replace") + "?" + urlencode(unit)


def vacancies(scope, today, limit):
    groups, zones = selectors.units_without_leader(scope.filter(Community.objects.all()))
    zones, n_zones = first_with_total(zones.order_by("community__sort_order", "name"), limit)
    groups, n_groups = first_with_total(groups, max(limit - len(zones), 1))
    tasks = [
        Task(
            title=f"{zone.name}:街面长空缺",
            url=_replace_url(street_zone=zone.pk),
            detail=zone.community.name,
        )
        for zone in zones
    ] + [
        Task(
            title=f"{group}:楼组长空缺",
            url=_replace_url(building_group=group.pk),
            detail=group.compound.community.name,
        )
        for group in groups
    ]
    return tasks[:limit], n_zones + n_groups


def _recent(queryset, today):
    return queryset.filter(
        date__lte=today, date__gte=today - datetime.timedelta(days=RECENT_DAYS)
    ).order_by("-date", "pk")


def trainings_without_attendance(scope, today, limit):
    # Street-wide trainings count for community staff until one of their own people is recorded.
    recorded = scope.filter(Attendance.objects.filter(training=OuterRef("pk")))
    trainings, total = first_with_total(
        _recent(scope.filter(Training.objects.exclude(Exists(recorded))), today).select_related(
            "community"
        ),
        limit,
    )
    tasks = [
        Task(
            title=str(training),
            url=reverse("admin:volunteers_training_change", args=[training.pk]),
            detail=f"{training.community.name if training.community_id else '街道'}"
            f" · {training.get_mode_display()} · 未登记签到",
        )
        for training in trainings
    ]
    return tasks, total


def activities_without_service(scope, today, limit):
    recorded = Participation.objects.filter(activity=OuterRef("pk"))
    activities, total = first_with_total(
        _recent(scope.filter(Activity.objects.exclude(Exists(recorded))), today).select_related(
            "community"
        ),
        limit,
    )
    tasks = [
        Task(
            title=str(activity),
            url=reverse("admin:volunteers_activity_participants", args=[activity.pk]),
            detail=f"{activity.community.name} · {activity.get_kind_display()} · 未登记参加人员",
        )
        for activity in activities
    ]
    return tasks, total


KINDS = [
    TodoKind(
        key="trainings_without_attendance",
        title="培训未登记签到",
        order=40,
        permission="volunteers.add_attendance",
        tasks=trainings_without_attendance,
        all_url=lambda: reverse("admin:volunteers_training_changelist"),
    ),
    TodoKind(
        key="activities_without_service",
        title="志愿服务活动未登记参加人员",
        order=45,
        permission="volunteers.add_participation",
        tasks=activities_without_service,
        all_url=lambda: reverse("admin:volunteers_activity_changelist"),
    ),
    TodoKind(
        key="leader_vacancies",
        title="两长空缺",
        order=60,
        permission="volunteers.add_appointment",
        tasks=vacancies,
        all_url=lambda: reverse("admin:volunteers_dashboard"),
    ),
    TodoKind(
        key="activity_signups",
        title="本周活动报名",
        order=46,
        permission="volunteers.view_activitysignup",
        tasks=this_week(ActivitySignup),
    ),
]
