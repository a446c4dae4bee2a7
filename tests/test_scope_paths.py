"""Scope follows a model's declared paths however many steps long, and knows rows that belong to
a subdistrict only. The named users come from conftest: street staff of 金海街道, staff of
communities A and B, a superuser; a user with no placement reaches nothing."""

import pytest

from jinhai.scoping import (
    SUBDISTRICT_ONLY,
    Scope,
    community_id_of,
    is_subdistrict_only,
    subdistrict_id_of,
)
from orgs.models import AnnualInspection, InfoReport, SocialOrganization
from self_governance.campaign.models import Rectification, RoundScore

from .factories import (
    CampaignFactory,
    ContestEntryFactory,
    ContestFactory,
    ContestRoundFactory,
    RoundScoreFactory,
    UserFactory,
)


def test_an_instance_follows_a_five_step_community_path(world):
    fix = world.fund.rectification
    assert Rectification.community_path.count("__") == 4
    assert community_id_of(fix) == world.a.community.pk


def test_a_queryset_follows_it_too(world, users):
    own = Scope.for_user(users.staff_a).filter(Rectification.objects.all())
    other = Scope.for_user(users.staff_b).filter(Rectification.objects.all())
    assert world.fund.rectification in own
    assert world.fund.rectification not in other


def test_a_street_wide_campaigns_scores_are_read_by_communities_and_changed_by_the_street(
    world, users
):
    score = world.fund.round_score
    assert RoundScore.subdistrict_path == "round__contest__campaign__subdistrict"
    assert community_id_of(score) is None
    assert subdistrict_id_of(score) == world.subdistrict.pk
    staff_a, street = Scope.for_user(users.staff_a), Scope.for_user(users.street)
    assert staff_a.can_see(score) and not staff_a.allows(score)
    assert street.can_see(score) and street.allows(score)
    assert score in staff_a.filter(RoundScore.objects.all())


def test_another_subdistricts_campaign_parts_are_out_of_reach(world, users):
    campaign = CampaignFactory(subdistrict=world.other_subdistrict)
    contest = ContestFactory(campaign=campaign)
    score = RoundScoreFactory(
        round=ContestRoundFactory(contest=contest),
        entry=ContestEntryFactory(contest=contest, community=world.elsewhere.community),
    )
    for user in (users.street, users.staff_a):
        scope = Scope.for_user(user)
        assert not scope.can_see(score) and not scope.allows(score)
        assert score not in scope.filter(RoundScore.objects.all())


@pytest.mark.parametrize("model", [SocialOrganization, AnnualInspection, InfoReport])
def test_subdistrict_only_rows_are_declared_as_such(model):
    assert model.community_path is SUBDISTRICT_ONLY and is_subdistrict_only(model)


def test_subdistrict_only_rows_belong_to_no_community(world, users):
    inspection = world.orgs.inspection
    assert community_id_of(inspection) is None
    assert subdistrict_id_of(inspection) == world.subdistrict.pk
    staff_a, street = Scope.for_user(users.staff_a), Scope.for_user(users.street)
    assert staff_a.can_see(inspection) and not staff_a.allows(inspection)
    assert street.allows(inspection)
    # One row each, without the joins through every community of the subdistrict.
    listed = staff_a.filter(AnnualInspection.objects.all())
    assert list(listed.values_list("pk", flat=True)).count(inspection.pk) == 1
    assert " JOIN " not in str(listed.query).split("WHERE")[1]


def test_another_subdistricts_organizations_are_out_of_reach(world, users):
    organization = world.orgs.elsewhere
    for user in (users.street, users.staff_a, users.staff_b):
        scope = Scope.for_user(user)
        assert not scope.can_see(organization)
        assert organization not in scope.filter(SocialOrganization.objects.all())


def test_placement_comes_from_the_staff_profile_in_one_query(
    world, users, django_assert_num_queries
):
    user = type(users.staff_a).objects.get(pk=users.staff_a.pk)
    with django_assert_num_queries(1):
        scope = Scope.for_user(user)
    assert (scope.subdistrict_id, scope.community_id) == (
        world.subdistrict.pk,
        world.a.community.pk,
    )
    street = Scope.for_user(type(users.street).objects.get(pk=users.street.pk))
    assert (street.subdistrict_id, street.community_id) == (world.subdistrict.pk, None)
    assert street.is_street_level and not scope.is_street_level


def test_staff_without_a_placement_reach_nothing(world):
    nobody = Scope.for_user(UserFactory(is_staff=True))
    assert not nobody.reaches_anything and not nobody.is_street_level
    assert not nobody.filter(Rectification.objects.all()).exists()
