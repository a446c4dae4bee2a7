"""Every public page makes a fixed number of queries, at most eight, and the same number after
the data has grown tenfold: a page whose queries grew with its rows would slow down exactly when
a community starts using the portal in earnest.

The pages come from `public_pages.PAGES`; a page without a row in QUERIES fails, so a new public
page gets its count pinned here when it is added.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from jinhai import summaries
from self_governance.agreements import services as agreement_services
from self_governance.agreements.models import Account, AgreementScheme, Reward, Rule
from self_governance.fund import services as fund_services
from self_governance.fund.participation import MeetingSignup, Opinion
from volunteers.models import ActivitySignup

from . import public_pages
from .factories import (
    ActivityFactory,
    AnnualInspectionFactory,
    AppointmentFactory,
    AttendanceFactory,
    BuildingGroupFactory,
    CommitteeMemberFactory,
    CommunityFactory,
    CompoundFactory,
    ContestEntryFactory,
    ContestRoundFactory,
    DiscussionMeetingFactory,
    EnrollmentFactory,
    FundAllocationFactory,
    FundProjectFactory,
    HouseholdFactory,
    InfoReportFactory,
    InspectionFactory,
    InspectionScoreFactory,
    ParticipationFactory,
    PublicWelfareActivityFactory,
    RectificationFactory,
    RoundScoreFactory,
    ShopFactory,
    SocialOrganizationFactory,
    SocialWorkStationFactory,
    StreetZoneFactory,
    TrainingFactory,
    VolunteerFactory,
    project_move,
)
from .test_permission_matrix import EXTRA, PUBLIC

MAX_QUERIES = 8

# Each page's queries, whatever the amount of data (the comment says what they read).
QUERIES = {
    "home": 1,  # subdistricts with their communities counted
    "subdistrict": 2,  # the subdistrict with its figures, its communities with theirs
    "districts": 1,  # the districts with their subdistricts and communities counted
    "district": 2,  # the count, the page of its subdistricts with their communities counted
    "communities:list": 2,  # the count, the page (30 a page)
    "communities:detail": 6,  # community, election, members, roles, compounds, street zones
    # community, leaders, building groups, zones, trainings, service, activities ahead
    "volunteers:community": 7,
    # the page of schemes with their accounts counted (shorter than a page: it counts itself)
    "agreements:list": 1,
    "agreements:detail": 7,  # scheme, rules, months, the month's four boards
    "agreements:community": 2,  # community, the page of its schemes (it counts itself)
    # (one subdistrict's) years, the subdistrict's totals, the page of communities (no count
    # while they fit on it)
    "fund:overview": 3,
    # years, community with figures, projects (+meetings, moves, payments; they count the
    # statuses), the general meetings held and those ahead with their sign-ups (one query)
    "fund:community": 7,
    # project (+community, compound, spending, opinions counted), meetings, moves, payments,
    # published opinions
    "fund:project": 5,
    "campaign:list": 2,  # the count, the page of campaigns with their enrolments counted
    # campaign, standards, communities with their counts, a page of one community's enrolments,
    # their scores, their fixes, contests
    "campaign:detail": 7,
    "campaign:contest": 4,  # contest, rounds, scores, entries
    "orgs:list": 5,  # kinds (the list's count), page, its fields, fields, communities
    # organization, its fields and communities (one query), inspections, activities with their
    # organizations (one query, orgs.selectors.organization_activities), reports, photos of
    # both, stations
    "orgs:detail": 7,
    "orgs:news": 4,  # activities (+orgs), reports, photos of both
    "orgs:community": 7,  # community, organizations (+fields), stations, activities (+orgs, photos)
    "orgs:stations": 3,  # subdistricts (the picker), counts by level (the count), the page
    # subdistricts, the one shown's first 30 stations (counted as read while they fit on a page)
    "orgs:station_map": 2,
    "figures": 2,  # the subdistricts, their summaries (jinhai.summaries)
    "search": 6,  # one for each kind of name found (jinhai.search)
}


def test_every_public_url_is_a_listed_page():
    """The permission matrix says which URLs anyone may open; each is a page in the shared list
    (so every page test covers it) or an endpoint that is deliberately not a page."""
    public = {name for name, statuses in EXTRA.items() if statuses == PUBLIC}
    assert public - set(public_pages.PAGES) <= public_pages.NOT_PAGES, sorted(
        public - set(public_pages.PAGES) - public_pages.NOT_PAGES
    )


def test_every_page_has_a_pinned_count():
    assert set(QUERIES) == set(public_pages.PAGES)
    assert max(QUERIES.values()) <= MAX_QUERIES


def grow_tenfold(world):
    """Ten times what every public page lists: communities with compounds, building groups,
    leaders, committees, schemes with accounts and entries, fund projects with meetings, moves
    and payments, campaign results, contest entries, organizations, activities, reports and
    stations."""
    a = world.a
    jinhai = world.subdistrict
    for i in range(10):
        community = CommunityFactory(subdistrict=jinhai, name=f"新社区{i}")
        FundAllocationFactory(community=community, amount=Decimal("50000"))
        compound = CompoundFactory(community=community, name=f"新社区{i}小区")
        BuildingGroupFactory.create_batch(3, compound=compound)
        # Community A grows in every direction.
        compound = CompoundFactory(community=a.community, name=f"正学新苑{i}")
        group = BuildingGroupFactory(compound=compound, name=f"{i + 2}号楼")
        zone = StreetZoneFactory(community=a.community, name=f"正学街面{i}")
        CommitteeMemberFactory(election=a.election, name=f"委员{i}", roles=["member"])
        leader = VolunteerFactory(community=a.community, name=f"新楼组长{i}")
        AppointmentFactory(volunteer=leader, building_group=group)
        street_leader = VolunteerFactory(community=a.community, name=f"新街面长{i}")
        AppointmentFactory(volunteer=street_leader, kind="street", street_zone=zone)
        training = TrainingFactory(subdistrict=jinhai, community=a.community)
        AttendanceFactory(training=training, volunteer=leader)
        activity = ActivityFactory(community=a.community)
        ParticipationFactory(activity=activity, volunteer=leader)
        _grow_points(world, group, zone, i)
        _grow_fund(world, compound, i)
        _grow_orgs(world, i)


def _grow_points(world, group, zone, i):
    points = world.a.points
    day = datetime.date(2022, 9, 1 + i)
    rule = Rule.objects.create(
        scheme=points.scheme, code=f"N{i:02d}", description=f"新细则{i}", points=2
    )
    household = Account.objects.create(
        scheme=points.scheme, household=HouseholdFactory(building_group=group, room=f"{i + 1}01")
    )
    shop = Account.objects.create(
        scheme=points.scheme, household=ShopFactory(street_zone=zone, shop_name=f"新商铺{i}")
    )
    for account in (household, shop, points.household):
        agreement_services.entry_record(account=account, rule=rule, date=day, by=None)
    reward = Reward.objects.create(scheme=points.scheme, name=f"奖品{i}", cost=1, stock=5)
    agreement_services.redeem(account=household, reward=reward, date=day, by=None)
    AgreementScheme.objects.create(
        community=world.a.community,
        name=f"正学社区美丽约定{i}",
        kind="general",
        text="文明养宠。",
        start=datetime.date(2022, 8, 1),
        status="active",
    )


def _grow_fund(world, compound, i):
    fund = world.fund
    community = world.a.community
    project = FundProjectFactory(
        community=community,
        compound=compound,
        title=f"正学新项目{i}",
        amount_requested=Decimal("10000"),
    )
    DiscussionMeetingFactory(community=community, project=project)
    for step, amount in [("discussing", None), ("publicising", None), ("approved", "8000")]:
        project_move(project, step, approved_amount=amount)
    fund_services.project_move(project=project, to="implementing", by=None)
    fund_services.expenditure_add(
        project=project,
        date=timezone.localdate(),  # paid after its 立项, which was today
        amount="1000",
        payee="施工单位",
        purpose=f"材料{i}",
        by=None,
    )
    # The notice's project: more meetings and payments of its own.
    DiscussionMeetingFactory(community=community, project=fund.project, topic=f"车棚讨论{i}")
    fund_services.expenditure_add(
        project=fund.project,
        date=datetime.date(2022, 8, 1 + i),
        amount="100",
        payee="车棚施工单位",
        purpose=f"车棚零件{i}",
        by=None,
    )
    DiscussionMeetingFactory(
        community=community, project=None, topic=f"说事会{i}", date=datetime.date(2022, 5, 1 + i)
    )
    # Meetings and activities ahead, signed up for; opinions on the notice, published or not.
    soon = timezone.localdate() + datetime.timedelta(days=1 + i)
    household = HouseholdFactory(building_group=compound.building_groups.first(), room=f"8{i}")
    coming = DiscussionMeetingFactory(
        community=community, topic=f"将开{i}", date=soon, participants=None, signup_open=True
    )
    MeetingSignup.objects.create(meeting=coming, household=household, people=2)
    activity = ActivityFactory(community=community, date=soon, signup_open=True, title=f"活动{i}")
    ActivitySignup.objects.create(activity=activity, household=household, people=1)
    state = "published" if i % 2 else "pending"
    Opinion.objects.create(project=fund.project, household=household, text=f"意见{i}", state=state)
    # The campaign and its contest.
    enrollment = EnrollmentFactory(
        campaign=fund.campaign, building_group=compound.building_groups.first()
    )
    inspection = InspectionFactory(enrollment=enrollment)
    InspectionScoreFactory(inspection=inspection, standard=fund.standard, score=10)
    RectificationFactory(inspection=inspection)
    entry = ContestEntryFactory(contest=fund.contest, community=community, title=f"新节目{i}")
    RoundScoreFactory(round=fund.round, entry=entry, score=Decimal("80") + i)
    if i == 0:
        ContestRoundFactory(contest=fund.contest, name="复赛", order=2)


def _grow_orgs(world, i):
    service = world.orgs.service
    organization = SocialOrganizationFactory(subdistrict=world.subdistrict, name=f"新机构{i}")
    organization.communities.set([world.a.community, world.b.community])
    AnnualInspectionFactory(organization=organization, year=2021)
    AnnualInspectionFactory(organization=service, year=2010 + i)
    PublicWelfareActivityFactory(
        subdistrict=world.subdistrict,
        community=world.a.community,
        organizations=[organization, service],
    )
    InfoReportFactory(subdistrict=world.subdistrict, organization=service)
    SocialWorkStationFactory(
        subdistrict=world.subdistrict,
        community=world.a.community,
        name=f"新社工站{i}",
        hosting_organization=service,
    )


def _prepare(address):
    # Measure the page as it is built, never a cached copy of it.
    cache.clear()
    if address.startswith(reverse("figures")):
        # The figures page reads summaries that a background job keeps (jinhai.summaries).
        list(summaries.refresh_all())


@pytest.mark.parametrize("name", sorted(public_pages.PAGES))
def test_public_page_queries_stay_fixed_as_data_grows_tenfold(
    world, client, django_assert_num_queries, name
):
    queries = QUERIES.get(name)
    assert queries is not None, f"{name}: pin its query count in QUERIES"
    assert queries <= MAX_QUERIES
    address = public_pages.request_path(name, world)
    _prepare(address)
    with django_assert_num_queries(queries):
        response = client.get(address)
    assert response.status_code == 200
    before = len(response.content)
    grow_tenfold(world)
    _prepare(address)
    with django_assert_num_queries(queries):
        response = client.get(address)
    assert response.status_code == 200
    # The page did show more: the count held over lists that grew.
    assert len(response.content) > before, f"{name} did not grow with the data"
