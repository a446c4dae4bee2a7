"""Personal data on the public site, crawled over the demo: no full mobile or ID number, ever;
and no public page answers a random query string with a server error."""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MOBILE = re.compile(r"(?<![\d*])1[3-9]\d{9}(?!\d)")
# A resident ID: 6-digit area, birth date, 3 digits and a check character.
ID_NUMBER = re.compile(
    r"(?<!\d)[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)"
)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.found.append(href)


def crawl(client, start="/", limit=400):
    """Every public page reachable from the home page (admin and files excluded). A link may
    redirect (a station's address goes on to its row in the list) if it lands on a page."""
    seen, queue, pages = {start}, deque([start]), {}
    while queue and len(pages) < limit:
        path = queue.popleft()
        response = client.get(path, follow=True)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        if response.redirect_chain:
            path = response.request["PATH_INFO"] + (
                f"?{response.request['QUERY_STRING']}" if response.request["QUERY_STRING"] else ""
            )
        if "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        pages[path] = body
        parser = Links()
        parser.feed(body)
        for href in parser.found:
            url = urlsplit(urljoin(path, href))
            if url.netloc or url.scheme in ("tel", "mailto"):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target.startswith(("/admin", "/static", "/media")) or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    return pages


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())


def test_no_public_page_shows_a_full_mobile_or_id_number(demo, client):
    pages = crawl(client)
    assert len(pages) > 30, sorted(pages)
    for path, body in pages.items():
        text = re.sub(r"<[^>]+>", " ", body)
        assert not MOBILE.search(text), f"{path}: {MOBILE.search(text).group()}"
        assert not ID_NUMBER.search(text), f"{path}: {ID_NUMBER.search(text).group()}"


PUBLIC = [
    "/",
    "/communities/",
    "/communities/{community}/",
    "/leaders/communities/{community}/",
    "/agreements/",
    "/agreements/{scheme}/",
    "/agreements/communities/{community}/",
    "/fund/",
    "/fund/communities/{community}/",
    "/campaigns/",
    "/campaigns/{campaign}/",
    "/organizations/",
    "/organizations/{organization}/",
    "/organizations/news/",
    "/organizations/communities/{community}/",
    "/stations/",
    "/stations/map/",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(PUBLIC),
    params=st.dictionaries(
        st.sampled_from(
            [
                "month",
                "page",
                "q",
                "type",
                "field",
                "community",
                "year",
                "level",
                "subdistrict",
                "x",
            ]
        ),
        st.text(max_size=30),
        max_size=3,
    ),
)
def test_random_query_strings_never_break_a_public_page(world, client, path, params):
    params = {k: v.replace("\x00", "") for k, v in params.items()}
    path = path.format(
        community=world.a.community.pk,
        scheme=world.a.points.scheme.pk,
        organization=world.orgs.service.pk,
        campaign=world.fund.campaign.pk,
    )
    # A bad ?subdistrict= of the station pages goes back to the whole list or the first map.
    response = client.get(path, params, follow=True)
    assert response.status_code == 200, (path, params, response.status_code)
