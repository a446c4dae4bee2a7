"""The public site: figures from the database, fixed query counts, no personal numbers."""

import re

import pytest
from django.urls import reverse

from jinhai.sorting import pinyin_key

from .factories import (
    BuildingGroupFactory,
    CommitteeMemberFactory,
    CommunityFactory,
    CompoundFactory,
    SubdistrictFactory,
)

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_home_lists_the_subdistricts_by_district(world, client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "金海街道" in body and "西渡街道" in body
    assert reverse("subdistrict", args=[world.subdistrict.pk]) in body
    jinhai = next(s for s in response.context["subdistricts"] if s.name == "金海街道")
    assert jinhai.n_communities == 2


def test_home_of_one_subdistrict_is_its_page(db, client, django_assert_num_queries):
    community = CommunityFactory(subdistrict=SubdistrictFactory(name="金海街道"), name="正学社区")
    # The list of subdistricts, then the page of the only one.
    with django_assert_num_queries(3):
        response = client.get(reverse("home"))
    assert response.context["subdistrict"].name == "金海街道"
    assert community.name in response.content.decode()


def test_subdistrict_page_shows_figures_from_the_database(world, client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("subdistrict", args=[world.subdistrict.pk]))
    assert response.status_code == 200
    jinhai = response.context["subdistrict"]
    assert (jinhai.n_communities, jinhai.n_compounds, jinhai.n_building_groups) == (2, 2, 2)
    assert jinhai.n_street_zones == 2
    body = response.content.decode()
    assert "正学社区" in body and "丰乐社区" in body and "西渡社区" not in body


def test_subdistrict_query_count_does_not_grow_with_data(world, client, django_assert_num_queries):
    for i in range(10):
        compound = CompoundFactory(community=world.a.community, name=f"新小区{i}")
        BuildingGroupFactory.create_batch(5, compound=compound)
    with django_assert_num_queries(2):
        response = client.get(reverse("subdistrict", args=[world.subdistrict.pk]))
    jinhai = response.context["subdistrict"]
    assert (jinhai.n_compounds, jinhai.n_building_groups) == (12, 52)


def test_community_list(world, client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("communities:list"))
    assert response.status_code == 200
    names = {c.name for c in response.context["communities"]}
    assert {"正学社区", "丰乐社区", "西渡社区"} == names


def test_community_list_is_paginated_in_pinyin_order(world, client, django_assert_num_queries):
    for i in range(35):
        CommunityFactory(subdistrict=world.subdistrict, name=f"新建{i}社区")
    with django_assert_num_queries(2):
        first = client.get(reverse("communities:list"))
    assert len(first.context["communities"]) == 30
    assert "第 1 / 2 页" in first.content.decode()
    last = client.get(reverse("communities:list"), {"page": "999"})
    assert len(last.context["communities"]) == 38 - 30
    names = [c.name for c in first.context["communities"]]
    assert names == sorted(names, key=pinyin_key)


def test_community_page_shows_committee_compounds_and_zones(
    world, client, django_assert_num_queries
):
    a = world.a
    CommitteeMemberFactory.create_batch(4, election=a.election)
    for i in range(5):
        compound = CompoundFactory(community=a.community, name=f"附加小区{i}")
        BuildingGroupFactory.create_batch(3, compound=compound)
    # community, election, members, roles, compounds, street zones: the same for any size.
    with django_assert_num_queries(6):
        response = client.get(reverse("communities:detail", args=[a.community.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert a.member.name in body and "书记、主任" in body
    assert "正学苑" in body and a.street_zone.name in body
    assert a.community.office_phone in body
    assert "参选率 90.0%" in body


def test_community_page_without_election(world, client):
    world.b.election.delete()
    response = client.get(reverse("communities:detail", args=[world.b.community.pk]))
    assert response.status_code == 200
    assert "暂无选举记录" in response.content.decode()


@pytest.mark.parametrize("path", ["/communities/999999/", "/communities/abc/", "/no-such-page/"])
def test_unknown_pages_are_404_in_chinese(world, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_public_pages_never_show_a_mobile_number(world, client):
    pages = [reverse("home"), reverse("communities:list")] + [
        reverse("communities:detail", args=[p.community.pk]) for p in (world.a, world.b)
    ]
    for page in pages:
        body = client.get(page).content.decode()
        assert not MOBILE.search(body), page


def test_pages_are_chinese_and_self_contained(world, client):
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-Hans">' in body
    assert 'name="viewport"' in body
    # No file is fetched from another host.
    assert not re.search(r'(src|href)="(https?:)?//', body)


@pytest.mark.parametrize(
    ("old", "name", "arg"),
    [
        ("/agreements/fund/", "fund:overview", None),
        ("/agreements/fund/communities/{community}/", "fund:community", "community"),
        ("/agreements/fund/projects/{project}/", "fund:project", "project"),
        ("/agreements/campaigns/{campaign}/", "campaign:detail", "campaign"),
        ("/agreements/contests/{contest}/", "campaign:contest", "contest"),
    ],
)
def test_the_funds_old_addresses_redirect_for_good(world, client, old, name, arg):
    # Printed notices carry the old address at their foot: they must keep working.
    pks = {
        "community": world.a.community.pk,
        "project": world.fund.project.pk,
        "campaign": world.fund.campaign.pk,
        "contest": world.fund.contest.pk,
    }
    response = client.get(old.format(**pks) + "?year=2022")
    target = reverse(name, args=[pks[arg]] if arg else [])
    assert response.status_code == 301
    assert response["Location"] == f"{target}?year=2022"
    assert client.get(response["Location"]).status_code == 200
