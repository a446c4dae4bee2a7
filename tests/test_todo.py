"""待办 on the admin's first page (jinhai.todo): scoped, linked, bounded."""

import datetime

from django.urls import reverse

from jinhai import todo
from self_governance.campaign.models import Enrollment

from .factories import EnrollmentFactory, InspectionFactory, RectificationFactory

TODAY = datetime.date(2026, 12, 1)


def _overdue(world, group, n, days_late=10):
    enrollment = Enrollment.objects.filter(
        campaign=world.fund.campaign, building_group=group
    ).first()
    enrollment = enrollment or EnrollmentFactory(campaign=world.fund.campaign, building_group=group)
    inspection = InspectionFactory(
        enrollment=enrollment,
        kind="street",
        date=TODAY - datetime.timedelta(days=60 + enrollment.inspections.count()),
    )
    return [
        RectificationFactory(
            inspection=inspection,
            finding=f"楼道堆物{i}",
            deadline=TODAY - datetime.timedelta(days=days_late + i),
        )
        for i in range(n)
    ]


def _group(groups, key):
    return next((g for g in groups if g.kind.key == key), None)


def test_overdue_rectifications_are_each_communitys_own(world, users):
    a = _overdue(world, world.a.building_group, 2)
    b = _overdue(world, world.b.building_group, 1)
    mine = _group(todo.for_user(users.staff_a, today=TODAY), "rectifications_overdue")
    theirs = _group(todo.for_user(users.staff_b, today=TODAY), "rectifications_overdue")
    street = _group(todo.for_user(users.street, today=TODAY), "rectifications_overdue")
    change = "admin:self_governance_rectification_change"
    # The world's own rectification (deadline in 2022) is overdue too.
    assert {t.url for t in mine.tasks} >= {reverse(change, args=[f.pk]) for f in a}
    assert not {t.url for t in mine.tasks} & {reverse(change, args=[f.pk]) for f in b}
    assert theirs.total == 1 and "楼道堆物0" in theirs.tasks[0].title
    assert street.total == mine.total + theirs.total
    assert all(t.overdue and t.due for t in mine.tasks)


def test_a_user_without_the_permission_or_a_place_sees_no_such_work(world, users):
    _overdue(world, world.a.building_group, 1)
    assert _group(todo.for_user(users.viewer, today=TODAY), "rectifications_overdue") is None
    assert todo.for_user(users.superuser, today=TODAY)  # superusers see everything
    from .factories import UserFactory

    assert todo.for_user(UserFactory(is_staff=True), today=TODAY) == []


def test_the_page_shows_the_first_few_and_links_to_the_rest(world, users, login):
    _overdue(world, world.a.building_group, todo.PER_KIND + 5)
    response = login(users.staff_a).get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "待办" in body and "整改逾期" in body
    group = _group(response.context["todo"], "rectifications_overdue")
    assert len(group.tasks) == todo.PER_KIND and group.more >= 5
    assert reverse("admin:self_governance_rectification_overdue") in body
    # The models are still listed under the work.
    assert response.context["app_list"]


def test_the_page_costs_the_same_whatever_the_work(world, users, login, django_assert_num_queries):
    client = login(users.staff_a)
    _overdue(world, world.a.building_group, 2)
    # session, user, permissions (2), placement, each kind's work (one query), the admin's recent
    # actions, and the session saved again (its idle timeout moves on)
    with django_assert_num_queries(10):
        client.get(reverse("admin:index"))
    _overdue(world, world.a.building_group, 40)
    with django_assert_num_queries(10):
        response = client.get(reverse("admin:index"))
    assert _group(response.context["todo"], "rectifications_overdue").total >= 42
