"""The public pages' cache: a page rendered for one anonymous visitor is served to the next ones
until the data it shows changes.

    from jinhai.caching import cache_public, community_shown

    @cache_public(params=("year",), shows=community_shown("pk"))
    class FundCommunityView(DetailView): ...

Put `@cache_public` above any public view (a class or a function). It says which query
parameters the page reads (`params`: the view sees no other, and the key holds no other, so
`?r=1` neither bypasses the cache nor makes a new entry) and what the page shows (`shows`: one
community, one subdistrict, or by default the whole site).

How it stays right:

- Entries are keyed by the path, the parameters the page reads and the *data versions* of what
  it shows. A version is a random token kept in the cache itself, not in the database, so that
  a hit makes no query at all; a miss runs the view exactly as without the cache.
- Versions are kept per scope. A write in community A renews A's version, A's subdistrict's and
  the site's: A's pages, the subdistrict's pages and the site-wide pages are rendered afresh,
  community B's pages are still served. A row of a whole subdistrict (an organization, a
  street-wide training) renews the subdistrict's and a "street rows" version that every
  community page of that subdistrict is keyed by too. A write placed nowhere (a bulk write, a
  migration, a subdistrict renamed) renews a root version that every page is keyed by.
- Saves, deletes and many-to-many changes of the portal apps' models renew the versions of the
  row's place (connected in `JinhaiConfig.ready`); `data_changed()` is called explicitly where a
  write sends no signals: bulk inserts, `QuerySet.update()`, `bulk_update`, the import base, the
  demo loader and the retention command.
- It renews at once *and* again when the transaction commits: a visitor whose request read the
  old rows while the writing transaction was still open may have cached them under the new
  token; the second token orphans that page too.
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
bench/cache_day.py replays a working day against the old one-version scheme and this one.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.decorators import method_decorator

from .scoping import community_id_of, is_scoped_model, subdistrict_id_of

logger = logging.getLogger("jinhai.caching")

# The apps whose rows the public pages show. Writes to any of their models renew versions.
PORTAL_APPS = ("jinhai", "communities", "volunteers", "self_governance", "orgs")

# Renewed by every write anywhere: the version of the pages that show the whole site.
VERSION_KEY = "jinhai:public:version"
# Renewed by writes that belong to no one place (a bulk write, a subdistrict renamed, a
# migration): every page depends on it.
ROOT_KEY = "jinhai:public:version:root"
PAGE_KEY = "jinhai:public:page:{versions}:{path}"


@dataclass(frozen=True)
class Place:
    """What a page shows, or where a write happened: a community, a subdistrict, or (both None)
    the whole site."""

    subdistrict_id: int | None = None
    community_id: int | None = None

    @property
    def is_site(self) -> bool:
        return self.subdistrict_id is None and self.community_id is None


SITE = Place()


def _community_key(pk) -> str:
    return f"jinhai:public:version:c:{pk}"


def _subdistrict_key(pk) -> str:
    # Renewed by every write in the subdistrict: its own pages show all its communities.
    return f"jinhai:public:version:sd:{pk}"


def _street_rows_key(pk) -> str:
    # Renewed by writes of rows that belong to the subdistrict as a whole (its organizations, a
    # street-wide training or campaign): a community's pages show those too.
    return f"jinhai:public:version:street:{pk}"


# Community -> subdistrict, for the keys of a community's page without a query on a hit. A
# community that moves to another subdistrict is saved, which forgets it here.
_subdistrict_of_community: dict[int, int] = {}


def _subdistrict_of(community_id) -> int | None:
    if community_id not in _subdistrict_of_community:
        found = (
            apps.get_model("communities", "Community")
            .objects.filter(pk=community_id)
            .values_list("subdistrict_id", flat=True)
            .first()
        )
        if found is None:
            return None
        _subdistrict_of_community[community_id] = found
    return _subdistrict_of_community[community_id]


def versions_shown(place: Place) -> list[str]:
    """The version keys a page showing `place` is keyed by."""
    keys = [ROOT_KEY]
    if place.community_id is not None:
        keys.append(_community_key(place.community_id))
        subdistrict = place.subdistrict_id
        if subdistrict is None:
            subdistrict = _subdistrict_of(place.community_id)
        if subdistrict is not None:
            keys.append(_street_rows_key(subdistrict))
    elif place.subdistrict_id is not None:
        keys.append(_subdistrict_key(place.subdistrict_id))
    else:
        keys.append(VERSION_KEY)
    return keys


def versions_written(place: Place | None) -> list[str]:
    """The version keys a write at `place` renews (None: a write nobody placed)."""
    if place is None:
        return [ROOT_KEY, VERSION_KEY]
    keys = [VERSION_KEY]
    subdistrict = place.subdistrict_id
    if place.community_id is not None:
        keys.append(_community_key(place.community_id))
        if subdistrict is None:
            subdistrict = _subdistrict_of(place.community_id)
        if subdistrict is None:
            return [ROOT_KEY, VERSION_KEY]
    elif subdistrict is not None:
        keys.append(_street_rows_key(subdistrict))
    if subdistrict is not None:
        keys.append(_subdistrict_key(subdistrict))
    return keys


def data_changed(*, using: str = DEFAULT_DB_ALIAS, community_id=None, subdistrict_id=None) -> None:
    """Say that the portal's data changed: cached public pages that show it are not served again.

    Call it after a write that sends no model signals (QuerySet.update(), bulk_create,
    bulk_update, raw SQL, COPY), with the community or subdistrict it wrote in if it wrote in
    only one; without either, every page is renewed. Saves, deletes and many-to-many changes
    call it themselves.
    """
    if community_id is None and subdistrict_id is None:
        _subdistrict_of_community.clear()
        place = None
    else:
        place = Place(subdistrict_id=subdistrict_id, community_id=community_id)
    _renew(versions_written(place), using=using)


def _renew(keys, *, using) -> None:
    _new_versions(keys)
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        pending = _pending(connection)
        if pending is None:
            pending = set()
            connection._jinhai_pending_versions = pending
            transaction.on_commit(_flusher(pending), using=using)
        pending.update(keys)


def _pending(connection):
    # One renewal at commit is enough however many rows the transaction writes (the demo writes
    # thousands). Django keeps the pending callbacks as (savepoint ids, callback, robust) and
    # drops those of a savepoint that is rolled back: then the set is started afresh.
    pending = getattr(connection, "_jinhai_pending_versions", None)
    if pending is None:
        return None
    for _, callback, _ in connection.run_on_commit:
        if getattr(callback, "_jinhai_pending", None) is pending:
            return pending
    return None


def _flusher(pending):
    def flush():
        _new_versions(pending)

    flush._jinhai_pending = pending
    return flush


def _new_versions(keys) -> None:
    try:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=None)
    except Exception:
        # A write must not fail because the cache is down; its pages expire by the timeout.
        logger.exception("could not renew the public page cache's data versions")


def _versions(keys) -> list[str]:
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        # First request after the cache was emptied: concurrent workers agree on one token.
        for key in missing:
            cache.add(key, secrets.token_hex(8), timeout=None)
        found.update(cache.get_many(missing))
    return [found.get(key, "") for key in keys]


def subdistrict_versions(subdistrict_ids) -> dict[int, str]:
    """Each subdistrict's current data version, as one string: it changes with every write in the
    subdistrict (and with a write placed nowhere). One cache round trip for all of them."""
    keyed = {pk: versions_shown(Place(subdistrict_id=pk)) for pk in subdistrict_ids}
    unique = sorted({key for keys in keyed.values() for key in keys})
    found = dict(zip(unique, _versions(unique), strict=True))
    return {pk: ":".join(found[key] for key in keys) for pk, keys in keyed.items()}


def page_key(path: str, query: str, place: Place) -> str:
    """The cache key of a page: its path, the query parameters it reads, and the versions of
    what it shows."""
    # Hashed: a query string can be long, and memcached refuses keys over 250 characters.
    digest = hashlib.sha256(f"{path}?{query}".encode()).hexdigest()
    versions = hashlib.sha256(".".join(_versions(versions_shown(place))).encode()).hexdigest()
    return PAGE_KEY.format(versions=versions[:16], path=digest)


def _read_params(request, params) -> QueryDict:
    """The request's query parameters that the page reads, and no other."""
    kept = QueryDict(mutable=True)
    for name in sorted(params):
        values = request.GET.getlist(name)
        if values:
            kept.setlist(name, values)
    kept._mutable = False
    return kept


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


def _may_use_cache(request) -> bool:
    """A read, by someone who is not logged in as staff: a staff user checking their change
    always gets a fresh page."""
    user = getattr(request, "user", None)
    return request.method in ("GET", "HEAD") and not (user is not None and user.is_authenticated)


def _cached_view(view, params, shows):
    @wraps(view)
    def cached(request, *args, **kwargs):
        # The view sees only the parameters it declared, cached or not: `?r=1` is the same page
        # as without it, so a made-up parameter neither bypasses the cache nor changes the page.
        request.GET = _read_params(request, params)
        timeout = settings.PUBLIC_CACHE_TIMEOUT
        if not timeout or not _may_use_cache(request):
            return view(request, *args, **kwargs)
        try:
            place = shows(request, kwargs) if shows else SITE
            key = page_key(request.path, request.GET.urlencode(), place) if place else None
            response = cache.get(key) if key else None
        except Exception:
            logger.exception("public page cache unavailable; serving %s uncached", request.path)
            return view(request, *args, **kwargs)
        if response is not None:
            return response
        response = view(request, *args, **kwargs)
        if _storable(response):
            if key is None:
                # A row's page seen for the first time: where the row belongs is known now.
                try:
                    place = shows.learn(response)
                    key = page_key(request.path, request.GET.urlencode(), place) if place else None
                except Exception:
                    logger.exception("public page cache unavailable for %s", request.path)
                if key is None:
                    return response
            if getattr(response, "is_rendered", True):
                _store(key, response, timeout)
            else:
                # A TemplateResponse is rendered after the view returns; store what it renders.
                response.add_post_render_callback(lambda rendered: _store(key, rendered, timeout))
        return response

    cached.public_cache = True
    return cached


def cache_public(view=None, *, params=(), shows=None):
    """Cache a public view's pages for anonymous visitors (see the module's docstring).

    `params`: the query parameters the page reads (the view sees no other). `shows`: what the
    page shows, `(request, url kwargs) -> Place`, e.g. `community_shown("pk")` or
    `row_shown(FundProject)`; without it the page shows the whole site. Takes a view function
    or a class-based view; `view.public_cache` tells tests it is cached.
    """
    if view is None:
        return lambda view: cache_public(view, params=params, shows=shows)
    if isinstance(view, type):
        view = method_decorator(lambda inner: _cached_view(inner, params, shows), name="dispatch")(
            view
        )
    else:
        view = _cached_view(view, params, shows)
    view.public_cache = True
    view.public_params = frozenset(params)
    return view


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def community_shown(kwarg="pk"):
    """`shows=` of a page about the community whose id is in the URL."""

    def shows(request, kwargs):
        pk = _int(kwargs.get(kwarg))
        return Place(community_id=pk) if pk is not None else SITE

    return shows


def subdistrict_shown(kwarg="pk"):
    """`shows=` of a page about the subdistrict whose id is in the URL."""

    def shows(request, kwargs):
        pk = _int(kwargs.get(kwarg))
        return Place(subdistrict_id=pk) if pk is not None else SITE

    return shows


# (model label, pk) -> Place of the rows whose pages are cached: a hit makes no query.
_row_places: dict[tuple[str, int], Place] = {}


def row_shown(model, kwarg="pk"):
    """`shows=` of a page about one row whose id is in the URL: the row's community, or its
    subdistrict for a row of a whole subdistrict (see jinhai.scoping). Where the row belongs is
    learnt from the view's `object` the first time the page is rendered, so that neither a hit
    nor a miss makes a query of its own."""

    def shows(request, kwargs):
        pk = _int(kwargs.get(kwarg))
        if pk is None:
            return SITE
        return _row_places.get((model._meta.label, pk))

    def learn(response):
        row = (getattr(response, "context_data", None) or {}).get("object")
        if not isinstance(row, model):
            return None
        place = _place_of(row) or SITE
        _row_places[(model._meta.label, row.pk)] = place
        return place

    shows.learn = learn
    return shows


def _place_of(instance) -> Place | None:
    """Where a row belongs, or None for a row of no one place."""
    model = type(instance)
    if getattr(model, "is_subdistrict_model", False):
        return None  # a subdistrict's name and address show on every page of it
    if not is_scoped_model(model):
        return None
    if model.community_path == "":  # a community itself
        return Place(subdistrict_id=instance.subdistrict_id, community_id=instance.pk)
    community = community_id_of(instance)
    if community is not None:
        return Place(community_id=community)
    if getattr(model, "subdistrict_path", None):
        subdistrict = subdistrict_id_of(instance)
        if subdistrict is not None:
            return Place(subdistrict_id=subdistrict)
    return None


# A page of one household (我的) is cached for that household alone, under the same data versions
# as its community's public pages: a write in the community (a point entry, a pet confirmed, a
# proposal accepted, the household's own sign-up) renews the version, so the next visit renders
# afresh. The HTML holds the household's room and ledger, so the key holds the household, and
# the page is served only after the request's own session check names that household.
HOUSEHOLD_PAGE_KEY = "jinhai:household:page:{versions}:{household}:{path}"
# Stands in for the CSRF token in a stored page; each response gets its own request's token.
CSRF_MARK = "jinhai-csrf-mark-0c5d3e9a7b1f4e2a"


def household_page(request, *, household_id, community_id, render):
    """The household's page from the cache, or `render(csrf_token)` stored there.

    `render` makes the page with the given value as the template's `csrf_token` (None: the
    request's own). A page is cached per household, path and day (what is open for sign-ups or
    comments depends on the date) and under the versions of its community, for
    `HOUSEHOLD_CACHE_TIMEOUT` seconds at most; only a plain GET with nothing else to say (no
    flash message waiting, no staff user, who may see more) is served from it or stored.
    """
    timeout = settings.HOUSEHOLD_CACHE_TIMEOUT
    if not timeout or not _may_use_cache(request) or len(messages.get_messages(request)):
        return render(None)
    try:
        versions = _versions(versions_shown(Place(community_id=community_id)))
        digest = hashlib.sha256(
            f"{request.path}:{timezone.localdate().isoformat()}".encode()
        ).hexdigest()
        key = HOUSEHOLD_PAGE_KEY.format(
            versions=hashlib.sha256(".".join(versions).encode()).hexdigest()[:16],
            household=household_id,
            path=digest[:32],
        )
        content = cache.get(key)
    except Exception:
        logger.exception("household page cache unavailable; serving %s uncached", request.path)
        return render(None)
    if content is None:
        response = render(CSRF_MARK)
        if response.streaming:
            return response
        content = response.content
        if _storable(response):
            _store(key, content, timeout)
    else:
        response = HttpResponse(content)
    response.content = content.replace(CSRF_MARK.encode(), get_token(request).encode())
    return response


def is_cached(callback) -> bool:
    """Whether a URL pattern's callback (a function, or `as_view()` of a class) is cached."""
    return getattr(getattr(callback, "view_class", callback), "public_cache", False)


def _on_write(sender, instance=None, using=DEFAULT_DB_ALIAS, **kwargs):
    if not kwargs.get("action", "post_").startswith("post_"):
        return
    if instance is None or kwargs.get("reverse"):
        # A many-to-many change seen from the other side: placed by neither row alone.
        place = None
    else:
        _row_places.pop((type(instance)._meta.label, instance.pk), None)
        if getattr(type(instance), "community_path", None) == "":
            _subdistrict_of_community.pop(instance.pk, None)
        try:
            place = _place_of(instance)
        except Exception:
            # A row whose relations are gone (a cascade's delete): renew everything.
            place = None
    if place is None:
        data_changed(using=using)
    else:
        data_changed(
            using=using, community_id=place.community_id, subdistrict_id=place.subdistrict_id
        )


def _on_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # Data migrations write through historical models, which send no signals to ours.
    data_changed(using=using)


def connect_signals() -> None:
    """Called once from JinhaiConfig.ready(): every model of the portal apps renews versions.

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
