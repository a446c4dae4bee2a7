"""Logins, sessions, headers and hostile requests."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .conftest import PASSWORD

LOGIN = "/admin/login/"


def attempt(client, username, password):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, REMOTE_ADDR="10.0.0.1")


def test_login_works_and_wrong_password_does_not(world, users, client):
    assert attempt(client, "street", "wrong").status_code == 200
    response = attempt(client, "street", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_lockout_is_per_username_and_address_and_ends(world, users, settings):
    office = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        office.post(LOGIN, {"username": "staff_a", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    locked = office.post(
        LOGIN, {"username": "staff_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录已暂停" in page
    # In the admin's frame, saying in Shanghai time when to try again.
    from axes.models import AccessAttempt

    last = AccessAttempt.objects.get(username="staff_a", ip_address="10.0.0.7").attempt_time
    until = timezone.localtime(last + settings.AXES_COOLOFF_TIME)
    when = (
        f"今天 {until:%H:%M}" if until.date() == timezone.localdate() else f"{until:%Y-%m-%d %H:%M}"
    )
    assert f"请在<strong>{when}</strong>以后再试" in page
    assert settings.PORTAL_NAME in page and "Django" not in page and "PT15M" not in page
    # A colleague at the same address, and the same user elsewhere, are not locked out.
    colleague = Client().post(
        LOGIN, {"username": "staff_b", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert colleague.status_code == 302
    elsewhere = Client().post(
        LOGIN, {"username": "staff_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert elsewhere.status_code == 302
    # The cool-off is finite.
    AccessAttempt.objects.filter(username="staff_a").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )
    again = Client().post(
        LOGIN, {"username": "staff_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert again.status_code == 302


def test_idle_and_absolute_session_timeouts(world, users, login, settings):
    client = login(users.street)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session["jinhai_seen"] -= settings.SESSION_IDLE_MINUTES * 60 + 1
    session.save()
    assert client.get("/admin/").status_code == 302  # back to the login page

    client = login(users.street)
    client.get("/admin/")
    session = client.session
    session["jinhai_started"] -= settings.SESSION_ABSOLUTE_HOURS * 3600 + 1
    session.save()
    assert client.get("/admin/").status_code == 302


def test_deactivated_user_is_logged_out_at_the_next_request(world, users, login):
    client = login(users.staff_a)
    assert client.get("/admin/").status_code == 200
    users.staff_a.is_active = False
    users.staff_a.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and LOGIN in response["Location"]


def test_security_headers(world, client, users, login):
    public = client.get("/")
    policy = public["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http" not in policy  # names no other host
    assert public["X-Content-Type-Options"] == "nosniff"
    assert public["X-Frame-Options"] == "DENY"
    admin_page = login(users.street).get("/admin/")
    assert "no-store" in admin_page["Cache-Control"]
    assert "no-store" in Client().get(LOGIN)["Cache-Control"]
    export = login(users.street).get(reverse("admin:communities_buildinggroup_import_template"))
    assert "no-store" in export["Cache-Control"]


def test_csrf_less_post_is_refused(world, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.street)
    response = client.post(
        reverse("admin:communities_compound_add"), {"community": world.a.community.pk, "name": "x"}
    )
    assert response.status_code == 403


def test_oversized_request_body_is_refused(world, client):
    response = client.post(
        LOGIN, {"username": "x", "password": "y", "pad": "a" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "\\\\evil.example"])
def test_login_never_redirects_off_site(world, users, client, target):
    response = client.post(
        LOGIN + "?next=" + target,
        {"username": "street", "password": PASSWORD, "next": target},
        REMOTE_ADDR="10.0.0.3",
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_second_factor_can_be_required(world, users, settings, rf):
    import importlib

    from django.contrib import admin
    from django_otp.admin import OTPAdminSite
    from django_otp.plugins.otp_totp.models import TOTPDevice

    import jinhai.urls

    original = admin.site.__class__  # the wrapped site's class (admin.site is lazy)
    settings.ADMIN_OTP_REQUIRED = True
    try:
        importlib.reload(jinhai.urls)
        assert isinstance(admin.site, OTPAdminSite)
        request = rf.get("/admin/")
        request.user = users.street
        request.user.is_verified = lambda: False
        assert not admin.site.has_permission(request)
        TOTPDevice.objects.create(user=users.street, name="手机", confirmed=True)
        request.user.is_verified = lambda: True
        assert admin.site.has_permission(request)
    finally:
        admin.site.__class__ = original
        settings.ADMIN_OTP_REQUIRED = False
        importlib.reload(jinhai.urls)


def test_lockout_behind_a_proxy_counts_each_client(world, users, settings):
    """Behind one TLS proxy every request has the proxy's REMOTE_ADDR: with AXES_PROXY_COUNT the
    client's own address (the one the proxy appended to X-Forwarded-For) is what locks."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        # What the attacker puts in the header is kept, and the proxy appends the real address.
        attacker.post(
            LOGIN,
            {"username": "staff_a", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.66",
            **proxy,
        )
    locked = attacker.post(
        LOGIN,
        {"username": "staff_a", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.66",
        **proxy,
    )
    assert locked.status_code == 429
    # The real user, through the same proxy from their own address, still logs in; so does one
    # whose address the attacker wrote into the header.
    for address in ("203.0.113.20", "203.0.113.9"):
        response = Client().post(
            LOGIN,
            {"username": "staff_a", "password": PASSWORD, "next": "/admin/"},
            HTTP_X_FORWARDED_FOR=address,
            **proxy,
        )
        assert response.status_code == 302, address


def test_a_body_over_the_limit_is_refused_before_it_is_read(world, users, login, settings):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory

    from jinhai.imports import storage
    from jinhai.middleware import RequestGuardMiddleware

    settings.REQUEST_MAX_BYTES = 4096
    client = login(users.staff_a)
    before = sorted(storage.upload_dir().glob("*.upload"))
    response = client.post(
        reverse("admin:communities_buildinggroup_import"),
        {"format": "0", "resource": "0",
         "import_file": SimpleUploadedFile("f.csv", b"x" * 8192)},
    )  # fmt: skip
    assert response.status_code == 413
    assert "文件过大" in response.content.decode() and "4 KB" in response.content.decode()
    assert sorted(storage.upload_dir().glob("*.upload")) == before

    class Unread(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body was read")

    request = RequestFactory().post("/admin/", data=b"", content_type="text/plain")
    request.META["CONTENT_LENGTH"] = str(10**9)
    request.META["wsgi.input"] = Unread()
    request._stream = Unread()
    refused = RequestGuardMiddleware(lambda r: pytest.fail("the view was called"))(request)
    assert refused.status_code == 413
    # Within the limit, the page works as before.
    settings.REQUEST_MAX_BYTES = 10**6
    ok = client.post(
        reverse("admin:communities_buildinggroup_import"),
        {"format": "0", "resource": "0",
         "import_file": SimpleUploadedFile("f.csv", "社区,小区,楼组\n".encode())},
    )  # fmt: skip
    assert ok.status_code == 200
