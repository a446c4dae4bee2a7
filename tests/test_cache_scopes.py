"""The page cache by scope (jinhai.caching): a save renews its own community's and subdistrict's
pages, not another community's; a page is keyed only by the query parameters it reads."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from jinhai import caching

from . import public_pages
from .factories import CompoundFactory


def cached(client, url) -> bool:
    """Whether the page came from the cache (it made no query)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured) == 0


def community_pages(community):
    return [
        reverse(name, args=[community.pk])
        for name in (
            "communities:detail",
            "volunteers:community",
            "agreements:community",
            "fund:community",
            "orgs:community",
        )
    ]


def test_a_save_in_one_community_keeps_the_others_pages(world, client):
    a, b = world.a.community, world.b.community
    subdistrict = reverse("subdistrict", args=[world.subdistrict.pk])
    elsewhere = reverse("subdistrict", args=[world.other_subdistrict.pk])
    pages = community_pages(a) + community_pages(b) + [subdistrict, elsewhere]
    for url in pages:
        client.get(url)
    assert all(cached(client, url) for url in pages)

    CompoundFactory(community=a, name="新建小区")

    for url in community_pages(a):
        assert not cached(client, url), url
    assert "新建小区" in client.get(reverse("communities:detail", args=[a.pk])).content.decode()
    for url in community_pages(b):
        assert cached(client, url), url
    assert not cached(client, subdistrict)
    assert cached(client, elsewhere)


def test_a_row_of_the_whole_subdistrict_renews_its_community_pages(world, client):
    a, elsewhere = world.a.community, world.elsewhere.community
    pages = community_pages(a) + community_pages(elsewhere)
    for url in pages:
        client.get(url)
    organization = world.orgs.service
    organization.name = "上海市奉贤区正学社工服务中心"
    organization.save()
    assert not cached(client, reverse("orgs:community", args=[a.pk]))
    assert cached(client, reverse("orgs:community", args=[elsewhere.pk]))


def test_pages_of_the_whole_site_follow_every_save(world, client):
    url = reverse("communities:list")
    client.get(url)
    assert cached(client, url)
    CompoundFactory(community=world.elsewhere.community, name="西渡新苑")
    assert not cached(client, url)


def test_a_row_page_follows_its_community(world, client):
    project = reverse("fund:project", args=[world.fund.project.pk])
    other = reverse("communities:detail", args=[world.b.community.pk])
    for url in (project, other):
        client.get(url)
    assert cached(client, project)
    project_row = world.fund.project
    project_row.title = "正学苑健身步道改造"
    project_row.save()
    assert not cached(client, project) and cached(client, other)
    assert "正学苑健身步道改造" in client.get(project).content.decode()


def test_a_write_placed_nowhere_renews_everything(world, client):
    url = reverse("communities:detail", args=[world.b.community.pk])
    client.get(url)
    caching.data_changed()
    assert not cached(client, url)


@pytest.mark.parametrize("name", sorted(public_pages.PAGES))
def test_unknown_parameters_do_not_bypass_the_cache(world, client, name):
    url = public_pages.request_path(name, world)
    first = client.get(url)
    joiner = "&" if "?" in url else "?"
    for n in range(3):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}{joiner}r={n}&utm_source=x{n}")
        assert len(captured) == 0, f"{name}: ?r={n} made {len(captured)} queries"
        assert response.content == first.content


def test_the_view_sees_only_the_parameters_it_declared(world, client):
    view = resolve(reverse("orgs:list")).func.view_class
    assert view.public_params == {"type", "field", "subdistrict", "community", "page"}
    # The page's own links carry no made-up parameter along.
    body = client.get(reverse("orgs:list"), {"type": "service", "r": "1"}).content.decode()
    assert "r=1" not in body


def test_declared_parameters_still_make_separate_entries(world, client):
    url = reverse("orgs:list")
    service = client.get(url, {"type": "service", "r": "1"}).content.decode()
    group = client.get(url, {"type": "group", "r": "1"}).content.decode()
    assert world.orgs.service.name in service and world.orgs.service.name not in group


def test_logged_in_users_see_the_declared_parameters_only_too(world, users, login):
    client = login(users.street)
    response = client.get(reverse("fund:overview"), {"year": "abc", "r": "1"})
    assert response.status_code == 200
    assert "r" not in response.wsgi_request.GET


def test_figures_of_one_subdistrict_follow_its_saves_only(world, client):
    url = reverse("figures")
    other = {"subdistrict": world.other_subdistrict.pk}
    body = client.get(url, other).content.decode()
    assert "西渡社区" in body and "正学社区" not in body and "西渡街道" in body
    mine = {"subdistrict": world.subdistrict.pk}
    client.get(url, mine)
    CompoundFactory(community=world.a.community, name="正学新苑")
    with CaptureQueriesContext(connection) as captured:
        client.get(url, other)
    assert len(captured) == 0
    with CaptureQueriesContext(connection) as captured:
        client.get(url, mine)
    assert len(captured) > 0
