"""Pages a city reads: the fund overview and a campaign's page list a page of rows, never every
row, so that their queries and their size stay the same when the data grows tenfold."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from self_governance.fund.models import Expenditure, FundAllocation, FundProject

from .factories import (
    CommunityFactory,
    FundAllocationFactory,
    SubdistrictFactory,
)

# Within this many bytes: a page's counts and totals take a digit more when the data grows.
SLACK = 300


def grow_communities(subdistrict, n, start=0):
    """`n` communities in `subdistrict`, each with the year's allocation and a funded project
    with a payment. Written in bulk: the test is about the page, not the writes."""
    communities = Community.objects.bulk_create(
        Community(
            subdistrict=subdistrict,
            name=f"城区社区{i:04d}",
            office_phone="021-57000000",
            office_address="居委会",
        )
        for i in range(start, start + n)
    )
    FundAllocation.objects.bulk_create(
        FundAllocation(community=c, year=2022, amount=Decimal("50000")) for c in communities
    )
    projects = FundProject.objects.bulk_create(
        FundProject(
            community=c,
            year=2022,
            title=f"{c.name}车棚",
            category="parking",
            proposer="居民自治小组",
            amount_requested=Decimal("10000"),
            amount_approved=Decimal("8000"),
            status="implementing",
        )
        for c in communities
    )
    Expenditure.objects.bulk_create(
        Expenditure(
            project=p,
            date=timezone.localdate(),
            amount=Decimal("1000"),
            payee="施工单位",
            purpose="材料",
        )
        for p in projects
    )


def fetch(client, django_assert_num_queries, queries, url, params=None):
    cache.clear()  # the page as it is built, never a cached copy; bulk writes send no signals
    with django_assert_num_queries(queries):
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response


def test_fund_overview_stays_flat_as_communities_grow_tenfold(
    world, client, django_assert_num_queries
):
    url = reverse("fund:overview")
    mine = {"subdistrict": world.subdistrict.pk}
    grow_communities(world.subdistrict, 40)
    city = fetch(client, django_assert_num_queries, 2, url)
    one = fetch(client, django_assert_num_queries, 4, url, mine)
    last = fetch(client, django_assert_num_queries, 4, url, {**mine, "page": "2"})
    assert len(one.context["communities"]) == 30 and one.context["paginator"].count == 42
    assert len(last.context["communities"]) == 12
    grow_communities(world.subdistrict, 400, start=40)
    city_after = fetch(client, django_assert_num_queries, 2, url)
    one_after = fetch(client, django_assert_num_queries, 4, url, mine)
    assert len(one_after.context["communities"]) == 30
    assert one_after.context["paginator"].count == 442
    for before, after in ((city, city_after), (one, one_after)):
        assert abs(len(after.content) - len(before.content)) < SLACK
    # The totals are the whole subdistrict's, not the page's.
    totals = one_after.context["totals"]
    assert totals["allocated"] == Decimal("200000") + 440 * Decimal("50000")
    assert totals["spent"] == Decimal("12000") + 440 * Decimal("1000")
    place = next(s for s in city_after.context["subdistricts"] if s.pk == world.subdistrict.pk)
    assert place.remaining == totals["remaining"] == totals["allocated"] - totals["approved"]


def test_fund_overview_pages_in_pinyin_order_from_the_database(world, client):
    grow_communities(world.subdistrict, 40)
    url = reverse("fund:overview")
    names = []
    for page in ("1", "2"):
        response = client.get(url, {"subdistrict": world.subdistrict.pk, "page": page})
        names += [c.name for c in response.context["communities"]]
    expected = list(
        Community.objects.filter(subdistrict=world.subdistrict)
        .order_by("sort_order", "sort_key", "name", "pk")
        .values_list("name", flat=True)
    )
    assert names == expected and len(names) == 42
    assert names.index("丰乐社区") < names.index("正学社区")  # F before Z


@pytest.mark.parametrize(
    "params",
    [
        {"subdistrict": "abc"},
        {"subdistrict": "-3"},
        {"subdistrict": "9" * 30},
        {"subdistrict": "1", "page": "9999"},
        {"page": "abc"},
        {"year": "abc", "subdistrict": "x", "page": "-1"},
    ],
)
def test_fund_overview_bad_parameters_fall_back(world, client, params):
    response = client.get(reverse("fund:overview"), params)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # no such subdistrict: the city's page, for the same year
        assert response["Location"] == reverse("fund:overview") + "?year=2022"
        assert client.get(response["Location"]).status_code == 200


def test_fund_overview_of_an_unknown_subdistrict_goes_to_the_city(world, client):
    response = client.get(reverse("fund:overview"), {"subdistrict": "999999", "year": "2022"})
    assert response.status_code == 302
    assert response["Location"] == reverse("fund:overview") + "?year=2022"


def test_fund_overview_of_one_subdistrict_follows_its_own_saves(world, client):
    url = reverse("fund:overview")
    mine = {"subdistrict": world.subdistrict.pk}
    other = {"subdistrict": world.other_subdistrict.pk}
    assert "西渡社区" in client.get(url, other).content.decode()
    client.get(url, mine)
    FundAllocation.objects.filter(community=world.a.community).first().save()
    with CaptureQueriesContext(connection) as captured:
        client.get(url, other)
    assert len(captured) == 0  # another subdistrict's page is still served from the cache
    with CaptureQueriesContext(connection) as captured:
        client.get(url, mine)
    assert len(captured) > 0


def test_fund_overview_with_one_subdistrict_lists_its_communities(db, client):
    # A street office's own portal (the demo): its only subdistrict's communities show at once.
    subdistrict = SubdistrictFactory(name="金海街道")
    for name in ("正学社区", "丰乐社区"):
        FundAllocationFactory(community=CommunityFactory(subdistrict=subdistrict, name=name))
    response = client.get(reverse("fund:overview"))
    body = response.content.decode()
    assert response.context["subdistrict"] == subdistrict and not response.context["chosen"]
    assert [c.name for c in response.context["communities"]] == ["丰乐社区", "正学社区"]
    assert "各街道自治金" not in body and "金海街道合计" in body
