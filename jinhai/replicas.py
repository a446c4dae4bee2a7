"""Public reads from a streaming replica, without ever caching or showing a page older than a write.

With `DATABASE_REPLICA_URL` set, the router sends the reads of a *public* request (a GET or HEAD
outside the admin) for the portal apps' models to the replica; everything else uses the primary:
every write, every read of a POST, the admin, the workers and `manage.py` commands, and the
sessions, users and logins of any request (a session just saved must be found again).

A replica replays the primary's changes a little later. A page read from it right after a staff
save would show the old rows, and the page cache (jinhai.caching) would then keep that old page
under the *new* data version until it expires. So a request reads the replica only when the
replica has replayed everything that its data version stands for: the first request that sees a
new version asks the primary for its WAL position (`pg_current_wal_lsn()`, after the write that
made the version had committed) and records it beside the version in the cache; each public
request that reads the database asks the replica whether it has replayed that far
(`pg_last_wal_replay_lsn()`), one cheap query, and reads the primary for the whole request if not.
That gives read-your-writes to the person who just saved (their next page is read at or after
their commit) and to everyone else, and it needs no cookie. A replica that is down or lagging is
logged and costs only the fallback to the primary; a cache hit asks nothing at all.

Writes made behind Django's back (psql, pg_restore) do not renew the data version; like the page
cache, they show within PUBLIC_CACHE_TIMEOUT.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.urls import reverse

from .caching import PORTAL_APPS, VERSION_KEY

logger = logging.getLogger("jinhai.replicas")

REPLICA = "replica"
GATE_KEY = "jinhai:replica:gate"

# Per request (and per thread of a gthread worker): None outside public requests; otherwise the
# alias its portal reads go to, decided at its first read.
_public_read: ContextVar[list | None] = ContextVar("jinhai_public_read", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class PublicReadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = replica_configured()
        self.admin_prefix = reverse("admin:index") if self.enabled else ""

    def __call__(self, request):
        if (
            not self.enabled
            or request.method not in ("GET", "HEAD")
            or request.path.startswith(self.admin_prefix)
        ):
            return self.get_response(request)
        token = _public_read.set([None])
        try:
            return self.get_response(request)
        finally:
            _public_read.reset(token)


def _alias_for_this_request() -> str | None:
    state = _public_read.get()
    if state is None:
        return None
    if state[0] is None:
        state[0] = REPLICA if replica_is_current() else DEFAULT_DB_ALIAS
    return state[0]


def replica_is_current() -> bool:
    """Whether the replica has replayed every write the current data version stands for."""
    try:
        version = cache.get(VERSION_KEY)
        gate = cache.get(GATE_KEY)
        if version is None or gate is None or gate[0] != version:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                lsn = cursor.fetchone()[0]
            if version is not None:
                cache.set(GATE_KEY, (version, lsn), timeout=None)
        else:
            lsn = gate[1]
        with connections[REPLICA].cursor() as cursor:
            # NULL on a server that is not in recovery: a "replica" that is the primary itself.
            cursor.execute("SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, TRUE)", [lsn])
            current = cursor.fetchone()[0]
    except Exception:
        logger.exception("could not compare the replica with the primary; reading the primary")
        _close_quietly(REPLICA)
        return False
    if not current:
        logger.info("the replica has not replayed %s yet; this request reads the primary", lsn)
    return current


def _close_quietly(alias):
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


class ReplicaRouter:
    """Public reads of the portal apps' models to the replica (see the module's docstring)."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label not in PORTAL_APPS:
            return None
        return _alias_for_this_request()

    def db_for_write(self, model, **hints):
        state = _public_read.get()
        if state is not None:
            # A public request that writes reads its own write back from the primary.
            state[0] = DEFAULT_DB_ALIAS
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both hold the same rows: an object read from the replica may point to one from the
        # primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's WAL; it is never migrated itself.
        return False if db == REPLICA else None
