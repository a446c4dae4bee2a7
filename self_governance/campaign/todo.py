"""The campaign's 待办 (jinhai.todo): rectifications past their deadline, with who answers for
them: the building group's current 楼组长 (read through the group's reverse relation, so this
room does not import the volunteers app) and the community's committee."""

from django.db.models import F, FilteredRelation, Q
from django.urls import reverse

from jinhai.todo import Task, TodoKind, first_with_total

from .models import Rectification

_GROUP = "inspection__enrollment__building_group"


def overdue_rectifications(scope, today, limit):
    fixes, total = first_with_total(
        scope.filter(Rectification.objects.overdue(today))
        .annotate(
            # At most one current leader per building group (a unique constraint): no doubling.
            current_leader=FilteredRelation(
                f"{_GROUP}__leader_appointments",
                condition=Q(**{f"{_GROUP}__leader_appointments__end__isnull": True}),
            ),
            leader_name=F("current_leader__volunteer__name"),
        )
        .select_related(f"{_GROUP}__compound__community")
        .order_by("deadline", "pk"),
        limit,
    )
    tasks = []
    for fix in fixes:
        group = fix.inspection.enrollment.building_group
        leader = f"楼组长{fix.leader_name}" if fix.leader_name else "楼组长空缺"
        tasks.append(
            Task(
                title=f"{group}:{fix.finding}",
                url=reverse("admin:self_governance_rectification_change", args=[fix.pk]),
                detail=f"责任人:{leader}、{group.compound.community.name}居委会"
                f" · {fix.get_status_display()}",
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
