from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import render
from django.utils import timezone

from jinhai.imports.reading import human_size


class SessionTimeoutMiddleware:
    """Logs a staff user out after a spell of inactivity, and some hours after logging in.

    Office computers are shared and left unlocked: a session must not outlive its user's
    attention (idle timeout) nor a working day (absolute timeout).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(timezone.now().timestamp())
            session = request.session
            started = session.setdefault("jinhai_started", now)
            last_seen = session.get("jinhai_seen", now)
            idle = now - last_seen > settings.SESSION_IDLE_MINUTES * 60
            too_long = now - started > settings.SESSION_ABSOLUTE_HOURS * 3600
            if idle or too_long:
                logout(request)
            else:
                session["jinhai_seen"] = now
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


class RequestGuardMiddleware:
    """Refuses, before anything reads it, a request no page of the portal can use.

    - A body longer than `REQUEST_MAX_BYTES` (by its Content-Length): 413, without reading it, so
      a huge upload costs neither memory nor disk; the proxy in front should refuse it earlier
      still (nginx `client_max_body_size`, README › Deploying).
    - A NUL character in any query or form parameter, name or value: 400. No field of the portal
      holds one, and PostgreSQL refuses it in a query ("A string literal cannot contain NUL"),
      which would otherwise be a 500 on any list filter, search or autocomplete.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return refused(request, 413)
        if _has_nul(request.GET):
            return refused(request, 400)
        form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        if request.method == "POST" and form and _has_nul(request.POST):
            return refused(request, 400)
        return self.get_response(request)


def refused(request, status):
    return render(
        request,
        f"{status}.html",
        {"max_size": human_size(settings.REQUEST_MAX_BYTES)},
        status=status,
    )


def client_ip(request) -> str | None:
    """The address django-axes counts failed logins by (AXES_CLIENT_IP_CALLABLE).

    Behind `AXES_PROXY_COUNT` proxies that each append the address they were reached from to
    X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`), the client is the entry the outermost
    of them wrote, that many from the right; what the client itself put further left is not
    trusted. Without the setting every visitor would share the proxy's address, and anyone could
    lock a known user out by mistyping their password five times.
    """
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    # Fewer entries than proxies: the request did not come through them all.
    return chain[-count] if len(chain) >= count else remote
