"""Staff at work in the admin, in a real browser (headless Chromium, see `browser.py`): logging
in, a spreadsheet import's preview and confirm, recording points, moving a fund project on. Each
page logs no console error and asks nothing of another host.

These write, so they run on the small test world through pytest-django's `live_server`, which
empties the database after each test.
"""

import csv
import io

import pytest
from django.urls import reverse

from communities.models import BuildingGroup
from self_governance.agreements.models import PointEntry
from self_governance.fund.models import ProjectStatus

from .browser import DESKTOP, chromium, log_in, needs_chromium, open_page

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


def test_staff_login_and_a_wrong_password(browser, live_server, users):
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.street, password="not-the-password")
        assert "/admin/login/" in page.url
        assert "正确的" in page.locator(".errornote").inner_text()
        log_in(page, live_server.url, users.street)
        assert page.url == f"{live_server.url}/admin/"
        assert page.locator("#user-tools").is_visible()
        assert watch.console_errors == []
        assert watch.foreign(live_server.url) == []


def test_import_places_preview_then_confirm(browser, live_server, world, users, tmp_path):
    rows = [["社区", "小区", "楼组", "户数"], ["正学社区", "正学苑", "2号楼", "24"]]
    rows += [["正学社区", "正学新苑", f"{n}号楼", "18"] for n in range(1, 4)]
    sheet = io.StringIO()
    csv.writer(sheet).writerows(rows)
    upload = tmp_path / "小区楼组.csv"
    upload.write_bytes(sheet.getvalue().encode("utf-8-sig"))
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.staff_a)
        page.goto(
            live_server.url + reverse("admin:communities_buildinggroup_import"),
            wait_until="networkidle",
        )
        page.set_input_files("#id_import_file", str(upload))
        page.click("form[enctype] input[type=submit]")
        page.wait_for_load_state("networkidle")
        preview = page.locator("main, #content").first.inner_text()
        assert "新建 4 行" in preview, preview
        # The preview wrote nothing.
        assert not BuildingGroup.objects.filter(compound__name="正学新苑").exists()
        page.click("form[action$='process_import/'] input[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(reverse("admin:communities_buildinggroup_changelist"))
        assert "导入完成" in page.locator(".messagelist").inner_text()
        assert watch.console_errors == []
        assert watch.foreign(live_server.url) == []
    assert set(
        BuildingGroup.objects.filter(compound__community=world.a.community).values_list(
            "compound__name", "name"
        )
    ) >= {("正学苑", "2号楼"), ("正学新苑", "1号楼"), ("正学新苑", "3号楼")}


def choose(page, field, typed, option):
    """Pick `option` in the admin's autocomplete (select2) for `field`, typing `typed`.

    Each lookup is awaited before the next starts, as a person reading the list would: on
    SQLite the live server's threads share one in-memory connection, and overlapping requests
    would trip over each other's session writes there."""

    def lookup(response):
        return "/admin/autocomplete/" in response.url

    with page.expect_response(lookup):
        page.click(f"#id_{field} + .select2")
    with page.expect_response(lambda response: lookup(response) and "term=" in response.url):
        page.fill(".select2-container--open .select2-search__field", typed)
    page.locator(".select2-results__option", has_text=option).first.click()


def test_recording_points_in_the_admin_moves_the_balance(browser, live_server, world, users):
    points = world.a.points
    before = points.household.balance
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.staff_a)
        page.goto(
            live_server.url + reverse("admin:self_governance_pointentry_add"),
            wait_until="networkidle",
        )
        choose(page, "account", "301", str(points.household))
        choose(page, "rule", points.award.code, points.award.code)
        page.fill("#id_date", "2022-10-02")
        page.click("input[name=_save]")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(reverse("admin:self_governance_pointentry_changelist"))
        assert watch.console_errors == []
        assert watch.foreign(live_server.url) == []
    points.household.refresh_from_db()
    assert points.household.balance == before + points.award.points
    assert PointEntry.objects.filter(account=points.household, recorded_by=users.staff_a).exists()


def test_fund_project_moves_on_its_page(browser, live_server, world, users):
    project = world.fund.project
    assert project.status == ProjectStatus.IMPLEMENTING
    move = reverse("admin:self_governance_fundproject_move", args=[project.pk])
    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.staff_a)
        page.goto(f"{live_server.url}{move}?to=accepted", wait_until="networkidle")
        page.select_option("#id_to", ProjectStatus.ACCEPTED)
        page.fill("#id_note", "车棚验收合格")
        page.click("input[type=submit][value=确认变更]")
        page.wait_for_load_state("networkidle")
        assert "已变更为“验收”" in page.locator(".messagelist").inner_text()
        assert watch.console_errors == []
        assert watch.foreign(live_server.url) == []
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED
    assert project.moves.latest("at").note == "车棚验收合格"


def test_a_renewal_from_the_admin_index_in_five_clicks(
    browser, live_server, world, users, tmp_path
):
    """换届 as a community worker does it: index, 两长任职, 导入, choose 两长换届名册 and the file,
    提交, 确认导入. The clicks (and the one pick) are counted."""
    from volunteers.models import Appointment

    rows = [
        ["社区", "类型", "姓名", "手机号", "小区", "楼组", "街面", "推选日期"],
        ["正学社区", "楼组长", "陈新", "13900003333", "正学苑", "1号楼", "", "2026-07-15"],
    ]
    sheet = io.StringIO()
    csv.writer(sheet).writerows(rows)
    upload = tmp_path / "换届名册.csv"
    upload.write_bytes(sheet.getvalue().encode("utf-8-sig"))
    actions = 0

    def act(do, *args, **kwargs):
        nonlocal actions
        actions += 1
        do(*args, **kwargs)
        page.wait_for_load_state("networkidle")

    with open_page(browser, **DESKTOP) as (page, watch):
        log_in(page, live_server.url, users.staff_a)
        changelist = reverse("admin:volunteers_appointment_changelist")
        act(page.click, f"#content a[href='{changelist}']")
        act(page.click, "a.import_link")
        act(page.select_option, "#id_resource", label="两长换届名册(替换原名册)")
        page.set_input_files("#id_import_file", str(upload))  # the file dialog
        act(page.click, "form[enctype] input[type=submit]")
        preview = page.locator("main, #content").first.inner_text()
        assert "2 人离任" in preview and "1 人新任" in preview, preview
        act(page.click, "form[action$='process_import/'] input[type=submit]")
        assert "导入完成" in page.locator(".messagelist").inner_text()
        assert watch.console_errors == []
    assert actions == 5
    current = Appointment.objects.current().get(building_group=world.a.building_group)
    assert current.volunteer.name == "陈新"
