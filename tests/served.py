"""The portal served for real: gunicorn and `manage.py db_worker` processes on a database of
their own, and an HTTP client that logs in and submits admin forms the way a browser does.

Tests that need several processes (a worker, two web nodes, a replica) use these. The database
is made once per test session: a migrated SQLite file, or a PostgreSQL database next to the test
database (`<test database>_served`, dropped afterwards), with a few places and accounts.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "served-pw-for-tests-only"

# What the seed makes: the ids are printed back as JSON.
SEED = f"""
import json
from django.contrib.auth.models import Group
from communities.roles import COMMUNITY_STAFF, STREET_STAFF
from tests.factories import (
    CommunityFactory, CompoundFactory, StaffProfileFactory, SubdistrictFactory, UserFactory,
)
jinhai = SubdistrictFactory(name="金海街道")
a = CommunityFactory(subdistrict=jinhai, name="正学社区")
b = CommunityFactory(subdistrict=jinhai, name="丰乐社区")
for n in range(3):
    CompoundFactory(community=a, name=f"正学{{n}}苑")
CompoundFactory(community=b, name="丰乐苑")
street = UserFactory(username="street", password={PASSWORD!r})
street.groups.add(Group.objects.get(name=STREET_STAFF))
StaffProfileFactory(user=street, subdistrict=jinhai)
staff_a = UserFactory(username="staff_a", password={PASSWORD!r})
staff_a.groups.add(Group.objects.get(name=COMMUNITY_STAFF))
StaffProfileFactory(user=staff_a, community=a)
UserFactory(username="root", password={PASSWORD!r}, is_superuser=True)
print(json.dumps({{"a": a.pk, "b": b.pk}}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    """A served database and the environment every process of the site gets."""

    env: dict
    ids: dict
    folder: Path

    def manage(self, *args, env=None, check=True) -> str:
        out = subprocess.run(
            [sys.executable, "manage.py", *args],
            env={**self.env, **(env or {})},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and out.returncode:
            raise AssertionError(f"manage.py {' '.join(args)}: {out.stdout}{out.stderr}")
        return out.stdout


@contextlib.contextmanager
def served_site(connection, folder: Path):
    """Yield a `Site`: a migrated, seeded database beside the test database, and the static
    files collected, as deployed."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        server = f"postgres://{settings['USER']}@{host}:{port}"
        name = f"{settings['NAME']}_served"
        url = f"{server}/{name}"

        def drop():
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        drop()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{folder / 'served.sqlite3'}"

        def drop():
            pass

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jinhai.settings",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "JOB_FILES_ROOT": str(folder / "jobfiles"),
        "CACHE_URL": f"filecache://{folder / 'cache'}",
        "CONN_MAX_AGE": "0",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    site = Site(env=env, ids={}, folder=folder)
    try:
        site.manage("migrate", "-v0")
        site.manage("collectstatic", "--noinput", "-v0")
        site.ids = json.loads(site.manage("shell", "-c", SEED).strip().splitlines()[-1])
        yield site
    finally:
        drop()


class Process:
    """A process of the site in its own process group, stopped with its children."""

    def __init__(self, site: Site, args, *, name: str, env=None):
        self.log_path = site.folder / f"{name}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, *args],
            env={**site.env, **(env or {})},
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def stop(self, timeout=20) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        return self.process.returncode


class Gunicorn(Process):
    """One web node: gunicorn with jinhai/gunicorn.conf.py, as deployed."""

    def __init__(self, site: Site, *, name="web", env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**(env or {}), "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        super().__init__(
            site, ["-m", "gunicorn", "-c", "jinhai/gunicorn.conf.py", "jinhai.wsgi"],
            name=name, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/healthz/", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.output()[-3000:]}")


class Worker(Process):
    """`manage.py db_worker`, the one command that runs background jobs."""

    def __init__(self, site: Site, *, name="worker", env=None):
        super().__init__(
            site,
            ["manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
            name=name,
            env=env,
        )


class _Form(HTMLParser):
    """The fields of the first <form> with a csrf token (and an action containing `action`, if
    given), as a browser would submit them."""

    def __init__(self, action=None):
        super().__init__()
        self.wanted = action
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self._in_form = self._done = False
        self._select = self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form":
            self._in_form, self.fields, self.action = True, [], a.get("action") or ""
        elif not self._in_form:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select, self._selected = a["name"], None
        elif tag == "option" and self._select is not None:
            if "selected" in a:
                self._selected = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            if self._selected is not None:
                self.fields.append((self._select, self._selected))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            # The admin's header holds a logout form: never the one meant unless asked for.
            self._done = any(name == "csrfmiddlewaretoken" for name, _ in self.fields) and (
                "logout" not in self.action if self.wanted is None else self.wanted in self.action
            )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies and forms over plain HTTP; `base` may be changed to talk to another node."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, path, data=None, *, base=None):
        url = (base or self.base) + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        request.add_header("Referer", base or self.base)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path, **kwargs):
        return self.request(path, **kwargs)

    def text(self, path, **kwargs) -> str:
        status, _, body = self.get(path, **kwargs)
        assert status == 200, (path, status, body[:500])
        return body.decode()

    def submit(self, path, changes=None, *, base=None, action=None):
        """GET the page's form, change some fields, POST it where the form says; return
        (status, headers)."""
        status, _, body = self.get(path, base=base)
        assert status == 200, (path, status)
        form = _Form(action)
        form.feed(body.decode())
        assert form._done, f"no form{f' to {action}' if action else ''} on {path}"
        fields = [(k, v) for k, v in form.fields if k not in (changes or {})]
        fields += list((changes or {}).items())
        target = urllib.parse.urljoin(path, form.action) if form.action else path
        status, headers, _ = self.request(target, fields, base=base)
        return status, headers

    def log_in(self, username, *, base=None):
        status, headers = self.submit(
            "/admin/login/?next=/admin/",
            {"username": username, "password": PASSWORD},
            base=base,
        )
        assert status == 302 and headers["Location"] == "/admin/", (status, headers)


def wait_for(predicate, *, timeout=60, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
