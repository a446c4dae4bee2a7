"""The public site in a real browser (headless Chromium, see `browser.py`); staff pages are in
`test_browser_admin.py`.

Every public page, on the demo data, at a phone's width and a desktop's: it opens, logs no
console error, asks nothing of another host, fits the phone's width and has no serious or
critical axe-core finding. The map draws every station; a fund project's 公示 and a community's
leader list print on A4 without the site's navigation.

These pages only read, so they share one load of the demo (about a second on SQLite, two on
PostgreSQL), served by a live server of this module's own: pytest-django's `live_server` would
empty the database after every test.
"""

import json
import re
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection

from communities.models import BuildingGroup
from orgs.models import SocialWorkStation

from . import public_pages
from .browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    chromium,
    horizontal_overflow,
    needs_chromium,
    open_page,
)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo, loaded once (committed, so that the server's own connection sees it on
    PostgreSQL) with a live server for it. Afterwards the database is emptied and given back
    what the migrations had put in (committee roles, service fields, groups), the way Django's
    `serialized_rollback` does, as the tests after this module expect."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        migrated = connection.creation.serialize_db_to_string()
        call_command("load_demo", stdout=StringIO())
        sample = public_pages.demo_sample()
    server = LiveServer("localhost")
    try:
        yield SimpleNamespace(
            url=server.url,
            sample=sample,
            address=lambda name: server.url + public_pages.request_path(name, sample),
        )
    finally:
        server.stop()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(migrated)


# The demo's pages only read: each test runs in a transaction of its own (`django_db`) over the
# module's committed demo.
reads_demo = pytest.mark.django_db


def check_page(page, watch, site_url, response):
    assert response.status == 200, response.url
    assert watch.console_errors == [], watch.console_errors
    assert watch.foreign(site_url) == [], watch.foreign(site_url)


@reads_demo
@pytest.mark.parametrize("name", sorted(public_pages.PAGES))
def test_public_page_on_phone_and_desktop(browser, demo_site, name):
    address = demo_site.address(name)
    for device, options in [("phone", PHONE), ("desktop", DESKTOP)]:
        with open_page(browser, **options) as (page, watch):
            response = page.goto(address, wait_until="networkidle")
            check_page(page, watch, demo_site.url, response)
            if device == "phone":
                assert horizontal_overflow(page) <= 0, f"{address} is wider than a phone"
            violations = axe_violations(page)
            assert violations == [], f"{address} ({device}): {violations}"


@reads_demo
def test_station_map_draws_every_station_from_this_site_only(browser, demo_site):
    with open_page(browser, **PHONE) as (page, watch):
        response = page.goto(demo_site.address("orgs:station_map"), wait_until="networkidle")
        page.wait_for_selector(".leaflet-interactive")
        check_page(page, watch, demo_site.url, response)
        shapes = page.locator(".leaflet-interactive").count()
        assert any(u.endswith("/static/vendor/leaflet/leaflet.js") for u in watch.requested)
        assert any(u.endswith(".geojson") for u in watch.requested)
    outline = json.loads(
        Path(finders.find("orgs/jinhai-outline.geojson")).read_text(encoding="utf-8")
    )
    placed = SocialWorkStation.objects.exclude(latitude=None).exclude(longitude=None).count()
    # A marker for every station with coordinates, and a shape for every area of the sketch.
    assert placed > 10
    assert shapes == placed + len(outline["features"])


@reads_demo
def test_the_accessibility_check_finds_what_it_should(browser, demo_site):
    """The page tests pass because the pages are right, not because axe saw nothing: an image
    without a text alternative and an unlabelled field planted in a page are reported."""
    with open_page(browser, **DESKTOP) as (page, _):
        page.goto(demo_site.address("home"), wait_until="networkidle")
        page.evaluate(
            """() => document.querySelector('main').insertAdjacentHTML('beforeend',
                '<img src="/static/img/favicon.svg"><input type="text" id="planted">')"""
        )
        found = axe_violations(page)
    assert any(line.startswith("image-alt (critical)") for line in found), found
    assert any(line.startswith("label (critical)") for line in found), found


# Printing: a fund project's 公示 and a community's leader list, on A4.

A4_WIDTH = 794  # CSS pixels: 210 mm at 96 per inch


def printed(page, address):
    """Open `address` as the printer sees it; return the PDF's page count and what sticks out
    of the paper on either side."""
    page.goto(address, wait_until="networkidle")
    page.emulate_media(media="print")
    too_wide = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('body *')]
                .filter(e => {
                    const box = e.getBoundingClientRect();
                    return box.left < -1 || box.right > width + 1;
                })
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))
                .slice(0, 5);
        }"""
    )
    for hidden in (".site-header nav", ".skip-link", ".site-footer", ".breadcrumbs"):
        assert page.locator(hidden).first.is_hidden(), f"{hidden} is printed"
    styles = page.evaluate(
        """() => ({
            thead: getComputedStyle(document.querySelector('thead')).display,
            row: getComputedStyle(document.querySelector('tbody tr')).breakInside,
            ink: getComputedStyle(document.body).color,
            paper: getComputedStyle(document.body).backgroundColor,
        })"""
    )
    # Headers repeat on every page, rows are not split, black on white.
    assert styles == {
        "thead": "table-header-group",
        "row": "avoid",
        "ink": "rgb(0, 0, 0)",
        "paper": "rgb(255, 255, 255)",
    }
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)), too_wide


@reads_demo
def test_fund_project_notice_prints_on_a4(browser, demo_site):
    project = demo_site.sample.fund.project
    with open_page(browser, viewport={"width": A4_WIDTH, "height": 1123}) as (page, watch):
        pages, too_wide = printed(page, demo_site.address("fund:project"))
        assert too_wide == []
        issuer = page.locator(".notice-issuer").inner_text()
        assert project.community.name in issuer and "公示" in issuer
        assert page.locator(".notice-dates time").first.is_visible()
        assert project.community.office_phone in page.locator(".notice-contact").inner_text()
        assert watch.console_errors == []
    # One notice, one or two sheets to pin up.
    assert 1 <= pages <= 2


@reads_demo
def test_leader_list_of_the_largest_community_prints_on_a4(browser, demo_site):
    community = demo_site.sample.a.community
    groups = BuildingGroup.objects.filter(compound__community=community).count()
    with open_page(browser, viewport={"width": A4_WIDTH, "height": 1123}) as (page, _):
        pages, too_wide = printed(page, demo_site.address("volunteers:community"))
        assert too_wide == []
        rows = page.locator("main tbody tr").count()
    assert rows >= groups > 50
    # Compact rows: well over twenty a sheet, whatever the headings around them take.
    assert 1 < pages <= rows // 20 + 1, (rows, pages)
