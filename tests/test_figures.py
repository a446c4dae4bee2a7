"""The figures: the public 数据公开 page and the staff 数据看板 (charts, tables, Excel export)."""

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from self_governance.agreements import services
from self_governance.fund.models import FundAllocation
from volunteers.models import Appointment

from .browser import needs_chromium, visit
from .factories import (
    AnnualInspectionFactory,
    AppointmentFactory,
    BuildingGroupFactory,
    CommunityFactory,
    FundAllocationFactory,
    ParticipationFactory,
    SocialOrganizationFactory,
    VolunteerFactory,
)
from .jobs import finished_download, run_queued_jobs

FIGURES = reverse("figures")
DASHBOARD = reverse("dashboard")


def charts_of(response) -> dict:
    """{chart key: spec} from the JSON the page hands to charts.js."""
    html = response.content.decode()
    return {
        key: json.loads(body)
        for key, body in re.findall(
            r'<script id="chart-data-([\w-]+)" type="application/json">(.*?)</script>', html, re.S
        )
    }


def series(chart, name):
    values = next(s for s in chart["series"] if s["name"] == name)["values"]
    return dict(zip(chart["labels"], values, strict=True))


def sheets_of(response) -> dict:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


# The public page


def test_public_figures_count_every_community_from_the_rows(world, client):
    charts = charts_of(client.get(FIGURES))

    assert list(charts) == [
        "leader-coverage", "training-attendance", "service-hours", "points", "fund", "inspections"
    ]  # fmt: skip
    coverage = charts["leader-coverage"]
    assert coverage["labels"] == ["正学社区", "丰乐社区", "西渡社区"]
    assert series(coverage, "有在任楼组长的楼组") == {"正学社区": 1, "丰乐社区": 1, "西渡社区": 1}
    assert series(coverage, "有在任街面长的街面") == {"正学社区": 1, "丰乐社区": 1, "西渡社区": 1}
    assert series(coverage, "尚无街面长的街面") == {"正学社区": 0, "丰乐社区": 0, "西渡社区": 0}
    # One attended invitation per community: 100%; the street-wide training invited nobody yet.
    assert series(charts["training-attendance"], "出席率") == dict.fromkeys(coverage["labels"], 100)
    assert charts["service-hours"]["labels"] == ["2022年10月"]
    assert charts["service-hours"]["series"][0]["values"] == [9]  # 3 hours in each community
    # Each community's ledger: two awards of 5 and a redemption of a 5-point towel in September.
    points = charts["points"]
    assert series(points, "发放积分(加分−扣分)") == {"2022年9月": 30}
    assert series(points, "兑换消耗积分") == {"2022年9月": 15}
    fund = charts["fund"]
    assert fund["labels"] == ["正学社区"]
    assert [s["values"] for s in fund["series"]] == [[200000.0], [40000.0], [12000.0]]
    inspections = charts["inspections"]
    assert inspections["labels"] == ["社会服务机构", "社会团体"]
    assert series(inspections, "合格") == {"社会服务机构": 2, "社会团体": 0}
    assert series(inspections, "未提交") == {"社会服务机构": 0, "社会团体": 1}


def test_public_figures_follow_the_data(world, client):
    before = series(charts_of(client.get(FIGURES))["leader-coverage"], "尚无楼组长的楼组")
    BuildingGroupFactory(compound=world.a.compound, name="2号楼")
    # The page shows the summary it has, uncached, and queues its subdistrict's refresh.
    stale = client.get(FIGURES)
    assert series(charts_of(stale)["leader-coverage"], "尚无楼组长的楼组") == before
    assert "no-store" in stale["Cache-Control"]
    assert run_queued_jobs() == 1
    assert series(charts_of(client.get(FIGURES))["leader-coverage"], "尚无楼组长的楼组") == {
        **before,
        "正学社区": 1,
    }


def test_public_figures_show_no_person(world, client):
    html = client.get(FIGURES).content.decode()

    person = world.a.volunteer
    for text in [person.name, person.mobile, "301", world.a.points.shop.household.shop_name]:
        assert text not in html
    assert "<table" in html and "数据表" in html  # every chart's numbers, without JavaScript


def test_public_figures_pick_the_year_and_ignore_nonsense(world, client):
    FundAllocationFactory(community=world.b.community, year=2021, amount=Decimal("50000"))
    AnnualInspectionFactory(organization=world.orgs.group, year=2022)

    charts = charts_of(client.get(FIGURES))  # the latest years with data
    assert charts["fund"]["title"] == "2022年各社区自治金"
    assert charts["inspections"]["title"] == "2022年度社会组织年检"

    charts = charts_of(client.get(FIGURES, {"fund_year": "2021", "inspection_year": "2021"}))
    assert charts["fund"]["labels"] == ["丰乐社区"]
    assert charts["inspections"]["title"] == "2021年度社会组织年检"

    for nonsense in ["1900", "abc", "２０２１", "-1", "9" * 40, ""]:
        response = client.get(FIGURES, {"fund_year": nonsense, "inspection_year": nonsense})
        assert response.status_code == 200
        assert charts_of(response)["fund"]["title"] in ("2022年各社区自治金", "2021年各社区自治金")


def test_public_figures_on_an_empty_database(db, client):
    response = client.get(FIGURES)

    assert response.status_code == 200
    assert charts_of(response) == {}
    assert response.content.decode().count("暂无数据") == 6
    assert f"{datetime.date.today().year}年各社区自治金" in response.content.decode()


def test_public_figures_make_the_same_queries_however_much_data(
    world, client, django_assert_num_queries
):
    # The subdistricts, their summaries, and (for one subdistrict) its name for the crumbs.
    call_command("refresh_figures", stdout=io.StringIO())
    one = {"subdistrict": world.subdistrict.pk}
    with django_assert_num_queries(2):
        client.get(FIGURES)
    with django_assert_num_queries(3):
        client.get(FIGURES, one)
    for n in range(10):
        community = CommunityFactory(subdistrict=world.subdistrict)
        group = BuildingGroupFactory(compound__community=community)
        volunteer = VolunteerFactory(community=community)
        AppointmentFactory(volunteer=volunteer, building_group=group)
        ParticipationFactory(volunteer=volunteer, activity__community=community)
        FundAllocationFactory(community=community, year=2021 + n % 2)
        AnnualInspectionFactory(
            organization=SocialOrganizationFactory(subdistrict=world.subdistrict), year=2020 + n
        )
    call_command("refresh_figures", stdout=io.StringIO())
    with django_assert_num_queries(2):
        response = client.get(FIGURES)
    assert len(charts_of(response)["leader-coverage"]["labels"]) == 13
    with django_assert_num_queries(3):
        client.get(FIGURES, one)


def test_public_export_has_a_sheet_per_chart_with_the_same_numbers(world, client):
    response = client.get(FIGURES, {"format": "xlsx"})

    assert "attachment" in response["Content-Disposition"]
    sheets = sheets_of(response)
    assert list(sheets) == [
        "各社区楼组长覆盖", "两长培训出席率", "每月志愿服务时长", "美丽约定每月积分",
        "2022年各社区自治金", "2021年度社会组织年检",
    ]  # fmt: skip
    assert sheets["2022年各社区自治金"][:2] == [
        ["社区", "下达额度(元)", "已批准(元)", "已支出(元)"],
        ["正学社区", 200000, 40000, 12000],
    ]
    assert sheets["两长培训出席率"][0] == ["社区", "应到(人次)", "实到(人次)", "出席率(%)"]


def test_export_never_hands_excel_a_formula(world, client):
    world.a.community.name = '=HYPERLINK("http://evil")'
    world.a.community.save()

    rows = sheets_of(client.get(FIGURES, {"format": "xlsx"}))["各社区楼组长覆盖"]

    assert rows[1][0] == '\'=HYPERLINK("http://evil")'


# The staff dashboard


def test_dashboard_needs_a_staff_login(world, client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "user, communities",
    [
        ("street", ["正学社区", "丰乐社区"]),
        ("staff_a", ["正学社区"]),
        ("staff_b", ["丰乐社区"]),
        ("viewer", ["正学社区", "丰乐社区"]),
        ("superuser", ["正学社区", "丰乐社区", "西渡社区"]),
    ],
)
def test_dashboard_counts_only_the_users_communities(world, users, login, user, communities):
    client = login(getattr(users, user))

    charts = charts_of(client.get(DASHBOARD))

    assert charts["leader-coverage"]["labels"] == communities
    hours = sum(charts["service-hours"]["series"][0]["values"])
    assert hours == 3 * len(communities)
    queued = client.post(DASHBOARD, {"fund_year": "2022", "inspection_year": "2021"})
    export = sheets_of(finished_download(client, queued))
    assert [row[0] for row in export["各社区楼组长覆盖"][1:]] == communities


def test_dashboard_of_community_b_never_shows_community_a(world, users, login):
    html = login(users.staff_b).get(DASHBOARD).content.decode()

    assert "丰乐社区" in html
    assert "正学社区" not in html
    assert "200,000" not in html and "200000" not in html  # A's allocation


def test_dashboard_shows_a_chart_only_with_its_view_permission(world, users, login):
    from django.contrib.auth.models import Permission

    staff = users.staff_a
    staff.groups.clear()
    staff.user_permissions.add(Permission.objects.get(codename="view_fundproject"))

    charts = charts_of(login(staff).get(DASHBOARD))

    assert list(charts) == ["fund"]


def test_dashboard_link_on_the_admin_index(world, users, login):
    assert DASHBOARD in login(users.staff_a).get(reverse("admin:index")).content.decode()


def test_dashboard_after_changes_in_the_admin(world, users, login):
    """A leader's term ended and a new allocation: the dashboard shows both at once."""
    client = login(users.street)
    Appointment.objects.filter(pk=world.a.appointment.pk).update(end=datetime.date(2022, 12, 31))
    FundAllocation.objects.filter(community=world.b.community).delete()
    FundAllocationFactory(community=world.b.community, amount=Decimal("80000"))
    services.entry_record(
        account=world.b.points.household,
        rule=world.b.points.deduction,
        date=datetime.date(2022, 10, 2),
        by=None,
    )

    charts = charts_of(client.get(DASHBOARD))

    assert series(charts["leader-coverage"], "尚无楼组长的楼组")["正学社区"] == 1
    assert series(charts["fund"], "下达额度") == {"正学社区": 200000, "丰乐社区": 80000}
    assert series(charts["points"], "发放积分(加分−扣分)")["2022年10月"] == -3


# In a real browser


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_charts_are_drawn_from_this_site_alone(world, live_server):
    seen = visit(
        live_server.url + FIGURES,
        wait_for="canvas[data-chart]",
        evaluate="Object.keys(Chart.instances).length",
        width=390,
        height=844,
    )

    assert seen.result == 6
    assert seen.console_errors == []
    assert all(url.startswith(live_server.url) for url in seen.requested), seen.requested
    assert any(url.endswith(".js") and "chart" in url for url in seen.requested)
