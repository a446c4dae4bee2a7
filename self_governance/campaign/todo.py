"""The campaign's 待办 (jinhai.todo): rectifications past their deadline."""

from django.urls import reverse

from jinhai.todo import Task, TodoKind, first_with_total

from .models import Rectification


def overdue_rectifications(scope, today, limit):
    fixes, total = first_with_total(
        scope.filter(Rectification.objects.overdue(today))
        .select_related("inspection__enrollment__building_group__compound__community")
        .order_by("deadline", "pk"),
        limit,
    )
    tasks = []
    for fix in fixes:
        group = fix.inspection.enrollment.building_group
        tasks.append(
            Task(
                title=f"{group}:{fix.finding}",
                url=reverse("admin:self_governance_rectification_change", args=[fix.pk]),
                detail=f"{group.compound.community.name} · {fix.get_status_display()}",
                due=fix.deadline,
                overdue=True,
            )
        )
    return tasks, total


KINDS = [
    TodoKind(
        key="rectifications_overdue",
        title="整改逾期",
        order=30,
        permission="self_governance.change_rectification",
        tasks=overdue_rectifications,
        all_url=lambda: reverse("admin:self_governance_rectification_overdue"),
    ),
]
