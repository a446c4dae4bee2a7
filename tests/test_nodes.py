"""Two web nodes behind one balancer, sharing one Redis for the cache and the sessions: a login
on one node holds on the other, and an edit on one shows at once on the other's public pages,
cached ones included."""

import contextlib
import secrets

import pytest
import redis

from .served import Browser, Gunicorn

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS} ({exc}): `apt-get install redis-server`, as .ci/run does")
    prefix = f"jinhai-test-{secrets.token_hex(4)}"
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@contextlib.contextmanager
def two_nodes(site, prefix, **env):
    """Two gunicorn nodes of the site whose cache is the one Redis (keys under `prefix`)."""
    env = {"CACHE_URL": f"{REDIS}?key_prefix={prefix}", **env}
    one, two = Gunicorn(site, name="node1", env=env), Gunicorn(site, name="node2", env=env)
    try:
        yield one, two
    finally:
        one.stop()
        two.stop()


def test_two_nodes_share_sessions_and_the_page_cache(site, shared_redis):
    client, prefix = shared_redis
    env = {
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        "PUBLIC_CACHE_TIMEOUT": "300",
    }
    try:
        with two_nodes(site, prefix, **env) as (one, two):
            _edit_on_one_shows_on_the_other(site, client, prefix, one, two)
    finally:
        # Leave the served database as the other tests expect it.
        site.manage(
            "shell", "-c",
            f"from communities.models import Community; "
            f"Community.objects.filter(pk={site.ids['a']}).update(name='正学社区')",
        )  # fmt: skip


def _edit_on_one_shows_on_the_other(site, client, prefix, one, two):
    """A public page cached in Redis, a staff login on node one that holds on node two, an edit
    there, and node one's visitors see it at once."""
    page = f"/communities/{site.ids['a']}/"
    visitor = Browser(one.url)
    for node in (one, two):
        assert "正学社区" in visitor.text(page, base=node.url)
    pages = [k for k in client.scan_iter(f"{prefix}:*") if b"public:page" in k]
    assert pages, "the public page was not cached in Redis"

    staff = Browser(one.url)
    staff.log_in("street")
    sessions = [k for k in client.scan_iter(f"{prefix}:*") if b"session" in k]
    assert sessions, "the session is not in Redis"
    # The session made on node one is valid on node two: edit there.
    assert "street" in staff.text("/admin/", base=two.url)
    status, headers = staff.submit(
        f"/admin/communities/community/{site.ids['a']}/change/",
        {"name": "正学新村社区"},
        base=two.url,
    )
    assert status == 302, (status, headers)

    # Node one's cached page is gone at once: anonymous visitors see the new name there.
    html = visitor.text(page, base=one.url)
    assert "正学新村社区" in html
    assert "正学新村社区" in visitor.text(page, base=two.url)


# A household in community A with a fresh code, printed as the card would show it.
HOUSEHOLD = """
from communities.codes import codes_issue
from communities.models import Compound
from tests.factories import BuildingGroupFactory, HouseholdFactory
compound = Compound.objects.filter(community_id={a}).first()
group = BuildingGroupFactory(compound=compound, name="7号楼")
household = HouseholdFactory(building_group=group, room="707")
print(codes_issue(households=[household])[0][1])
"""


def test_a_household_logout_on_one_node_ends_a_copied_cookie_on_the_other(site, shared_redis):
    client, prefix = shared_redis
    env = {"HOUSEHOLD_CACHE_TIMEOUT": "300", "HOUSEHOLD_SESSION_CACHE_SECONDS": "60"}
    code = site.manage("shell", "-c", HOUSEHOLD.format(a=site.ids["a"])).strip().splitlines()[-1]
    with two_nodes(site, prefix, **env) as (one, two):
        phone = Browser(one.url)
        status, headers = phone.submit("/my/", {"code": code}, action="/my/claim/")
        assert status == 302, (status, headers)
        copy = Browser(two.url)
        for cookie in phone.cookies:
            copy.cookies.set_cookie(cookie)
        assert "707" in phone.text("/my/")
        assert "707" in copy.text("/my/")  # node two, the session remembered in Redis now
        assert any(b"household:session" in k for k in client.scan_iter(f"{prefix}:*"))

        status, _ = phone.submit("/my/", action="/my/logout/")
        assert status == 302
        # Node two forgets it at once: the copied cookie gets the code form, not the household.
        html = copy.text("/my/")
        assert "707" not in html and "户码" in html
