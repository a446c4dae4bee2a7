"""Real headless Chromium for tests, driven by Playwright.

Playwright's own browser download cannot work here: it drives Debian's Chromium
(`apt-get install chromium`) through `executable_path`. Tests that need it are skipped where it
is missing; `.ci/run` installs it.
"""

import shutil
from dataclasses import dataclass, field

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


@dataclass
class Visit:
    requested: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    result: object = None


def visit(address, *, wait_for=None, evaluate=None, width=1280, height=800) -> Visit:
    """Open `address`, wait for the network to settle (and for `wait_for`), then return every URL
    the page requested, its console errors and the value of the `evaluate` expression."""
    from playwright.sync_api import sync_playwright

    seen = Visit()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("request", lambda request: seen.requested.append(request.url))
            page.on(
                "console",
                lambda message: (
                    seen.console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: seen.console_errors.append(str(error)))
            page.goto(address, wait_until="networkidle")
            if wait_for:
                page.wait_for_selector(wait_for)
            if evaluate:
                seen.result = page.evaluate(evaluate)
        finally:
            browser.close()
    return seen
