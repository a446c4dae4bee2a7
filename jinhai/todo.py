"""待办: what is waiting for a staff user, on the first page after login (the admin's index).

Each app declares its kinds of work here in its AppConfig.ready(), the way it declares what the
search finds, so this module imports no app: a notice period ending, a project waiting for its
meeting, an overdue 整改, a vacancy among the 两长 ... A kind reads the user's `Scope` and returns
its first few tasks and how many there are in all; each task links to the screen that does the
work. A kind is shown only to users with its permission, and only when it has something.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Window
from django.utils import timezone

from .scoping import Scope

# Tasks shown per kind; the kind's "全部" link lists the rest.
PER_KIND = 8


@dataclass(frozen=True)
class Task:
    """One line of work: what, where to do it, and by when."""

    title: str
    url: str
    detail: str = ""
    due: datetime.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class TodoKind:
    key: str
    title: str  # the heading: 公示期即将结束, 整改逾期 …
    order: int  # its place on the page
    permission: str  # "app.codename" a user needs to see it
    # (scope, today, limit) -> (the first `limit` tasks, how many in all)
    tasks: Callable[[Scope, datetime.date, int], tuple[list[Task], int]]
    # Where all of them are listed (a filtered change list), or "" when the tasks say it all.
    all_url: Callable[[], str] | None = None


@dataclass(frozen=True)
class TodoGroup:
    kind: TodoKind
    tasks: list[Task]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)

    @property
    def all_url(self) -> str:
        return self.kind.all_url() if self.kind.all_url else ""


_kinds: dict[str, TodoKind] = {}


def register_todo(*kinds: TodoKind) -> None:
    for kind in kinds:
        _kinds[kind.key] = kind


def kinds() -> list[TodoKind]:
    return sorted(_kinds.values(), key=lambda k: k.order)


def for_user(user, today: datetime.date | None = None) -> list[TodoGroup]:
    """The kinds of work this user has, in page order, each with its first tasks."""
    scope = Scope.for_user(user)
    if not scope.reaches_anything:
        return []
    today = today or timezone.localdate()
    groups = []
    for kind in kinds():
        if not user.has_perm(kind.permission):
            continue
        tasks, total = kind.tasks(scope, today, PER_KIND)
        if total:
            groups.append(TodoGroup(kind=kind, tasks=tasks, total=total))
    return groups


def first_with_total(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The first `limit` rows of an ordered queryset and how many there are, in one query
    (COUNT(*) OVER () rides along with the rows)."""
    rows = list(queryset.annotate(todo_total=Window(Count("*")))[:limit])
    return rows, (rows[0].todo_total if rows else 0)
