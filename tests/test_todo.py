"""待办 on the admin's first page (jinhai.todo): scoped, linked, bounded."""

import datetime

from django.urls import reverse
from django.utils import timezone

from jinhai import todo
from self_governance.campaign.models import Enrollment
from self_governance.fund import services as fund_services
from self_governance.fund.models import FundProject
from self_governance.fund.participation import MeetingSignup, Opinion
from volunteers import services
from volunteers.models import ActivitySignup

from .factories import (
    ActivityFactory,
    AnnualInspectionFactory,
    AttendanceFactory,
    BuildingGroupFactory,
    DiscussionMeetingFactory,
    EnrollmentFactory,
    FundProjectFactory,
    InspectionFactory,
    RectificationFactory,
    SocialOrganizationFactory,
    StreetZoneFactory,
    TrainingFactory,
)

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
    # session, user, permissions (2), placement, each kind's work (one query each, two for the
    # vacancies; community staff are not asked for 年检), the admin's recent actions, and the
    # session saved again (its idle timeout moves on)
    with django_assert_num_queries(20):
        client.get(reverse("admin:index"))
    _overdue(world, world.a.building_group, 40)
    with django_assert_num_queries(20):
        response = client.get(reverse("admin:index"))
    assert _group(response.context["todo"], "rectifications_overdue").total >= 42


# The other kinds: each scoped, each line linking to where the work is done.


def _tasks(user, key, today=None):
    group = _group(todo.for_user(user, today=today or timezone.localdate()), key)
    return group.tasks if group else []


def _project(community, title, *, to, meeting=True):
    project = FundProjectFactory(community=community, year=timezone.localdate().year, title=title)
    if meeting:
        DiscussionMeetingFactory(community=community, project=project, date=TODAY_REAL())
    for step in ["discussing", "publicising"][: ["discussing", "publicising"].index(to) + 1]:
        fund_services.project_move(project=project, to=step, by=None)
    return project


def TODAY_REAL():  # noqa: N802 - the fund's moves are stamped with the real clock
    return timezone.localdate()


def test_notices_ending_and_projects_waiting(world, users):
    a, b = world.a.community, world.b.community
    running = _project(a, "正学苑楼道灯更换", to="publicising")
    ended = _project(a, "正学苑停车划线", to="publicising")
    FundProject.objects.filter(pk=ended.pk).update(
        notice_from=TODAY_REAL() - datetime.timedelta(days=10),
        notice_until=TODAY_REAL() - datetime.timedelta(days=4),
    )
    no_meeting = _project(a, "正学苑绿化补种", to="discussing", meeting=False)
    met = _project(a, "正学苑健身角", to="discussing")
    theirs = _project(b, "丰乐苑车棚", to="publicising")

    notices = _tasks(users.staff_a, "fund_notices_ending")
    assert [t.title for t in notices] == ["正学苑楼道灯更换"]
    move = reverse("admin:self_governance_fundproject_move", args=[running.pk])
    assert notices[0].url == f"{move}?to=approved"
    assert notices[0].due == timezone.localdate() + datetime.timedelta(days=7)

    waiting = {t.title: t for t in _tasks(users.staff_a, "fund_projects_waiting")}
    assert set(waiting) == {"正学苑停车划线", "正学苑绿化补种", "正学苑健身角"}
    assert "待立项" in waiting["正学苑停车划线"].detail
    assert waiting["正学苑停车划线"].url.endswith(f"{ended.pk}/move/?to=approved")
    assert "待召开讨论会" in waiting["正学苑绿化补种"].detail
    add = reverse("admin:self_governance_discussionmeeting_add")
    assert waiting["正学苑绿化补种"].url.startswith(f"{add}?project={no_meeting.pk}")
    assert waiting["正学苑健身角"].url.endswith(f"{met.pk}/move/?to=publicising")
    # Community B's project is B's alone; the street sees both.
    assert "丰乐苑车棚" not in {t.title for t in _tasks(users.staff_a, "fund_notices_ending")}
    assert [t.title for t in _tasks(users.staff_b, "fund_notices_ending")] == ["丰乐苑车棚"]
    street = {t.title for t in _tasks(users.street, "fund_notices_ending")}
    assert street == {"正学苑楼道灯更换", theirs.title}
    assert _tasks(users.viewer, "fund_notices_ending") == []


def test_overdue_rectifications_name_who_answers_for_them(world, users):
    fix = world.fund.rectification  # community A's 1号楼, led by 正学楼组长
    task = next(
        t for t in _tasks(users.staff_a, "rectifications_overdue") if fix.finding in t.title
    )
    assert "责任人:楼组长正学楼组长" in task.detail and "正学社区居委会" in task.detail
    services.appointment_end(appointment=world.a.appointment, end=TODAY_REAL())
    task = next(
        t for t in _tasks(users.staff_a, "rectifications_overdue") if fix.finding in t.title
    )
    assert "楼组长空缺" in task.detail


def test_sessions_without_records(world, users):
    today = TODAY_REAL()
    recent = today - datetime.timedelta(days=3)
    own = TrainingFactory(
        subdistrict=world.subdistrict, community=world.a.community, title="消防培训", date=recent
    )
    street = TrainingFactory(subdistrict=world.subdistrict, title="全街道两长培训", date=recent)
    AttendanceFactory(training=street, volunteer=world.b.volunteer)  # B recorded theirs, A not
    TrainingFactory(
        subdistrict=world.subdistrict, title="明年的培训", date=today.replace(year=today.year + 1)
    )
    activity = ActivityFactory(community=world.a.community, title="楼道清理", date=recent)
    trainings = {t.title: t for t in _tasks(users.staff_a, "trainings_without_attendance")}
    assert set(trainings) == {str(own), str(street)}
    assert trainings[str(own)].url == reverse("admin:volunteers_training_change", args=[own.pk])
    assert {t.title for t in _tasks(users.staff_b, "trainings_without_attendance")} == set()
    activities = _tasks(users.staff_a, "activities_without_service")
    assert [t.url for t in activities] == [
        reverse("admin:volunteers_activity_participants", args=[activity.pk])
    ]
    assert _tasks(users.staff_b, "activities_without_service") == []


def test_vacancies_among_the_two_leaders(world, users):
    # The world's units are all led.
    empty = BuildingGroupFactory(compound=world.a.compound, name="5号楼")
    StreetZoneFactory(community=world.a.community, name="正学路沿街")
    tasks = {t.title: t for t in _tasks(users.staff_a, "leader_vacancies")}
    assert set(tasks) == {"正学路沿街:街面长空缺", f"{empty}:楼组长空缺"}
    assert list(tasks)[0] == "正学路沿街:街面长空缺"  # the few zones first
    replace = reverse("admin:volunteers_appointment_replace")
    assert tasks[f"{empty}:楼组长空缺"].url == f"{replace}?building_group={empty.pk}"
    assert not any("5号楼" in t.title for t in _tasks(users.staff_b, "leader_vacancies"))


def test_inspections_missing_for_the_current_round(world, users):
    year = TODAY_REAL().year - 1
    tasks = {t.title: t for t in _tasks(users.street, "org_inspections_missing")}
    assert world.orgs.service.name in tasks and world.orgs.elsewhere.name not in tasks
    assert f"year={year}" in tasks[world.orgs.service.name].url
    AnnualInspectionFactory(organization=world.orgs.service, year=year)
    assert world.orgs.service.name not in {
        t.title for t in _tasks(users.street, "org_inspections_missing")
    }
    # Organizations are the street office's: community staff are not asked.
    assert _tasks(users.staff_a, "org_inspections_missing") == []


def test_every_kind_at_tenfold_data_costs_the_same(world, users, login, django_assert_num_queries):
    """Each kind is one query (vacancies two) whatever the data; the page for the street."""
    client = login(users.street)
    today = TODAY_REAL()

    def grow(n):
        for i in range(n):
            _project(world.a.community, f"项目{n}-{i}", to="publicising")
            _project(world.b.community, f"讨论{n}-{i}", to="discussing", meeting=False)
            BuildingGroupFactory(compound=world.a.compound)
            TrainingFactory(subdistrict=world.subdistrict, date=today)
            ActivityFactory(community=world.a.community, date=today)
            SocialOrganizationFactory(subdistrict=world.subdistrict)
            _overdue(world, world.a.building_group, 1)
            FundProject.objects.create(
                community=world.a.community,
                year=2022,
                title=f"提议{n}-{i}",
                category="other",
                amount_requested=1,
                household=world.a.points.household.household,
                review="pending",
            )
            notice = _project(world.a.community, f"公示{n}-{i}", to="publicising")
            Opinion.objects.create(project=notice, household=household, text="意见")
            soon = today + datetime.timedelta(days=2)
            meeting = DiscussionMeetingFactory(
                community=world.a.community, date=soon, participants=None, signup_open=True
            )
            MeetingSignup.objects.create(meeting=meeting, household=household, people=2)
            activity = ActivityFactory(community=world.a.community, date=soon, signup_open=True)
            ActivitySignup.objects.create(activity=activity, household=household, people=1)

    household = world.a.points.household.household
    grow(1)
    # session, user, permissions (2), placement, the eleven kinds (twelve queries), the recent
    # actions, the session saved again (a savepoint, the update, its release)
    with django_assert_num_queries(21):
        client.get(reverse("admin:index"))
    grow(10)
    with django_assert_num_queries(21):
        response = client.get(reverse("admin:index"))
    groups = {g.kind.key: g for g in response.context["todo"]}
    assert len(groups) == 11 and all(
        g.total >= 11 for g in groups.values() if g.kind.key != "fund_notices_ending"
    )


def test_proposals_to_review_are_each_communitys_own(world, users, households):
    from self_governance.fund import services

    proposal = services.proposal_submit(
        household=households.a,
        title="加装扶手",
        category="elderly",
        description="老人多",
        amount=800,
    )
    tasks = _tasks(users.staff_a, "fund_proposals_to_review")
    assert [t.title for t in tasks] == ["加装扶手"]
    assert tasks[0].url == reverse("admin:self_governance_fundproject_review", args=[proposal.pk])
    assert _tasks(users.staff_b, "fund_proposals_to_review") == []
    services.proposal_accept(project=proposal, by=None)
    assert _tasks(users.staff_a, "fund_proposals_to_review") == []
