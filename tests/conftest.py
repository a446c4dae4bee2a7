"""The shared test base: one small world of places and the named users every test uses.

Two communities in one subdistrict (A: 正学社区, B: 丰乐社区), a third subdistrict's community for
street-level isolation, and the users: street staff, community A staff, community B staff, a view-
only street user, a superuser and anonymous (the plain `client`).
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from communities.roles import COMMUNITY_STAFF, READ_ONLY, STREET_STAFF
from jinhai.models import ImportLog
from self_governance import services
from self_governance.models import Account, AgreementScheme, Pet, Reward, Rule

from .factories import (
    ActivityFactory,
    AppointmentFactory,
    AttendanceFactory,
    BuildingGroupFactory,
    CommitteeMemberFactory,
    CommunityFactory,
    CompoundFactory,
    ElectionFactory,
    ParticipationFactory,
    StaffProfileFactory,
    StreetZoneFactory,
    SubdistrictFactory,
    TrainingFactory,
    UserFactory,
    VolunteerFactory,
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
        scheme=scheme, kind="household", building_group=group, room="301"
    )
    shop = Account.objects.create(
        scheme=scheme, kind="shop", street_zone=zone, shop_name=f"{community.name[:2]}便利店"
    )
    Pet.objects.create(account=household, name="豆豆", kind="dog")
    reward = Reward.objects.create(scheme=scheme, name="毛巾", cost=5, stock=10)
    entry = services.entry_record(
        account=household, rule=award, date=datetime.date(2022, 9, 3), by=None
    )
    services.entry_record(account=household, rule=award, date=datetime.date(2022, 9, 10), by=None)
    services.redeem(account=household, reward=reward, date=datetime.date(2022, 9, 20), by=None)
    household.refresh_from_db()
    return SimpleNamespace(
        scheme=scheme, award=award, deduction=deduction, household=household, shop=shop,
        reward=reward, entry=entry,
    )  # fmt: skip


@pytest.fixture
def world(db):
    jinhai = SubdistrictFactory(name="金海街道")
    other = SubdistrictFactory(name="西渡街道")
    street_training = TrainingFactory(subdistrict=jinhai, title="两长队伍能力建设培训班")
    return SimpleNamespace(
        subdistrict=jinhai,
        other_subdistrict=other,
        street_training=street_training,
        a=_places(jinhai, "正学社区", "正学苑"),
        b=_places(jinhai, "丰乐社区", "丰乐苑"),
        elsewhere=_places(other, "西渡社区", "西渡苑"),
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
    return named


@pytest.fixture
def login(client):
    """`login(user)` gives the test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
