"""The public pages' cache: a page rendered for one anonymous visitor is served to the next ones
until the portal's data changes.

    from jinhai.caching import cache_public

    @cache_public
    class CommunityListView(ListView): ...

Put `@cache_public` above any public view (a class or a function) and nothing else is needed.

How it stays right:

- Entries are keyed by a *data version* and the full path with its query string. The version is a
  random token kept in the cache itself, not in the database, so that a cache hit makes no query
  at all; a miss runs the view exactly as without the cache.
- `data_changed()` replaces the token, which orphans every cached page at once (they expire by
  themselves). It runs on every `post_save`, `post_delete` and `m2m_changed` of a model of the
  portal apps (connected in `JinhaiConfig.ready`), and is called explicitly where a write does not
  send those signals: bulk inserts, `QuerySet.update()`, `bulk_update`, the import base, the demo
  loader and the retention command.
- It runs at once *and* again when the transaction commits: a visitor whose request read the old
  rows while the writing transaction was still open may have cached them under the new token;
  the second token orphans that page too.
- Only anonymous GET and HEAD requests answered with a plain 200 are cached: a logged-in user
  (staff checking their change) always gets a fresh page, and 404s, redirects and errors are never
  stored. The view's response is stored before the middleware runs, so every response, cached or
  not, gets its Content-Security-Policy, Vary and other headers from the middleware afresh.
- `PUBLIC_CACHE_TIMEOUT` (seconds, 300 in production, 0 = off, the default with DEBUG) bounds an
  entry's life, a safety net for a change made behind Django's back (SQL in psql, a restored
  backup): such a change shows within that time, or at once after `data_changed()`.

The cache (`CACHES`, from `CACHE_URL`) must be shared by every process that serves or writes:
gunicorn's workers and `manage.py` commands. The production default is a directory
(FileBasedCache); Redis or memcached through `CACHE_URL` work the same way. A per-process cache
(locmem) would let one worker's change leave the others' pages stale until the timeout.
"""

import hashlib
import logging
import secrets
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.decorators import method_decorator

logger = logging.getLogger("jinhai.caching")

# The apps whose rows the public pages show. Writes to any of their models empty the page cache.
PORTAL_APPS = ("jinhai", "communities", "volunteers", "self_governance", "orgs")

VERSION_KEY = "jinhai:public:version"
PAGE_KEY = "jinhai:public:page:{version}:{path}"


def data_changed(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Say that the portal's data changed: cached public pages are not served again.

    Call it after a write that sends no model signals (QuerySet.update(), bulk_create,
    bulk_update, raw SQL, COPY); saves, deletes and many-to-many changes call it themselves.
    """
    _new_version()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and not _will_run_on_commit(connection):
        transaction.on_commit(_new_version, using=using)


def _will_run_on_commit(connection) -> bool:
    # One renewal at commit is enough however many rows the transaction writes (the demo writes
    # thousands); Django keeps the pending callbacks as (savepoint ids, callback, robust), and
    # drops those of a savepoint that is rolled back, so this never skips a needed one.
    return any(callback is _new_version for _, callback, _ in connection.run_on_commit)


def _new_version() -> None:
    try:
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        # A write must not fail because the cache is down; its pages expire by the timeout.
        logger.exception("could not renew the public page cache's data version")


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # First request after the cache was emptied: concurrent workers agree on one token.
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _page_key(request) -> str:
    # Hashed: a query string can be long, and memcached refuses keys over 250 characters.
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return PAGE_KEY.format(version=_version(), path=path)


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Vary")
        and not any(word in response.get("Cache-Control", "") for word in ("private", "no-store"))
    )


def _store(key, response, timeout) -> None:
    try:
        cache.set(key, response, timeout)
    except Exception:
        logger.exception("could not store a page in the public page cache")


def _cached_view(view):
    @wraps(view)
    def cached(request, *args, **kwargs):
        timeout = settings.PUBLIC_CACHE_TIMEOUT
        user = getattr(request, "user", None)
        if (
            not timeout
            or request.method not in ("GET", "HEAD")
            or (user is not None and user.is_authenticated)
        ):
            return view(request, *args, **kwargs)
        try:
            key = _page_key(request)
            response = cache.get(key)
        except Exception:
            logger.exception("public page cache unavailable; serving %s uncached", request.path)
            return view(request, *args, **kwargs)
        if response is not None:
            return response
        response = view(request, *args, **kwargs)
        if _storable(response):
            if getattr(response, "is_rendered", True):
                _store(key, response, timeout)
            else:
                # A TemplateResponse is rendered after the view returns; store what it renders.
                response.add_post_render_callback(lambda rendered: _store(key, rendered, timeout))
        return response

    cached.public_cache = True
    return cached


def cache_public(view):
    """Cache a public view's pages for anonymous visitors (see the module's docstring).

    Takes a view function or a class-based view; `view.public_cache` tells tests it is cached.
    """
    if isinstance(view, type):
        view = method_decorator(_cached_view, name="dispatch")(view)
    else:
        view = _cached_view(view)
    view.public_cache = True
    return view


def is_cached(callback) -> bool:
    """Whether a URL pattern's callback (a function, or `as_view()` of a class) is cached."""
    return getattr(getattr(callback, "view_class", callback), "public_cache", False)


def _on_write(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    if kwargs.get("action", "post_").startswith("post_"):
        data_changed(using=using)


def _on_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # Data migrations write through historical models, which send no signals to ours.
    data_changed(using=using)


def connect_signals() -> None:
    """Called once from JinhaiConfig.ready(): every model of the portal apps renews the version.

    Receivers are connected per model, never for every sender: a delete receiver costs the model
    Django's fast delete, and the sessions, audit log and login records should keep theirs.
    """
    for label in PORTAL_APPS:
        for model in apps.get_app_config(label).get_models():
            if not getattr(model, "shown_on_public_pages", True):
                continue
            uid = f"jinhai.caching.{model._meta.label}"
            post_save.connect(_on_write, sender=model, dispatch_uid=uid)
            post_delete.connect(_on_write, sender=model, dispatch_uid=uid)
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                m2m_changed.connect(
                    _on_write, sender=through, dispatch_uid=f"jinhai.caching.{through._meta.label}"
                )
    post_migrate.connect(_on_migrate, dispatch_uid="jinhai.caching.migrate")
