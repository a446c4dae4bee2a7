"""Uploaded files, served under MEDIA_URL by one view that asks who may see each file.

A file is found by its stored name in the model fields that hold uploads (every FileField on the
default storage; job files have their own storage and their own download view). Then:

- anyone, a household or an anonymous visitor included, gets it when a public page shows it on
  purpose: the model lists the field in `public_file_fields` and its queryset's
  `shown_publicly()` keeps the row (ticked 公开展示, and on a page that is really public);
- staff get it when they may view the model and their `Scope` reaches the row, as in the admin;
- everyone else gets the 404 of a file that does not exist.

The bytes go out by whichever way the deployment has: a redirect to a signed link with
`MEDIA_STORAGE=s3`, an `X-Accel-Redirect` to nginx's internal location when
`MEDIA_ACCEL_REDIRECT` is set, or Django itself reading the file.
"""

import mimetypes
import posixpath
from functools import cache
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

from .scoping import Scope

# A public photo may be kept by browsers and proxies a while; a private one never.
PUBLIC_CACHE = "public, max-age=3600"
PRIVATE_CACHE = "private, no-store"


@cache
def upload_fields():
    """(model, field name) of every field that stores uploads in the media storage."""
    return tuple(
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField) and field.storage is default_storage
    )


def shown_publicly(model, field, rows) -> bool:
    return field in getattr(model, "public_file_fields", ()) and rows.shown_publicly().exists()


def staff_reaches(user, model, rows) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return False
    return Scope.for_user(user).filter(rows).exists()


def who_may_see(user, name):
    """ "public", "staff" or None for a stored file name."""
    for model, field in upload_fields():
        rows = model._default_manager.filter(**{field: name})
        if shown_publicly(model, field, rows):
            return "public"
        if staff_reaches(user, model, rows):
            return "staff"
    return None


def _clean(path):
    name = posixpath.normpath(path).lstrip("/")
    if name in ("", ".") or name.startswith("..") or "\\" in name or "\0" in name:
        raise Http404
    return name


def _bytes(name):
    if settings.MEDIA_STORAGE == "s3":
        return HttpResponseRedirect(default_storage.url(name))
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(name)
        return response
    try:
        return FileResponse(default_storage.open(name), content_type=content_type)
    except FileNotFoundError:
        raise Http404 from None


def serve(request, path):
    name = _clean(path)
    audience = who_may_see(request.user, name)
    if audience is None:
        raise Http404
    response = _bytes(name)
    response["Cache-Control"] = PUBLIC_CACHE if audience == "public" else PRIVATE_CACHE
    return response
