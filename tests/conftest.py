"""The shared test base: one small world of places and the named users every test uses.

Two communities in one subdistrict (A: 正学社区, B: 丰乐社区), a third subdistrict's community for
street-level isolation, and the users: street staff, community A staff, community B staff, a view-
only street user, a superuser and anonymous (the plain `client`).
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from communities.roles import COMMUNITY_STAFF, READ_ONLY, STREET_STAFF
from jinhai.models import ImportLog

from .factories import (
    BuildingGroupFactory,
    CommitteeMemberFactory,
    CommunityFactory,
    CompoundFactory,
    ElectionFactory,
    StaffProfileFactory,
    StreetZoneFactory,
    SubdistrictFactory,
    UserFactory,
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
    return SimpleNamespace(
        community=community,
        compound=compound,
        building_group=group,
        street_zone=zone,
        election=election,
        member=member,
    )


@pytest.fixture
def world(db):
    jinhai = SubdistrictFactory(name="金海街道")
    other = SubdistrictFactory(name="西渡街道")
    return SimpleNamespace(
        subdistrict=jinhai,
        other_subdistrict=other,
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
