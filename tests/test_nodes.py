"""Two web nodes behind one balancer, sharing one Redis for the cache and the sessions: a login
on one node holds on the other, and an edit on one shows at once on the other's public pages,
cached ones included."""

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


def test_two_nodes_share_sessions_and_the_page_cache(site, shared_redis):
    client, prefix = shared_redis
    env = {
        "CACHE_URL": f"{REDIS}?key_prefix={prefix}",
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        "PUBLIC_CACHE_TIMEOUT": "300",
    }
    one, two = Gunicorn(site, name="node1", env=env), Gunicorn(site, name="node2", env=env)
    try:
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
    finally:
        one.stop()
        two.stop()
        # Leave the served database as the other tests expect it.
        site.manage(
            "shell", "-c",
            f"from communities.models import Community; "
            f"Community.objects.filter(pk={site.ids['a']}).update(name='正学社区')",
        )  # fmt: skip
