"""The resident side in a real browser at a phone's width, on the demo data: a resident types the
code from a printed card, sees her household's ledger and registers a pet; staff confirm it."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from .browser import (
    PHONE,
    axe_violations,
    chromium,
    horizontal_overflow,
    needs_chromium,
    open_page,
    submit,
)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def resident_site(django_db_setup, django_db_blocker):
    """The demo with its printed codes, committed, with a live server (as in test_browser.py)."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        migrated = connection.creation.serialize_db_to_string()
        out = StringIO()
        call_command("load_demo", stdout=out)
    printed = out.getvalue()
    server = LiveServer("localhost")
    try:
        yield server.url, printed
    finally:
        server.stop()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(migrated)


@pytest.mark.django_db
def test_a_resident_takes_her_cards_code_and_sees_her_ledger(resident_site):
    url, printed = resident_site
    address, code = re.search(r"户码 (.+?) (\d{5}-\d{5}-\d{5})", printed).groups()
    staff_password = re.search(r"新建账号 jinhai 密码 (\S+)", printed).group(1)
    with chromium() as browser, open_page(browser, **PHONE) as (page, watch):
        page.goto(f"{url}/my/claim/?code={code}", wait_until="networkidle")
        assert page.input_value("#id_code") == code  # the card's QR link fills the form in
        page.click("text=进入本户页面")
        page.wait_for_url(f"{url}/my/")
        assert address in page.inner_text("main")
        assert page.locator("table.ledger tbody tr").count() > 0
        assert "积分余额" in page.inner_text("main")
        assert horizontal_overflow(page) <= 0
        assert axe_violations(page) == []
        page.fill("form[action='/my/pets/'] #id_name", "花花")
        page.select_option("form[action='/my/pets/'] #id_kind", "cat")
        submit(page, "text=提交登记")
        assert "工作人员确认后生效" in page.inner_text("main")
        assert watch.console_errors == []
        submit(page, "text=退出本户")
        assert page.locator("#id_code").count() == 1

    with chromium() as browser, open_page(browser) as (page, _):
        page.goto(f"{url}/admin/login/?next=/admin/", wait_until="networkidle")
        page.fill("#id_username", "jinhai")
        page.fill("#id_password", staff_password)
        submit(page, "input[type=submit]")
        page.goto(f"{url}/admin/self_governance/pet/?status__exact=pending")
        assert "花花" in page.inner_text("#result_list")
        page.check("#result_list input.action-select")
        page.select_option("select[name=action]", "confirm")
        submit(page, "button[name=index]")
        assert "已确认 1 条宠物信息" in page.inner_text("body")


@pytest.mark.django_db
def test_a_resident_takes_part_and_staff_see_it(resident_site):
    """From the card's code: propose a project, support another, leave an opinion on a notice and
    sign up for a 说事会, at a phone's width; then staff accept the proposal, publish the opinion
    and see the sign-up."""
    url, printed = resident_site
    code = re.findall(r"户码 .+? (\d{5}-\d{5}-\d{5})", printed)[-1]
    staff_password = re.search(r"新建账号 jinhai 密码 (\S+)", printed).group(1)
    actions = 0
    with chromium() as browser, open_page(browser, **PHONE) as (page, watch):
        page.goto(f"{url}/my/claim/?code={code}", wait_until="networkidle")
        submit(page, "text=进入本户页面")
        submit(page, "nav.tabs >> text=参与议事")
        actions += 2
        assert horizontal_overflow(page) <= 0
        assert axe_violations(page) == []

        submit(page, "text=提议一个项目")
        page.fill("#id_title", "楼道加装声控灯")
        page.select_option("#id_category", "stairway")
        page.fill("#id_description", "晚上楼道太暗,老人上下楼不安全。")
        page.fill("#id_amount", "3000")
        submit(page, "text=提交提议")
        actions += 6
        assert "提议已提交" in page.inner_text("main")

        submit(page, "form[action$='/support/'] button >> nth=0")
        actions += 1
        assert "已附议" in page.inner_text("main")

        notice = page.locator("form[action$='/opinion/']").first
        notice.locator("textarea").fill("扶手请装在楼梯两侧。")
        with page.expect_navigation():
            notice.locator("button").click()
        page.wait_for_load_state("networkidle")
        actions += 2
        assert "意见已提交" in page.inner_text("main")

        meeting = page.locator("form[action*='/my/meetings/']").first
        meeting.locator("input[name=people]").fill("2")
        with page.expect_navigation():
            meeting.locator("button").click()
        page.wait_for_load_state("networkidle")
        actions += 2
        assert "已报名" in page.inner_text("main") and "本户已报名 2 人" in page.inner_text("main")
        assert watch.console_errors == []
    # The code, the tab, six for the proposal, one support, two for the opinion, two to sign up.
    assert actions == 13

    with chromium() as browser, open_page(browser) as (page, _):
        page.goto(f"{url}/admin/login/?next=/admin/", wait_until="networkidle")
        page.fill("#id_username", "jinhai")
        page.fill("#id_password", staff_password)
        submit(page, "input[type=submit]")
        todo = page.inner_text("body")
        assert "待审核的居民提议" in todo and "待审核的公示意见" in todo and "本周会议报名" in todo
        submit(page, "text=楼道加装声控灯")  # the 待办 line leads to its review
        page.check("input[name=decision][value=accept]")
        submit(page, "input[type=submit] >> nth=-1")
        assert "楼道加装声控灯" in page.inner_text("body")
        page.goto(f"{url}/admin/self_governance/opinion/?state__exact=pending")
        assert "扶手请装在楼梯两侧" in page.inner_text("#result_list")
        page.check("#result_list input.action-select")
        page.select_option("select[name=action]", "publish")
        submit(page, "button[name=index]")
        assert "已公开 1 条意见" in page.inner_text("body")
        page.goto(f"{url}/admin/self_governance/meetingsignup/")
        assert "说事会" in page.inner_text("#result_list")
