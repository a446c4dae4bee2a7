"""The bulk screens in a real browser (headless Chromium, see `browser.py`), counting what a
worker does: actions (clicks, ticks, typed fields) and page loads, from the record's own admin
page to the saved result. The README puts these counts beside the ones measured before the
screens existed (issue 16: 97 actions for 30 leaders' attendance, 41 actions and 10 loads for
a year's 自治金, 24 actions for one street inspection).

These write, so they run on the small test world through pytest-django's `live_server`.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from self_governance.campaign.models import Inspection
from self_governance.fund.models import FundAllocation
from volunteers.models import Attendance, Participation, Training

from .browser import DESKTOP, chromium, log_in, needs_chromium, open_page
from .factories import (
    AppointmentFactory,
    BuildingGroupFactory,
    CampaignStandardFactory,
    CommunityFactory,
    CompoundFactory,
    FundAllocationFactory,
    VolunteerFactory,
)

pytestmark = needs_chromium

# What each walk took; test_browser_bulk's last test prints them for the README.
COUNTS = {}


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


class Counter:
    """Counts a worker's actions and the page loads they cause."""

    def __init__(self, page):
        self.page, self.actions, self.loads = page, 0, 0
        page.on("load", lambda _: setattr(self, "loads", self.loads + 1))

    def click(self, selector):
        self.actions += 1
        self.page.click(selector)
        self.page.wait_for_load_state("networkidle")

    def fill(self, selector, text):
        self.actions += 1
        self.page.fill(selector, text)

    def check(self, selector, checked=True):
        self.actions += 1
        self.page.set_checked(selector, checked)


def thirty_leaders(community):
    compound = CompoundFactory(community=community, name="正学新苑")
    people = []
    for n in range(1, 31):
        group = BuildingGroupFactory(compound=compound, name=f"{n}号楼")
        person = VolunteerFactory(community=community, name=f"楼组长{n:02d}")
        AppointmentFactory(volunteer=person, building_group=group)
        people.append(person)
    return people


def test_attendance_of_thirty_leaders(browser, live_server, world, users):
    people = thirty_leaders(world.a.community)
    training = world.a.training
    change = reverse("admin:volunteers_training_change", args=[training.pk])
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.staff_a)
        page.goto(live_server.url + change, wait_until="networkidle")
        count = Counter(page)
        count.click("text=登记签到")
        # 30 of the 32 invited came: all ticked, then the two absent ones found and unticked.
        count.check("[data-select-all]")
        for absent in (people[4], people[17]):
            count.fill("[data-search]", absent.name)
            count.check(f"input[name=ticked][value='{absent.pk}']", False)
        count.click("input[type=submit][value='保存']")
        assert "应到 32 人,出席 30 人" in page.locator(".messagelist").inner_text()
        assert watch.console_errors == []
    figures = Training.objects.with_attendance().get(pk=training.pk)
    assert (figures.n_invited, figures.n_attended) == (32, 30)
    assert not Attendance.objects.get(training=training, volunteer=people[4]).attended
    COUNTS["attendance"] = (count.actions, count.loads)


def test_volunteer_hours_of_an_activity(browser, live_server, world, users):
    people = thirty_leaders(world.a.community)
    activity = world.a.activity
    change = reverse("admin:volunteers_activity_change", args=[activity.pk])
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.staff_a)
        page.goto(live_server.url + change, wait_until="networkidle")
        count = Counter(page)
        count.click("text=登记参加人员和时长")
        # The compound's 30 leaders served 2 hours each, one of them 3.5.
        count.check("[aria-label='全选正学新苑']")
        count.fill("[data-fill]", "2")
        count.click("[data-fill-all]")
        count.fill(f"input[name=hours_{people[0].pk}]", "3.5")
        count.click("input[type=submit][value='保存']")
        assert "已登记服务" in page.locator(".messagelist").inner_text()
        assert watch.console_errors == []
    rows = dict(activity.participations.values_list("volunteer", "hours"))
    assert rows[people[0].pk] == Decimal("3.5") and rows[people[1].pk] == Decimal("2")
    # The world's leader had 3 hours here and is not of that compound: still recorded.
    assert Participation.objects.filter(activity=activity).count() == 31
    COUNTS["hours"] = (count.actions, count.loads)


def test_next_year_fund_for_eight_communities(browser, live_server, world, users):
    year = timezone.localdate().year + 1  # the grid opens on the coming year
    for community in (world.a.community, world.b.community):
        FundAllocationFactory(community=community, year=year - 1, amount=Decimal(150000))
    for n in range(6):
        community = CommunityFactory(subdistrict=world.subdistrict, name=f"第{n + 3}社区")
        FundAllocationFactory(community=community, year=year - 1, amount=Decimal(100000))
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.street)
        page.goto(
            live_server.url + reverse("admin:self_governance_fundallocation_changelist"),
            wait_until="networkidle",
        )
        count = Counter(page)
        count.click("text=按年度下达")
        count.click(f"text=照 {year - 1} 年度填写")
        count.fill(f"#amount_{world.b.community.pk}", "160000")  # one community gets more
        count.click("input[type=submit][value='保存全部']")
        assert "8 个社区有变动" in page.locator(".messagelist").inner_text()
        assert watch.console_errors == []
    assert FundAllocation.objects.filter(year=year).count() == 8
    COUNTS["fund"] = (count.actions, count.loads)


def test_one_street_inspection_of_one_building_group(browser, live_server, world, users):
    campaign = world.fund.campaign
    standards = [world.fund.standard] + [
        CampaignStandardFactory(campaign=campaign, name=name, max_score=15, sort_order=n)
        for n, name in enumerate(["清杂物", "清死角", "楼道美", "环境美", "人文美"], start=1)
    ]
    group = world.fund.enrollment
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.street)
        page.goto(
            live_server.url + reverse("admin:self_governance_inspection_changelist"),
            wait_until="networkidle",
        )
        count = Counter(page)
        count.click("text=检查打分")
        count.fill("input[name=inspector]", "街道自治办")
        for n, standard in enumerate(standards):
            count.fill(f"input[name=s_{group.pk}_{standard.pk}]", str(10 + n))
        count.click("input[type=submit][value='保存打分']")
        assert "新建检查 1 次" in page.locator(".messagelist").inner_text()
        assert watch.console_errors == []
    inspection = Inspection.objects.get(enrollment=group, kind="street", date=timezone.localdate())
    assert inspection.scores.count() == 6
    COUNTS["inspection"] = (count.actions, count.loads)


def test_print_counts():
    # Run with -s to see them; the README's table is copied from here.
    for task, (actions, loads) in COUNTS.items():
        print(f"{task}: {actions} actions, {loads} page loads")
    assert set(COUNTS) <= {"attendance", "hours", "fund", "inspection"}
