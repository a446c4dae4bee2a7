"""Real headless Chromium for tests, driven by Playwright.

Playwright's own browser download cannot work here: it drives Debian's Chromium
(`apt-get install chromium`) through `executable_path`. Tests that need it are skipped where it
is missing; `.ci/run` installs it.

One browser serves a test module (its module-scoped `browser` fixture opens `chromium()`: not a
session's, so that Playwright's event loop never outlives the browser tests); each check opens its
own context (`open_page()`), so cookies, storage and viewport never leak
from one check to the next.
"""

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium (apt-get install chromium)"
)
# Without the background-networking switches Chromium calls home at start-up, which a closed
# network refuses and which would show up as requests to other hosts.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A mid-sized phone (the width most residents read on) and an office desktop.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# axe-core from npm (package-lock.json pins it; bin/vendor-assets copies it here). The tests
# inject it: the site itself never loads it.
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_FAILING_IMPACTS = {"serious", "critical"}


@contextmanager
def chromium():
    """Launch Debian's Chromium once; close it and Playwright afterwards."""
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an asyncio loop on the test thread, and Django refuses
    # ORM calls from a thread with a running loop. The calls are synchronous all the same (the
    # loop only waits on the browser), which is the case Django's switch exists for.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Visit:
    requested: list
    console_errors: list
    result: object = None


def visit(address, *, wait_for=None, evaluate=None, width=1280, height=800) -> Visit:
    """One look at one page in a browser of its own: open `address`, wait for the network to
    settle (and for `wait_for`), then return every URL the page requested, its console errors
    and the value of the `evaluate` expression."""
    viewport = {"width": width, "height": height}
    with chromium() as browser, open_page(browser, viewport=viewport) as (page, watch):
        page.goto(address, wait_until="networkidle")
        if wait_for:
            page.wait_for_selector(wait_for)
        result = page.evaluate(evaluate) if evaluate else None
    return Visit(watch.requested, watch.console_errors, result)


@dataclass
class Watch:
    """What a page did: every URL it requested and every console error or uncaught exception."""

    requested: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)

    def foreign(self, origin):
        """Requests to anything but `origin` (scheme, host and port of the test server)."""
        own = urlsplit(origin)
        return [
            url
            for url in self.requested
            if (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]


@contextmanager
def open_page(browser, **options):
    """A fresh context and page with a Watch on it. The site's Content-Security-Policy stays in
    force, so anything it blocks shows up as a console error."""
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    watch = Watch()
    page.on("request", lambda request: watch.requested.append(request.url))
    page.on(
        "console",
        lambda message: (
            watch.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: watch.console_errors.append(str(error)))
    try:
        yield page, watch
    finally:
        context.close()


def submit(page, selector):
    """Click what submits a form and wait for the page it leads to: reading the page straight
    after the click can catch the blank document between the POST and its redirect."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


def log_in(page, base, user, password=None):
    """Log `user` in through the admin's login form (the test users' password by default)."""
    from .conftest import PASSWORD

    page.goto(f"{base}/admin/login/?next=/admin/", wait_until="networkidle")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password or PASSWORD)
    submit(page, "input[type=submit]")


def axe_violations(page):
    """axe-core's serious and critical violations on the whole page (the map's Leaflet markup
    included), as readable lines: rule, impact, and the selectors of the elements at fault."""
    # Evaluated through the browser's debugging channel, which the page's CSP does not govern
    # (a <script> tag added to the page would rightly be refused by it).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in AXE_FAILING_IMPACTS
    ]


def horizontal_overflow(page):
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
