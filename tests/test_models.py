"""Rules on places and committees: enforced by the database, reported in Chinese."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from communities.models import (
    BuildingGroup,
    CommitteeMember,
    Community,
    Compound,
    Election,
    StaffProfile,
    StreetZone,
)

from .factories import CommitteeMemberFactory, ElectionFactory


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@pytest.mark.parametrize(
    ("model", "parent_attr", "attr", "message"),
    [
        (Community, "subdistrict", None, "该街道下已有同名社区。"),
        (Compound, "community", "compound", "该社区下已有同名小区。"),
        (BuildingGroup, "compound", "building_group", "该小区下已有同名楼组。"),
        (StreetZone, "community", "street_zone", "该社区下已有同名街面。"),
    ],
)
def test_names_are_unique_within_their_parent(world, model, parent_attr, attr, message):
    existing = getattr(world.a, attr) if attr else world.a.community
    duplicate = model(name=existing.name, **{parent_attr: getattr(existing, parent_attr)})
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert message in messages(exc.value)
    # The database refuses it too, for writes that skip validation.
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_same_name_is_fine_under_another_parent(world):
    # Both compounds of the test world have a "1号楼".
    another = Compound.objects.create(community=world.a.community, name="正学东苑")
    BuildingGroup(compound=another, name="1号楼").full_clean()
    Compound(community=world.b.community, name="正学苑").full_clean()


def test_term_cannot_end_before_it_starts(world):
    member = CommitteeMember(
        election=world.a.election,
        name="新委员",
        term_start=datetime.date(2022, 6, 18),
        term_end=datetime.date(2022, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "任期结束日期不能早于任期开始日期。" in messages(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()


def test_no_more_members_than_seats(world):
    election = ElectionFactory(community=world.a.community, date=datetime.date(2016, 5, 1), seats=2)
    CommitteeMemberFactory(election=election)
    CommitteeMemberFactory(election=election)
    third = CommitteeMember(election=election, name="第三人", term_start=election.date)
    with pytest.raises(ValidationError) as exc:
        third.full_clean()
    assert "本届职数为 2 名,成员不能有 3 名。" in messages(exc.value)

    election.seats = 1
    with pytest.raises(ValidationError) as exc:
        election.full_clean()
    assert "成员不能有 2 名" in messages(exc.value)


def test_ballots_cannot_exceed_voters(world):
    election = Election(
        community=world.a.community,
        date=datetime.date(2019, 1, 1),
        seats=5,
        eligible_voters=100,
        ballots_cast=101,
    )
    with pytest.raises(ValidationError) as exc:
        election.full_clean()
    assert "参选人数不能多于登记选民数。" in messages(exc.value)


def test_turnout(world):
    assert world.a.election.turnout == pytest.approx(0.9)
    assert Election(seats=3).turnout is None


def test_one_person_can_hold_secretary_and_director(world):
    assert world.a.member.role_labels() == "书记、主任"


@pytest.mark.parametrize(
    ("phone", "error"),
    [
        ("13812345678", "个人手机号不能作为公开的办公电话"),
        ("12345", "办公电话格式不正确"),
        ("021-57181011", None),
        ("02157181011", None),
        ("021-57181011-801", None),
    ],
)
def test_office_phone_is_a_landline(world, phone, error):
    community = world.a.community
    community.office_phone = phone
    if error is None:
        community.full_clean()
        return
    with pytest.raises(ValidationError) as exc:
        community.full_clean()
    assert error in messages(exc.value)


def test_staff_profile_needs_exactly_one_place(world, users):
    profile = StaffProfile(
        user=users.superuser, subdistrict=world.subdistrict, community=world.a.community
    )
    with pytest.raises(ValidationError) as exc:
        profile.full_clean()
    assert "选择且只选择一项" in messages(exc.value)


def test_sitting_committee_is_the_latest_election(world):
    old = ElectionFactory(community=world.a.community, date=datetime.date(2016, 5, 1))
    CommitteeMemberFactory(election=old, name="前任")
    sitting = set(CommitteeMember.objects.sitting().values_list("name", flat=True))
    assert "前任" not in sitting and world.a.member.name in sitting
    assert world.a.community.current_election() == world.a.election


# Through the admin, as staff would meet these rules.


def _election_form(election, members):
    data = {
        "community": election.community_id,
        "date": election.date.isoformat(),
        "seats": str(election.seats),
        "eligible_voters": "2000",
        "ballots_cast": "1800",
        "notes": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for i, (name, term_start, term_end) in enumerate(members):
        data.update(
            {
                f"members-{i}-name": name,
                f"members-{i}-gender": "",
                f"members-{i}-roles": ["member"],
                f"members-{i}-term_start": term_start,
                f"members-{i}-term_end": term_end,
                f"members-{i}-sort_order": str(i),
            }
        )
    return data


def test_admin_refuses_more_members_than_seats(world, users, login):
    client = login(users.staff_a)
    election = Election(community=world.a.community, date=datetime.date(2016, 5, 1), seats=2)
    members = [(f"人{i}", "2016-05-01", "") for i in range(3)]
    response = client.post(
        reverse("admin:communities_election_add"), _election_form(election, members)
    )
    assert response.status_code == 200
    assert "本届职数为 2 名,成员不能有 3 名。" in response.content.decode()
    assert not Election.objects.filter(date=datetime.date(2016, 5, 1)).exists()


def test_admin_refuses_term_ending_before_start(world, users, login):
    client = login(users.staff_a)
    election = Election(community=world.a.community, date=datetime.date(2016, 5, 1), seats=3)
    members = [("人甲", "2016-05-01", "2015-01-01")]
    response = client.post(
        reverse("admin:communities_election_add"), _election_form(election, members)
    )
    assert response.status_code == 200
    assert "任期结束日期不能早于任期开始日期。" in response.content.decode()
    assert not Election.objects.filter(date=datetime.date(2016, 5, 1)).exists()


def test_admin_refuses_duplicate_compound_name(world, users, login):
    client = login(users.staff_a)
    response = client.post(
        reverse("admin:communities_compound_add"),
        {
            "community": world.a.community.pk,
            "name": "正学苑",
            "building_groups-TOTAL_FORMS": "0",
            "building_groups-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "该社区下已有同名小区。" in response.content.decode()
    assert Compound.objects.filter(name="正学苑").count() == 1


def test_admin_accepts_a_valid_election_with_members(world, users, login):
    client = login(users.staff_a)
    election = Election(community=world.a.community, date=datetime.date(2016, 5, 1), seats=3)
    members = [("人甲", "2016-05-01", "2021-11-20"), ("人乙", "2016-05-01", "")]
    response = client.post(
        reverse("admin:communities_election_add"), _election_form(election, members)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Election.objects.get(date=datetime.date(2016, 5, 1)).members.count() == 2
