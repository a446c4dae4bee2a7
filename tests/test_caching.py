"""The public page cache (jinhai.caching): a visitor's second request makes no query, and a
change made through a service, the admin or an import shows on the very next request."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, resolve, reverse

from communities.models import Community
from communities.resources import PlacesResource
from jinhai.caching import VERSION_KEY, cache_public, data_changed, is_cached
from jinhai.db import bulk_insert
from jinhai.imports.formats import SheetFormat
from jinhai.views import healthz
from self_governance.campaign import services
from self_governance.campaign.models import Rectification

from . import public_pages
from .factories import StreetZoneFactory
from .sheets import csv_bytes


def queries(client, url, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    return response, len(captured)


def test_every_public_page_is_cached(world):
    for name in public_pages.PAGES:
        view = resolve(public_pages.address(name, world)).func
        assert is_cached(view), f"{name}: put @cache_public (jinhai.caching) on its view"
    assert not is_cached(resolve(reverse("healthz")).func)


@pytest.mark.parametrize("name", sorted(public_pages.PAGES))
def test_second_anonymous_request_makes_no_query(world, client, name, django_assert_num_queries):
    url = public_pages.request_path(name, world)
    first, n = queries(client, url)
    assert first.status_code == 200 and n > 0
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200 and second.content == first.content
    # The middleware adds its headers to a cached page as to a fresh one.
    assert dict(second.headers) == dict(first.headers)
    assert "script-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]


def test_head_and_get_share_an_entry(world, client, django_assert_num_queries):
    url = reverse("communities:list")
    assert client.head(url).status_code == 200
    with django_assert_num_queries(0):
        response = client.get(url)
    assert "正学社区" in response.content.decode()


def test_query_strings_are_separate_entries(world, client, django_assert_num_queries):
    url = reverse("orgs:list")
    service, group = world.orgs.service.name, world.orgs.group.name
    pages = {
        kind: client.get(url, {"type": kind}).content.decode() for kind in ("service", "group")
    }
    assert service in pages["service"] and group not in pages["service"]
    assert group in pages["group"] and service not in pages["group"]
    for kind, body in pages.items():
        with django_assert_num_queries(0):
            assert client.get(url, {"type": kind}).content.decode() == body


def test_a_model_save_shows_on_the_next_request(world, client):
    url = reverse("communities:detail", args=[world.a.community.pk])
    assert "正学新街沿街商铺" not in client.get(url).content.decode()
    StreetZoneFactory(community=world.a.community, name="正学新街沿街商铺")
    assert "正学新街沿街商铺" in client.get(url).content.decode()


def test_a_service_that_updates_in_bulk_shows_on_the_next_request(world, client):
    f = world.fund
    url = reverse("campaign:contest", args=[f.contest.pk])
    assert "甄选出 0 个节目" in client.get(url).content.decode()
    # The shortlist is written with QuerySet.update() and bulk_update(): no post_save at all.
    services.contest_shortlist(contest=f.contest, contest_round=f.round, count=1)
    assert "甄选出 1 个节目" in client.get(url).content.decode()


def test_a_change_through_the_admin_shows_on_the_next_request(world, users, login):
    visitor = Client()
    campaign = reverse("campaign:detail", args=[world.fund.campaign.pk])
    fund = reverse("fund:community", args=[world.a.community.pk])
    assert "未完成 1" in visitor.get(campaign).content.decode()
    assert "验收 1" not in visitor.get(fund).content.decode()
    staff = login(users.street)
    # An admin action that marks rectifications done with QuerySet.update().
    response = staff.post(
        reverse("admin:self_governance_rectification_changelist"),
        {"action": "mark_done_today", "_selected_action": [world.fund.rectification.pk]},
    )
    assert response.status_code == 302
    assert Rectification.objects.get(pk=world.fund.rectification.pk).status == "done"
    assert "已完成 1" in visitor.get(campaign).content.decode()
    # The project's 办理 page.
    move = reverse("admin:self_governance_fundproject_move", args=[world.fund.project.pk])
    assert staff.post(move, {"to": "accepted", "note": "验收"}).status_code == 302
    assert "验收 1" in visitor.get(fund).content.decode()


def test_an_import_shows_on_the_next_request(world, users, client):
    url = reverse("communities:detail", args=[world.a.community.pk])
    assert "正学东苑" not in client.get(url).content.decode()
    rows = [["社区", "小区", "楼组"], ["正学社区", "正学东苑", "1号楼"]]
    dataset = SheetFormat.for_resource(PlacesResource)().create_dataset(csv_bytes(rows))
    result = PlacesResource(user=users.staff_a).import_data(
        dataset, dry_run=False, rollback_on_validation_errors=True, user=users.staff_a
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert "正学东苑" in client.get(url).content.decode()


def test_bulk_insert_empties_the_cache(world, client):
    from communities.models import StreetZone

    url = reverse("communities:detail", args=[world.a.community.pk])
    client.get(url)
    bulk_insert(StreetZone, [StreetZone(community=world.a.community, name="批量沿街商铺")])
    assert "批量沿街商铺" in client.get(url).content.decode()


def test_logged_in_users_get_fresh_pages(world, users, login):
    visitor = Client()
    url = reverse("communities:detail", args=[world.a.community.pk])
    visitor.get(url)
    # A change behind Django's back: no signal, nobody calls data_changed().
    Community.objects.filter(pk=world.a.community.pk).update(name="正学社区(更名)")
    assert "正学社区(更名)" not in visitor.get(url).content.decode()
    staff, n = queries(login(users.staff_a), url)
    assert "正学社区(更名)" in staff.content.decode() and n > 0
    # What the safety net of the timeout is for; data_changed() shows it at once.
    data_changed()
    assert "正学社区(更名)" in visitor.get(url).content.decode()


def test_not_found_is_not_cached(world, client):
    url = reverse("communities:detail", args=[world.a.community.pk + 1000])
    first, n = queries(client, url)
    second, m = queries(client, url)
    assert first.status_code == second.status_code == 404 and n == m > 0


def test_the_timeout_setting_turns_the_cache_off(world, client, settings):
    settings.PUBLIC_CACHE_TIMEOUT = 0
    url = reverse("communities:list")
    _, n = queries(client, url)
    _, m = queries(client, url)
    assert n == m > 0


def test_the_version_is_renewed_when_the_transaction_commits(
    db, client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from .factories import CommunityFactory

    url = reverse("communities:list")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        community = CommunityFactory()
        StreetZoneFactory(community=community)
        renewed = cache.get(VERSION_KEY)
        # A visitor's request while the transaction is still open caches under the renewed
        # version (on PostgreSQL it would also read the rows as they were before).
        client.get(url)
        with django_assert_num_queries(0):
            client.get(url)
    # One renewal at commit, however many rows were written.
    assert len(callbacks) == 1
    assert cache.get(VERSION_KEY) != renewed
    _, n = queries(client, url)
    assert n > 0


@pytest.mark.django_db(transaction=True)
def test_the_version_is_renewed_on_a_real_commit():
    from .factories import CommunityFactory

    with transaction.atomic():
        community = CommunityFactory()
        during = cache.get(VERSION_KEY)
        assert during is not None
    assert cache.get(VERSION_KEY) != during
    before = cache.get(VERSION_KEY)
    community.delete()  # autocommit: the delete's own signal renews it
    assert cache.get(VERSION_KEY) != before


def test_a_broken_cache_never_breaks_a_page_or_a_write(world, client, settings, tmp_path):
    # A cache directory that cannot exist: every read and write of the cache fails.
    blocker = tmp_path / "file"
    blocker.write_text("")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocker / "cache"),
        }
    }
    url = reverse("communities:detail", args=[world.a.community.pk])
    assert client.get(url).status_code == 200
    StreetZoneFactory(community=world.a.community, name="缓存坏了也能保存")
    assert "缓存坏了也能保存" in client.get(url).content.decode()


# Responses that must never be stored, on views of this module only.

calls = []


@cache_public
def answer(request, status):
    calls.append(status)
    return HttpResponse(f"call {len(calls)}", status=status)


@cache_public
def with_cookie(request):
    calls.append("cookie")
    response = HttpResponse("cookie")
    response.set_cookie("seen", "1")
    return response


@cache_public
def varying(request):
    calls.append("vary")
    response = HttpResponse("vary")
    response["Vary"] = "Accept-Encoding"
    return response


@cache_public
def streaming(request):
    calls.append("stream")
    return StreamingHttpResponse(iter([b"a", b"b"]))


@cache_public
def failing(request):
    calls.append("error")
    raise RuntimeError("boom")


urlpatterns = [
    path("answer/<int:status>/", answer),
    path("cookie/", with_cookie),
    path("vary/", varying),
    path("stream/", streaming),
    path("fail/", failing),
]


@pytest.mark.urls("tests.test_caching")
@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("/answer/200/", True),
        ("/answer/404/", False),
        ("/answer/302/", False),
        ("/answer/500/", False),
        ("/cookie/", False),
        ("/vary/", False),
        ("/stream/", False),
        ("/fail/", False),
    ],
)
def test_only_plain_successful_responses_are_stored(db, url, stored):
    calls.clear()
    client = Client(raise_request_exception=False)
    first = client.get(url)
    second = client.get(url)
    assert len(calls) == (1 if stored else 2)
    if stored:
        assert second.content == first.content == b"call 1"


@pytest.mark.urls("tests.test_caching")
def test_posts_are_never_served_from_the_cache(db):
    calls.clear()
    client = Client()
    client.get("/answer/200/")
    client.post("/answer/200/")
    assert len(calls) == 2


def test_healthz_answers_without_the_database(client):
    # No database for this test: a query would fail it.
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert resolve("/healthz/").func is healthz
