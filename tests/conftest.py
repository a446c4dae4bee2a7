"""The shared test base: one small world of places and the named users every test uses.

Two communities in one subdistrict (A: 正学社区, B: 丰乐社区), a third subdistrict's community for
street-level isolation, and the users: street staff, community A staff, community B staff, a view-
only street user, a superuser and anonymous (the plain `client`).
"""

import datetime
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from communities.models import HouseholdSession
from communities.roles import COMMUNITY_STAFF, READ_ONLY, STREET_STAFF
from jinhai.models import ImportLog
from self_governance.agreements import services as agreement_services
from self_governance.agreements.models import Account, AgreementScheme, Pet, Reward, Rule
from self_governance.fund import services as fund_services

from .factories import (
    ActivityFactory,
    AppointmentFactory,
    AttendanceFactory,
    BuildingGroupFactory,
    CommitteeMemberFactory,
    CommunityFactory,
    CompoundFactory,
    ElectionFactory,
    HouseholdFactory,
    ParticipationFactory,
    ShopFactory,
    StaffProfileFactory,
    StreetZoneFactory,
    SubdistrictFactory,
    TrainingFactory,
    UserFactory,
    VolunteerFactory,
    project_move,
)

PASSWORD = "pw-for-tests-only"


def _places(subdistrict, community_name, compound_name):
    community = CommunityFactory(subdistrict=subdistrict, name=community_name)
    compound = CompoundFactory(community=community, name=compound_name)
    group = BuildingGroupFactory(compound=compound, name="1号楼")
    zone = StreetZoneFactory(community=community, name=f"{community_name}沿街商铺")
    election = ElectionFactory(community=community, seats=5)
    member = CommitteeMemberFactory(
        election=election, name=f"{community_name[:2]}主任", roles=["secretary", "director"]
    )
    leader = VolunteerFactory(community=community, name=f"{community_name[:2]}楼组长")
    street_leader = VolunteerFactory(community=community, name=f"{community_name[:2]}街面长")
    appointment = AppointmentFactory(volunteer=leader, building_group=group)
    AppointmentFactory(volunteer=street_leader, kind="street", street_zone=zone)
    training = TrainingFactory(
        subdistrict=subdistrict, community=community, title=f"{community_name}两长培训"
    )
    attendance = AttendanceFactory(training=training, volunteer=leader)
    activity = ActivityFactory(
        community=community, title=f"{community_name}消防演习", kind="fire_drill"
    )
    participation = ParticipationFactory(activity=activity, volunteer=leader, hours=3)
    points = _points(community, group, zone)
    return SimpleNamespace(
        points=points,
        community=community,
        compound=compound,
        building_group=group,
        street_zone=zone,
        election=election,
        member=member,
        volunteer=leader,
        street_leader=street_leader,
        appointment=appointment,
        training=training,
        attendance=attendance,
        activity=activity,
        participation=participation,
    )


def _points(community, group, zone):
    """A running 美丽约定 scheme with an award, a deduction, a redemption: a ledger in use."""
    scheme = AgreementScheme.objects.create(
        community=community,
        name=f"{community.name}美丽约定积分制",
        kind="general",
        text="垃圾分类,楼道整洁。",
        start=datetime.date(2022, 8, 1),
        status="active",
    )
    award = Rule.objects.create(
        scheme=scheme, code="G01", description="垃圾分类", points=5, monthly_cap=10
    )
    deduction = Rule.objects.create(scheme=scheme, code="G04", description="楼道堆物", points=-3)
    household = Account.objects.create(
        scheme=scheme, household=HouseholdFactory(building_group=group, room="301")
    )
    shop = Account.objects.create(
        scheme=scheme,
        household=ShopFactory(street_zone=zone, shop_name=f"{community.name[:2]}便利店"),
    )
    Pet.objects.create(household=household.household, name="豆豆", kind="dog")
    # A session once opened with the household's code (communities.codes).
    HouseholdSession.objects.create(household=household.household, key_hash=f"test-{group.pk}")
    reward = Reward.objects.create(scheme=scheme, name="毛巾", cost=5, stock=10)
    entry = agreement_services.entry_record(
        account=household, rule=award, date=datetime.date(2022, 9, 3), by=None
    )
    agreement_services.entry_record(
        account=household, rule=award, date=datetime.date(2022, 9, 10), by=None
    )
    agreement_services.redeem(
        account=household, reward=reward, date=datetime.date(2022, 9, 20), by=None
    )
    household.refresh_from_db()
    return SimpleNamespace(
        scheme=scheme, award=award, deduction=deduction, household=household, shop=shop,
        reward=reward, entry=entry,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with no cached public page (jinhai.caching): one test's pages must not
    be served to the next, whose database is a different one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db):
    import importlib

    from django.apps import apps

    # The migration's committee roles, made again if a transactional test (live_server) flushed
    # them.
    importlib.import_module("communities.migrations.0002_roles").create_roles(apps, None)
    jinhai = SubdistrictFactory(name="金海街道")
    other = SubdistrictFactory(name="西渡街道")
    street_training = TrainingFactory(subdistrict=jinhai, title="两长队伍能力建设培训班")
    places = SimpleNamespace(
        subdistrict=jinhai,
        other_subdistrict=other,
        street_training=street_training,
        a=_places(jinhai, "正学社区", "正学苑"),
        b=_places(jinhai, "丰乐社区", "丰乐苑"),
        elsewhere=_places(other, "西渡社区", "西渡苑"),
    )
    places.orgs = _orgs(places)
    places.fund = _fund(places)
    return places


def _orgs(world):
    """Social organizations of both subdistricts, an inspection, a report, an activity and the
    stations of the "1+N+X" network."""
    import importlib

    from orgs.models import ServiceField

    from .factories import (
        AnnualInspectionFactory,
        InfoReportFactory,
        PublicWelfareActivityFactory,
        SocialOrganizationFactory,
        SocialWorkStationFactory,
    )

    # The migration's list, made again if a transactional test (live_server) flushed it.
    seeded = importlib.import_module("orgs.migrations.0002_service_fields").FIELDS
    fields = {
        name: ServiceField.objects.get_or_create(name=name, defaults={"sort_order": order})[0]
        for order, name in enumerate(seeded, start=1)
    }
    service = SocialOrganizationFactory(
        subdistrict=world.subdistrict, name="上海市奉贤区正学社会工作服务社"
    )
    service.service_fields.set([fields["养老"], fields["社区治理"]])
    service.communities.set([world.a.community])
    group = SocialOrganizationFactory(
        subdistrict=world.subdistrict, name="上海市奉贤区金海书画协会", kind="group"
    )
    group.service_fields.set([fields["文化"]])
    group.communities.set([world.a.community, world.b.community])
    elsewhere = SocialOrganizationFactory(
        subdistrict=world.other_subdistrict, name="上海市奉贤区西渡为老服务中心"
    )
    elsewhere.communities.set([world.elsewhere.community])
    return SimpleNamespace(
        service=service,
        group=group,
        elsewhere=elsewhere,
        inspection=AnnualInspectionFactory(organization=service, year=2021),
        elsewhere_inspection=AnnualInspectionFactory(organization=elsewhere, year=2021),
        report=InfoReportFactory(
            subdistrict=world.subdistrict, organization=service, title="正学社工服务社年检合格"
        ),
        activity=PublicWelfareActivityFactory(
            subdistrict=world.subdistrict,
            community=world.a.community,
            title="正学社区“爱在清晨”公益活动",
            organizations=[service, group],
        ),
        hub=SocialWorkStationFactory(
            subdistrict=world.subdistrict,
            level="1",
            name="金海街道综合社工站",
            hosting_organization=service,
        ),
        station_a=SocialWorkStationFactory(
            subdistrict=world.subdistrict,
            community=world.a.community,
            name="正学社区社工站",
            hosting_organization=service,
        ),
        station_b=SocialWorkStationFactory(
            subdistrict=world.subdistrict, community=world.b.community, name="丰乐社区社工站"
        ),
        station_elsewhere=SocialWorkStationFactory(
            subdistrict=world.other_subdistrict,
            community=world.elsewhere.community,
            name="西渡社区社工站",
        ),
    )


def _staff(username, group_name, **place):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    StaffProfileFactory(user=user, **place)
    return user


@pytest.fixture
def users(world):
    named = SimpleNamespace(
        street=_staff("street", STREET_STAFF, subdistrict=world.subdistrict),
        staff_a=_staff("staff_a", COMMUNITY_STAFF, community=world.a.community),
        staff_b=_staff("staff_b", COMMUNITY_STAFF, community=world.b.community),
        viewer=_staff("viewer", READ_ONLY, subdistrict=world.subdistrict),
        superuser=UserFactory(username="root", is_superuser=True),
    )
    ImportLog.objects.create(
        user=named.street, resource="places", file_name="小区楼组.xlsx", rows=1
    )
    # One row for each of django-axes' admin pages (login attempts, logins, failures).
    seen = {"ip_address": "127.0.0.1", "user_agent": "pytest", "path_info": "/admin/login/"}
    AccessAttempt.objects.create(username="street", failures_since_start=1, **seen)
    AccessLog.objects.create(username="street", **seen)
    AccessFailureLog.objects.create(username="street", locked_out=False, **seen)
    TOTPDevice.objects.create(user=named.street, name="值班手机", confirmed=True)
    # Street staff opened community A's leader: one row of 查阅记录 (jinhai.AccessRecord).
    _looked_at(world.a.volunteer, by=named.street)
    # A queued background job of street staff (and so its django-tasks queue row).
    from jinhai.jobs.models import JobKind
    from jinhai.jobs.services import start

    named.job = start(JobKind.FIGURES, user=named.street, title="数据看板 Excel")
    return named


def _looked_at(record, *, by):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_pk=str(record.pk),
        object_id=record.pk,
        object_repr=str(record),
        action=LogEntry.Action.ACCESS,
        actor=by,
        remote_addr="10.0.0.5",
    )


@pytest.fixture
def login(client):
    """`login(user)` gives the test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


def _fund(world):
    """自治金 of community A (an allocation, a project in 实施 with its meeting, moves and a
    payment) and the street-wide 和美 campaign (a standard, A's building group enrolled and
    inspected, an overdue rectification, a published contest with an entry, a round, a score)."""
    from decimal import Decimal

    from .factories import (
        CampaignFactory,
        CampaignStandardFactory,
        ContestEntryFactory,
        ContestFactory,
        ContestRoundFactory,
        DiscussionMeetingFactory,
        EnrollmentFactory,
        FundAllocationFactory,
        FundProjectFactory,
        InspectionFactory,
        InspectionScoreFactory,
        RectificationFactory,
        RoundScoreFactory,
    )

    a = world.a
    allocation = FundAllocationFactory(community=a.community, amount=Decimal("200000"))
    project = FundProjectFactory(
        community=a.community, compound=a.compound, title="正学苑非机动车车棚改造"
    )
    meeting = DiscussionMeetingFactory(
        community=a.community, project=project, topic="自治金参与式讨论会:车棚改造"
    )
    for step, amount in [
        ("discussing", None), ("publicising", None), ("approved", "40000"), ("implementing", None)
    ]:  # fmt: skip
        project_move(project, step, approved_amount=amount)
    # The moves happened in the spring of 2022, before the payment (never dated before 立项).
    from django.utils import timezone

    from self_governance.fund.models import ProjectMove

    ProjectMove.objects.filter(project=project).update(
        at=timezone.make_aware(datetime.datetime(2022, 6, 6, 10))
    )
    expenditure = fund_services.expenditure_add(
        project=project,
        date=datetime.date(2022, 7, 15),
        amount="12000",
        payee="车棚施工单位",
        purpose="车棚钢结构材料",
        by=None,
    )
    # What households take part in: an opinion on the notice, and sign-ups for a 说事会 and a
    # volunteer activity ahead.
    from self_governance.fund.participation import MeetingSignup, Opinion
    from volunteers.models import ActivitySignup

    from .factories import ActivityFactory

    household = a.points.household.household
    opinion = Opinion.objects.create(
        project=project, household=household, text="顶棚请用防雨材料。"
    )
    soon = timezone.localdate() + datetime.timedelta(days=5)
    coming = DiscussionMeetingFactory(
        community=a.community, topic="说事会:电瓶车充电", date=soon, participants=None,
        signup_open=True, capacity=30,
    )  # fmt: skip
    meeting_signup = MeetingSignup.objects.create(meeting=coming, household=household, people=2)
    activity = ActivityFactory(
        community=a.community, title="环境整治志愿行动", kind="compound", date=soon,
        signup_open=True,
    )  # fmt: skip
    activity_signup = ActivitySignup.objects.create(
        activity=activity, household=household, people=1
    )
    campaign = CampaignFactory(subdistrict=world.subdistrict, name="“和美楼组”创建")
    standard = CampaignStandardFactory(campaign=campaign, name="清堆物", max_score=15)
    enrollment = EnrollmentFactory(campaign=campaign, building_group=a.building_group)
    inspection = InspectionFactory(enrollment=enrollment, findings="楼道堆放纸箱")
    contest = ContestFactory(campaign=campaign, name="比学赶超专场活动", published=True)
    entry = ContestEntryFactory(contest=contest, title="正学楼组自治", community=a.community)
    contest_round = ContestRoundFactory(contest=contest, name="初赛", order=1)
    project.refresh_from_db()
    return SimpleNamespace(
        allocation=allocation, project=project, meeting=meeting, expenditure=expenditure,
        opinion=opinion, coming=coming, meeting_signup=meeting_signup,
        coming_activity=activity, activity_signup=activity_signup,
        campaign=campaign, standard=standard, enrollment=enrollment, inspection=inspection,
        score=InspectionScoreFactory(inspection=inspection, standard=standard, score=12),
        rectification=RectificationFactory(inspection=inspection, finding="楼道堆放纸箱"),
        contest=contest, entry=entry, round=contest_round,
        round_score=RoundScoreFactory(round=contest_round, entry=entry, score=Decimal("88.5")),
    )  # fmt: skip


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The portal's own database for tests that run it in other processes (tests/served.py)."""
    from django.db import connection

    from .served import served_site

    with django_db_blocker.unblock(), served_site(connection, tmp_path_factory.mktemp("site")) as s:
        yield s


def household_client(client, household):
    """`client` with a household session of `household` (as a claimed code would give it)."""
    from django.core import signing

    from communities import codes
    from residents import session

    key = codes.session_open(household=household)
    signer = signing.get_cookie_signer(salt=session.COOKIE + session.SALT)
    client.cookies[session.COOKIE] = signer.sign(key)
    return client


@pytest.fixture
def households(world):
    """Household A (community A's 301, with points and a pet) and household B (community B's)."""
    return SimpleNamespace(
        a=world.a.points.household.household, b=world.b.points.household.household
    )
