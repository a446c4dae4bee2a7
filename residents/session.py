"""The household session: a signed, HttpOnly cookie holding a random key whose hash is a
`HouseholdSession` row. Every resident view asks `household_session(request)` (one query, or
none while the shared cache remembers the session: `communities.codes.session_of`) and 404s
without it, so that a household reaches its own household only; `household_of(request)` then
fetches that household (one more), which a page served from the household page cache does not
need."""

import datetime

from django.conf import settings
from django.http import Http404

from communities import codes
from communities.models import Household

COOKIE = "jinhai_household"
SALT = "jinhai.residents.session"
MAX_AGE = datetime.timedelta(days=90)


def household_session(request) -> codes.OpenSession | None:
    """Whose the request's open household session is, or None."""
    if not hasattr(request, "_household_session"):
        key = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=MAX_AGE)
        request._household_session = codes.session_of(key, max_age=MAX_AGE) if key else None
    return request._household_session


def household_of(request):
    """The household of the request's open session, its places joined, or None."""
    if not hasattr(request, "_household"):
        current = household_session(request)
        request._household = (
            Household.objects.with_address().filter(pk=current.household_id).first()
            if current is not None
            else None
        )
    return request._household


def household_or_404(request):
    """The household of this request's session; 404 otherwise (one helper, every view)."""
    household = household_of(request)
    if household is None:
        raise Http404("没有住户会话")
    return household


def start(response, household) -> None:
    key = codes.session_open(household=household)
    response.set_signed_cookie(
        COOKIE,
        key,
        salt=SALT,
        max_age=int(MAX_AGE.total_seconds()),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def end(request, response) -> None:
    key = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=MAX_AGE)
    if key:
        codes.session_end(key=key)
    response.delete_cookie(COOKIE, samesite="Lax")
