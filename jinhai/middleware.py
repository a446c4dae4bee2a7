from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone


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
