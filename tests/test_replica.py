"""Public reads from a real PostgreSQL streaming replica (tests/replica.py builds one): anonymous
pages are read from it, the admin never is, and no page is read from it while it lags behind a
write, so that neither the writer nor the page cache ever gets an old page."""

import contextlib
import time

import psycopg
import pytest
from django.db import connection

from .replica import NoReplica, streaming_replica
from .served import Browser, Gunicorn, wait_for


@pytest.fixture(scope="module")
def replica_port(site):
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    settings = connection.settings_dict
    with contextlib.ExitStack() as stack:
        try:
            port = stack.enter_context(
                streaming_replica(
                    settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432),
                    settings["USER"] or "postgres",
                )
            )  # fmt: skip
        except NoReplica as exc:
            pytest.skip(f"no streaming replica here: {exc}")
        yield port


def test_public_reads_go_to_the_replica_but_never_behind_a_write(site, replica_port):
    name = site.env["DATABASE_URL"].rsplit("/", 1)[1]
    replica_url = f"postgres://postgres@127.0.0.1:{replica_port}/{name}"
    replica = psycopg.connect(replica_url, autocommit=True)
    community = site.ids["a"]

    def replica_name():
        # On a connection of its own, which reports its read as it closes: a read that this
        # test's long-lived connection made would only be counted by `scans()` some time later.
        query = "SELECT name FROM communities_community WHERE id = %s"
        with psycopg.connect(replica_url) as own:
            return own.execute(query, [community]).fetchone()[0]

    def scans():
        # Reads of the community table on the replica, counted by the replica itself.
        return replica.execute(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
            "WHERE relname = 'communities_community'"
        ).fetchone()[0]

    def settled():
        # A backend reports its reads in batches (at most once a second, and as it exits).
        last = scans()
        while True:
            time.sleep(1.2)
            now = scans()
            if now == last:
                return now
            last = now

    wait_for(lambda: replica_name() == "正学社区", what="the replica to hold the served database")
    web = Gunicorn(
        site,
        name="replicated",
        env={
            "DATABASE_REPLICA_URL": replica_url,
            "CACHE_URL": f"filecache://{site.folder / 'replica-cache'}",
            "PUBLIC_CACHE_TIMEOUT": "300",
        },
    )
    visitor, staff = Browser(web.url), Browser(web.url)
    try:
        # An anonymous page is read from the replica.
        before = scans()
        assert "正学社区" in visitor.text(f"/communities/{community}/")
        wait_for(lambda: scans() > before, timeout=10, what="the page's reads on the replica")

        # The admin reads the primary.
        staff.log_in("street")
        before = settled()
        assert "正学社区" in staff.text("/admin/communities/community/")
        assert settled() == before

        # The replica falls behind; a staff user saves on the primary.
        replica.execute("SELECT pg_wal_replay_pause()")
        status, _ = staff.submit(
            f"/admin/communities/community/{community}/change/", {"name": "正学新村社区"}
        )
        assert status == 302
        assert replica_name() == "正学社区"  # the replica does not have it yet
        # The writer and everyone else see the change at once, read from the primary; the old
        # page is not cached again.
        before = settled()
        assert "正学新村社区" in staff.text(f"/communities/{community}/")
        assert "正学新村社区" in visitor.text(f"/communities/{community}/")
        assert "正学新村社区" in visitor.text("/communities/")
        assert settled() == before
        assert "has not replayed" in web.output()

        # Caught up again, the replica serves the next pages.
        replica.execute("SELECT pg_wal_replay_resume()")
        wait_for(lambda: replica_name() == "正学新村社区", what="the replica to catch up")
        before = scans()
        # A page not read since the write (an unknown parameter no longer bypasses the cache).
        assert "正学新村社区" in visitor.text(f"/leaders/communities/{community}/")
        wait_for(lambda: scans() > before, timeout=10, what="reads on the replica again")
    finally:
        with contextlib.suppress(psycopg.Error):
            replica.execute("SELECT pg_wal_replay_resume()")
        replica.close()
        web.stop()
        site.manage(
            "shell", "-c",
            f"from communities.models import Community; "
            f"Community.objects.filter(pk={community}).update(name='正学社区')",
        )  # fmt: skip
