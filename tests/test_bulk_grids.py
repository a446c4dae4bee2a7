"""The grids: a year's 自治金 allocations (self_governance/fund/grid.py) and one round of 和美
checks (self_governance/campaign/grid.py). One POST saves all or nothing; the pages' queries do
not grow with the rows."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from self_governance.campaign.models import Inspection, InspectionScore
from self_governance.fund.models import FundAllocation

from .factories import (
    BuildingGroupFactory,
    CampaignStandardFactory,
    CommunityFactory,
    EnrollmentFactory,
    FundAllocationFactory,
    FundProjectFactory,
)

YEAR_URL = "admin:self_governance_fundallocation_year"
GRID_URL = "admin:self_governance_inspection_grid"


def test_year_grid_copies_last_year_and_saves_all(world, users, login):
    client = login(users.street)
    year = world.fund.allocation.year + 1
    FundAllocationFactory(community=world.b.community, year=year - 1, amount=Decimal("150000"))
    url = reverse(YEAR_URL)
    page = client.get(url, {"year": year, "copy": "1"}).content.decode()
    assert 'value="200000"' in page and 'value="150000"' in page
    assert world.elsewhere.community.name not in page  # another subdistrict's
    response = client.post(
        url,
        {
            "year": year,
            f"amount_{world.a.community.pk}": "20万",
            f"amount_{world.b.community.pk}": "150,000元",
        },
    )
    assert response.status_code == 302
    got = dict(FundAllocation.objects.filter(year=year).values_list("community", "amount"))
    assert got == {world.a.community.pk: Decimal("200000"), world.b.community.pk: Decimal("150000")}
    assert (
        "一表填写"
        in client.get(reverse("admin:self_governance_fundallocation_changelist")).content.decode()
    )


def test_year_grid_refuses_all_when_one_is_bad(world, users, login):
    client = login(users.street)
    year = world.fund.allocation.year  # 40,000 approved from A's year already
    before = list(FundAllocation.objects.values_list("pk", "amount"))
    response = client.post(
        reverse(YEAR_URL),
        {
            "year": year,
            f"amount_{world.a.community.pk}": "30000",
            f"amount_{world.b.community.pk}": "90000",
        },
    )
    assert response.status_code == 200
    assert "额度不能低于" in response.content.decode()
    response = client.post(
        reverse(YEAR_URL), {"year": year, f"amount_{world.b.community.pk}": "很多"}
    )
    assert "不是数字" in response.content.decode()
    assert list(FundAllocation.objects.values_list("pk", "amount")) == before


def test_year_grid_is_the_street_office_s(world, users, login):
    assert login(users.staff_a).get(reverse(YEAR_URL)).status_code == 403
    page = login(users.staff_a).get(reverse("admin:self_governance_fundallocation_changelist"))
    assert "一表填写" not in page.content.decode()


def test_year_grid_queries_are_flat(world, users, login, django_assert_num_queries):
    client = login(users.street)
    year = world.fund.allocation.year
    for n in (3, 30):
        for _ in range(n):
            community = CommunityFactory(subdistrict=world.subdistrict)
            FundAllocationFactory(community=community, year=year - 1)
            FundProjectFactory(community=community)
        # Session (read, and its expiry renewed: three), user, permissions (two), profile,
        # the communities with their figures.
        with django_assert_num_queries(9):
            assert client.get(reverse(YEAR_URL), {"year": year}).status_code == 200


def _enrol(world, n, start=0):
    rows = []
    for i in range(start, start + n):
        group = BuildingGroupFactory(compound=world.a.compound, name=f"{i + 10}号楼")
        rows.append(EnrollmentFactory(campaign=world.fund.campaign, building_group=group))
    return rows


def test_inspection_grid_one_post_for_many_groups(world, users, login):
    second = CampaignStandardFactory(campaign=world.fund.campaign, name="楼道美", max_score=10)
    rows = [world.fund.enrollment, *_enrol(world, 2)]
    client = login(users.street)
    url = reverse(GRID_URL)
    page = client.get(url).content.decode()
    assert "清堆物" in page and "楼道美" in page and "10号楼" in page
    date = datetime.date(2022, 9, 1)
    data = {
        "campaign": world.fund.campaign.pk,
        "community": world.a.community.pk,
        "kind": "street",
        "date": date.isoformat(),
        "inspector": "街道自治办",
        f"s_{rows[0].pk}_{world.fund.standard.pk}": "14",
        f"s_{rows[0].pk}_{second.pk}": "9.5",
        f"f_{rows[0].pk}": "楼道干净",
        f"s_{rows[1].pk}_{world.fund.standard.pk}": "12",
    }
    assert client.post(url, data).status_code == 302
    made = Inspection.objects.filter(kind="street", date=date)
    assert made.count() == 2  # the third group had no score: no inspection
    scores = dict(
        InspectionScore.objects.filter(inspection__in=made)
        .values_list("standard", "score")
        .filter(inspection__enrollment=rows[0])
    )
    assert scores == {world.fund.standard.pk: Decimal("14"), second.pk: Decimal("9.5")}
    # Again the same day: the same inspections, updated.
    data[f"s_{rows[0].pk}_{second.pk}"] = "8"
    assert client.post(url, data).status_code == 302
    assert made.count() == 2
    assert (
        InspectionScore.objects.get(
            inspection__enrollment=rows[0], standard=second, inspection__date=date
        ).score
        == 8
    )


@pytest.mark.parametrize("score", ["16", "-1", "很好", "1.25"])
def test_inspection_grid_bad_cell_changes_nothing(world, users, login, score):
    client = login(users.street)
    before = (Inspection.objects.count(), InspectionScore.objects.count())
    response = client.post(
        reverse(GRID_URL),
        {
            "campaign": world.fund.campaign.pk,
            "community": world.a.community.pk,
            "kind": "street",
            "date": "2022-09-01",
            "inspector": "街道自治办",
            f"s_{world.fund.enrollment.pk}_{world.fund.standard.pk}": score,
        },
    )
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    assert (Inspection.objects.count(), InspectionScore.objects.count()) == before


def test_inspection_grid_is_scoped(world, users, login):
    page = login(users.staff_b).get(reverse(GRID_URL), {"community": world.a.community.pk})
    html = page.content.decode()
    assert page.status_code == 200 and world.a.building_group.name not in html.split("<tbody>")[1]
    assert world.a.community.name not in html
    response = login(users.staff_b).post(
        reverse(GRID_URL),
        {
            "community": world.a.community.pk,
            "inspector": "x",
            f"s_{world.fund.enrollment.pk}_{world.fund.standard.pk}": "3",
        },
    )
    assert response.status_code == 302
    assert not Inspection.objects.filter(enrollment=world.fund.enrollment, kind="self").exists()


def test_inspection_grid_queries_are_flat(world, users, login, django_assert_num_queries):
    client = login(users.staff_a)
    for n in (3, 30):
        _enrol(world, n, start=n * 10)
        # Session (three), user, permissions (two), profile, the campaign asked for and the
        # latest, communities, enrollments, standards, that day's inspections and scores, the
        # campaign list.
        with django_assert_num_queries(15):
            assert client.get(reverse(GRID_URL)).status_code == 200
