"""Pages a city reads: the fund overview and a campaign's page list a page of rows, never every
row, so that their queries and their size stay the same when the data grows tenfold."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import BuildingGroup, Community, Compound
from self_governance.campaign.models import Enrollment, Inspection, InspectionScore, Rectification
from self_governance.fund.models import Expenditure, FundAllocation, FundProject

from .factories import (
    CampaignFactory,
    CampaignStandardFactory,
    CommunityFactory,
    FundAllocationFactory,
    SubdistrictFactory,
)
from .jobs import finished_download
from .test_figures import charts_of, sheets_of

# A superuser's dashboard past CITY_ROWS communities: session, user, the community count and the
# subdistricts to pick from, then the counting of the one subdistrict
FIGURES_DASHBOARD_QUERIES = 14
LEADERS_DASHBOARD_QUERIES = 15

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


def grow_campaign(campaign, community, n, start=0):
    """`n` more building groups of `community` in the campaign, in compounds of ten, each
    inspected three ways against every standard, with a rectification done and one open."""
    standards = list(campaign.standards.all())
    compounds = Compound.objects.bulk_create(
        Compound(community=community, name=f"{community.name}新苑{i:03d}", households=300)
        for i in range(start // 10, (start + n) // 10)
    )
    groups = BuildingGroup.objects.bulk_create(
        BuildingGroup(compound=compound, name=f"{i + 1}号楼", households=24)
        for compound in compounds
        for i in range(10)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(campaign=campaign, building_group=group) for group in groups
    )
    inspections = Inspection.objects.bulk_create(
        Inspection(enrollment=e, kind=kind, date=datetime.date(2022, 11, day), inspector="检查组")
        for e in enrollments
        for kind, day in (("self", 1), ("mutual", 2), ("street", 3))
    )
    InspectionScore.objects.bulk_create(
        InspectionScore(inspection=i, standard=s, score=Decimal("8"))
        for i in inspections
        for s in standards
    )
    Rectification.objects.bulk_create(
        Rectification(
            inspection=i,
            finding="楼道堆放纸箱",
            deadline=datetime.date(2022, 12, 18),
            **({"status": "done", "done_on": datetime.date(2022, 12, 1)} if done else {}),
        )
        for i in inspections[2::3]
        for done in (True, False)
    )


def test_campaign_page_stays_flat_as_building_groups_grow_tenfold(
    world, client, django_assert_num_queries
):
    campaign = world.fund.campaign
    CampaignStandardFactory(campaign=campaign, name="楼道美", max_score=10)
    url = reverse("campaign:detail", args=[campaign.pk])
    a, b = world.a.community, world.b.community
    for community in (a, b):
        grow_campaign(campaign, community, 40)
    # The campaign: its figures and communities (campaign, standards, communities, contests).
    whole = fetch(client, django_assert_num_queries, 4, url)
    assert [c.name for c in whole.context["communities"]] == ["丰乐社区", "正学社区"]
    assert whole.context["n_enrolled"] == 81 and whole.context["enrollments"] == []
    assert whole.context["fixes"] == {"done": 80, "open": 81, "overdue": 81}
    # One community's building groups, 30 a page (+ the page, its scores, its fixes).
    one = fetch(client, django_assert_num_queries, 7, url, {"community": a.pk})
    assert len(one.context["enrollments"]) == 30 and one.context["paginator"].count == 41
    row = one.context["enrollments"][0]
    # 正学社区新苑000 (zheng xue she…) before 正学苑 (zheng xue yuan); two standards of 8 each.
    assert str(row.building_group) == "正学社区新苑000 1号楼"
    assert row.results["street"] == Decimal("16") and row.fixes["done"] == 1
    last = fetch(client, django_assert_num_queries, 7, url, {"community": a.pk, "page": "99"})
    assert len(last.context["enrollments"]) == 11  # the nearest page
    for community in (a, b):
        grow_campaign(campaign, community, 360, start=40)
    whole_after = fetch(client, django_assert_num_queries, 4, url)
    one_after = fetch(client, django_assert_num_queries, 7, url, {"community": a.pk})
    assert whole_after.context["n_enrolled"] == 801
    assert one_after.context["paginator"].count == 401
    assert len(one_after.context["enrollments"]) == 30
    for before, after in ((whole, whole_after), (one, one_after)):
        assert abs(len(after.content) - len(before.content)) < SLACK


def test_campaign_page_orders_building_groups_as_people_count(world, client):
    campaign = world.fund.campaign
    grow_campaign(campaign, world.a.community, 10)
    response = client.get(reverse("campaign:detail", args=[campaign.pk]))
    names = [e.building_group.name for e in response.context["enrollments"]]
    # Only one community takes part: its building groups show at once, 2号楼 before 10号楼.
    assert names[:10] == [f"{i}号楼" for i in range(1, 11)]


@pytest.mark.parametrize(
    "params",
    [{"community": "abc"}, {"community": "9" * 30}, {"community": "-1"}, {"page": "x"},
     {"community": "999999", "page": "0"}],
)  # fmt: skip
def test_campaign_page_bad_parameters_fall_back(world, client, params):
    response = client.get(reverse("campaign:detail", args=[world.fund.campaign.pk]), params)
    assert response.status_code == 200
    assert response.context["chosen_community"] == world.a.community  # the only one


# A city's figures and a superuser's dashboards


def counted_then_read(client, django_assert_num_queries, queries, url, params=None):
    # The data versions live in the cache: the summaries are counted after it is emptied.
    cache.clear()
    call_command("refresh_figures", stdout=io.StringIO())
    with django_assert_num_queries(queries):
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response


def test_the_citys_figures_past_thirty_communities_are_a_row_per_subdistrict(
    world, client, django_assert_num_queries
):
    url = reverse("figures")
    city = SubdistrictFactory(name="城区街道")
    grow_communities(city, 40)
    before = counted_then_read(client, django_assert_num_queries, 2, url)
    labels = charts_of(before)["leader-coverage"]["labels"]
    assert labels == ["金海街道", "西渡街道", "城区街道"]
    # Each subdistrict's row links to its own page, which lists its communities.
    one = f'href="?subdistrict={city.pk}"'
    assert one in before.content.decode()
    mine = counted_then_read(client, django_assert_num_queries, 3, url, {"subdistrict": city.pk})
    assert len(charts_of(mine)["leader-coverage"]["labels"]) == 40
    grow_communities(city, 400, start=40)
    after = counted_then_read(client, django_assert_num_queries, 2, url)
    assert charts_of(after)["leader-coverage"]["labels"] == labels
    assert abs(len(after.content) - len(before.content)) < SLACK


def test_a_superusers_dashboards_past_thirty_communities_count_one_subdistrict(
    world, users, login, django_assert_num_queries
):
    client = login(users.superuser)
    figures, leaders = reverse("dashboard"), reverse("admin:volunteers_dashboard")
    grow_communities(world.other_subdistrict, 40)
    # The first subdistrict unless another is picked; nonsense is the first.
    for params in ({}, {"subdistrict": "abc"}, {"subdistrict": str(10**20)}):
        charts = charts_of(client.get(figures, params))
        assert charts["leader-coverage"]["labels"] == ["正学社区", "丰乐社区"]
    picked = {"subdistrict": world.other_subdistrict.pk}
    response = client.get(figures, picked)
    assert response.context["picker"] == [
        (world.subdistrict.pk, "金海街道"),
        (world.other_subdistrict.pk, "西渡街道"),
    ]
    assert len(charts_of(response)["fund"]["labels"]) == 40
    rows = client.get(leaders, picked).context["communities"]
    assert len(rows) == 41 and "正学社区" not in {row.name for row in rows}
    # The export is of the subdistrict picked.
    queued = client.post(figures, {"fund_year": "2022", **picked})
    sheet = sheets_of(finished_download(client, queued))["2022年各社区自治金"]
    names = [
        row[0] for row in sheet[1:] if row and row[0] and row[0].endswith(tuple("0123456789社区"))
    ]
    assert len(names) == 40 and "正学社区" not in names

    # Ten times the communities elsewhere: the first subdistrict's pages cost the same.
    with django_assert_num_queries(FIGURES_DASHBOARD_QUERIES):
        small = client.get(figures)
    with django_assert_num_queries(LEADERS_DASHBOARD_QUERIES):
        leaders_small = client.get(leaders)
    grow_communities(world.other_subdistrict, 400, start=40)
    with django_assert_num_queries(FIGURES_DASHBOARD_QUERIES):
        large = client.get(figures)
    with django_assert_num_queries(LEADERS_DASHBOARD_QUERIES):
        leaders_large = client.get(leaders)
    assert abs(len(large.content) - len(small.content)) < SLACK
    assert abs(len(leaders_large.content) - len(leaders_small.content)) < SLACK


def test_a_superusers_dashboards_over_few_communities_count_them_all(world, users, login):
    client = login(users.superuser)
    response = client.get(reverse("dashboard"))
    assert response.context["picker"] == []
    assert charts_of(response)["leader-coverage"]["labels"] == ["正学社区", "丰乐社区", "西渡社区"]
    rows = client.get(reverse("admin:volunteers_dashboard")).context["communities"]
    assert {row.name for row in rows} == {"正学社区", "丰乐社区", "西渡社区"}


def test_the_directory_past_thirty_communities_picks_a_subdistrict_first(
    world, client, django_assert_num_queries
):
    from .factories import SocialOrganizationFactory

    url = reverse("orgs:list")
    city = SubdistrictFactory(name="城区街道")

    def serve(n, start=0):
        grow_communities(city, n, start=start)
        organization = SocialOrganizationFactory(subdistrict=city, name=f"城区服务中心{start}")
        organization.communities.add(*Community.objects.filter(subdistrict=city)[start:])

    serve(40)
    before = fetch(client, django_assert_num_queries, 6, url)
    assert before.context["communities"] == []
    assert [s.name for s in before.context["subdistricts"]] == ["金海街道", "西渡街道", "城区街道"]
    assert "先选街道" in before.content.decode()
    picked = fetch(client, django_assert_num_queries, 6, url, {"subdistrict": city.pk})
    assert len(picked.context["communities"]) == 40
    assert {o.subdistrict_id for o in picked.context["organizations"]} == {city.pk}
    # A community chosen by a link brings its subdistrict's communities.
    one = Community.objects.filter(subdistrict=city).first()
    chosen = fetch(client, django_assert_num_queries, 7, url, {"community": one.pk})
    assert chosen.context["chosen_community"] == one and chosen.context["within"] == city.pk
    serve(400, start=40)
    after = fetch(client, django_assert_num_queries, 6, url)
    assert abs(len(after.content) - len(before.content)) < SLACK


# The city's districts (jinhai.views.HomeView, DistrictView).


def test_home_past_thirty_subdistricts_lists_districts(world, client, django_assert_num_queries):
    for i in range(40):
        SubdistrictFactory(name=f"城{i:02d}街道", district="第一区" if i < 35 else "第二区")
    before = fetch(client, django_assert_num_queries, 2, reverse("home"))
    rows = before.context["district_rows"]
    assert [(r["district"], r["n_subdistricts"]) for r in rows] == [
        ("奉贤区", 2),
        ("第一区", 35),
        ("第二区", 5),
    ]
    assert "城00街道" not in before.content.decode()
    for i in range(40, 400):
        SubdistrictFactory(name=f"城{i:03d}街道", district="第一区")
    cache.clear()
    after = fetch(client, django_assert_num_queries, 2, reverse("home"))
    assert abs(len(after.content) - len(before.content)) < SLACK

    # Each district links to its page of subdistricts, thirty a page.
    first = next(r for r in rows if r["district"] == "第一区")["first"]
    url = reverse("district", args=[first])
    assert f'href="{url}"' in after.content.decode()
    page = fetch(client, django_assert_num_queries, 2, url)
    assert page.context["paginator"].count == 395
    assert len(page.context["subdistricts"]) == 30
    assert {s.district for s in page.context["subdistricts"]} == {"第一区"}
    last = fetch(client, django_assert_num_queries, 2, url, {"page": "99"})
    assert last.context["page_obj"].number == 14
    assert 'rel="prev"' in last.content.decode()
    assert abs(len(last.content) - len(page.content)) < SLACK * 30


def test_a_subdistricts_crumbs_go_through_its_district(world, client):
    page = client.get(reverse("subdistrict", args=[world.subdistrict.pk])).content.decode()
    assert f'href="{reverse("district", args=[world.subdistrict.pk])}"' in page
    assert "上海市奉贤区" in page


def test_an_unknown_district_is_a_404(world, client):
    assert client.get(reverse("district", args=[999999])).status_code == 404


def test_the_districts_page_lists_every_district(world, client, django_assert_num_queries):
    SubdistrictFactory(name="无区街道", district="")
    with django_assert_num_queries(1):
        page = client.get(reverse("districts"))
    text = page.content.decode()
    assert "上海市奉贤区" in text and "上海市其他" in text
    other = next(r for r in page.context["district_rows"] if r["district"] == "")
    one = client.get(reverse("district", args=[other["first"]]))
    assert [s.name for s in one.context["subdistricts"]] == ["无区街道"]


def test_the_campaign_list_is_thirty_a_page(world, client, django_assert_num_queries):
    CampaignFactory.create_batch(5, subdistrict=world.subdistrict, year=2025)
    before = fetch(client, django_assert_num_queries, 2, reverse("campaign:list"))
    CampaignFactory.create_batch(300, subdistrict=world.other_subdistrict, year=2026)
    first = fetch(client, django_assert_num_queries, 2, reverse("campaign:list"))
    assert len(first.context["campaigns"]) == 30
    assert {c.year for c in first.context["campaigns"]} == {2026}
    last = fetch(client, django_assert_num_queries, 2, reverse("campaign:list"), {"page": "x9"})
    assert last.context["page_obj"].number == 1
    last = fetch(client, django_assert_num_queries, 2, reverse("campaign:list"), {"page": "999"})
    assert last.context["page_obj"].number == last.context["paginator"].num_pages
    assert 2025 in {c.year for c in last.context["campaigns"]}
    assert len(first.content) < len(before.content) + 30 * SLACK
