"""The organizations' 待办 (jinhai.todo): who has not submitted the current round's 年检.

The round under way is last year's: organizations report the year just ended (the 2025 年检 is
held in 2026)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from jinhai.todo import Task, TodoKind, first_with_total

from . import selectors
from .models import SocialOrganization


def current_round(today) -> int:
    return today.year - 1


def inspections_missing(scope, today, limit):
    if scope.is_community_level:
        return [], 0  # organizations are the street office's to inspect
    year = current_round(today)
    organizations, total = first_with_total(
        selectors.not_submitted(scope.filter(SocialOrganization.objects.all()), year), limit
    )
    add = reverse("admin:orgs_annualinspection_add")
    tasks = [
        Task(
            title=organization.name,
            url=f"{add}?" + urlencode({"organization": organization.pk, "year": year}),
            detail=f"{organization.get_kind_display()} · {year} 年度年检"
            + ("未参检" if organization.recorded_result else "未提交"),
        )
        for organization in organizations
    ]
    return tasks, total


KINDS = [
    TodoKind(
        key="org_inspections_missing",
        title="社会组织年检未提交",
        order=50,
        permission="orgs.add_annualinspection",
        tasks=inspections_missing,
        all_url=lambda: (
            reverse("admin:orgs_inspection_year") + f"?year={current_round(timezone.localdate())}"
        ),
    ),
]
