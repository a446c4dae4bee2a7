"""Everything a worker reads in the admin is Chinese: every admin page, walked in a real browser
(headless Chromium, see `browser.py`) as street staff and as community staff, and the login and
lockout pages as someone logged out.

What is read is what the page shows after its scripts ran (the pickers, calendars and clocks the
admin's JavaScript draws are part of it): every text node outside scripts and styles, shown or
hidden (a hidden one is a picker's footer or a calendar that opens on a click), the page's title
and the title, aria-label, placeholder and alt attributes, and the labels of buttons. A word of
two or more Latin letters fails the page unless it is on the short list in `chinese.py` or is
data of the test world (the test users' login names).

The pages come from the permission matrix (`test_permission_matrix.py`), so a new model or admin
page is walked as soon as it has a row there.
"""

from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from .browser import DESKTOP, chromium, log_in, needs_chromium, open_page
from .chinese import english_words
from .test_permission_matrix import EXTRA, MODELS, expected, extra_args, sample, url_names

pytestmark = needs_chromium

# Admin URLs of the matrix that are not pages a worker reads.
# The job status address answers the progress script in JSON, not a page a person reads.
NOT_PAGES = {
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:logout",
    "admin:view_on_site",
    "admin:jinhai_job_status",
}
MODEL_VIEWS = ["changelist", "add", "change", "delete", "export", "import"]
# A change history page is the same for every model: one stands for all.
HISTORY_OF = "volunteers.volunteer"

# Everything a page shows a reader, after its scripts ran.
READ_PAGE = """(selector) => {
  const root = document.querySelector(selector);
  const out = [document.title];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement.closest("script, style, template")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  while (walker.nextNode()) out.push(walker.currentNode.nodeValue);
  for (const element of root.querySelectorAll("[title], [aria-label], [placeholder], [alt]")) {
    for (const name of ["title", "aria-label", "placeholder", "alt"]) {
      if (element.hasAttribute(name)) out.push(element.getAttribute(name));
    }
  }
  for (const button of root.querySelectorAll(
    "input[type=submit], input[type=button], input[type=reset]"
  )) out.push(button.value);
  return out.join("\\n");
}"""


def test_english_words_are_found():
    # What the walk would report on the admin as Django ships it in zh-hans.
    assert english_words("选择 两长任职 来修改 Model name Add link 导出 Excel") == [
        "Add", "Model", "link", "name",
    ]  # fmt: skip
    assert english_words("已暂停登录 PT15M,见 http://example.com/x,小区楼组.xlsx") == []
    assert english_words("欢迎,staff_a。", data=["staff_a"]) == []


def admin_pages(world, users, user):
    """(name, path) of every admin page `user` may open, from the permission matrix."""
    names = set(url_names())
    pages = [("admin:index", reverse("admin:index"))]
    for label, (path, _reach, _perms) in MODELS.items():
        app, model = label.split(".")
        for view in MODEL_VIEWS + (["history"] if label == HISTORY_OF else []):
            name = f"admin:{app}_{model}_{view}"
            if name not in names or expected(label, view, user, world) != 200:
                continue
            on_object = view in ("change", "history", "delete")
            obj = sample(world, users, path) if on_object else None
            assert obj is not None or not on_object, f"no sample for {label} ({path})"
            args = [obj.pk] if on_object else []
            pages.append((name, reverse(name, args=args)))
    args = extra_args(world, users)
    for name, statuses in EXTRA.items():
        staff_page = name.startswith("admin:") or name == "dashboard"
        if staff_page and name not in NOT_PAGES and statuses[user] == 200 and name != "admin:index":
            pages.append((name, reverse(name, args=args.get(name, []))))
    return pages


def read(page, address, within="body"):
    response = page.goto(address, wait_until="load")
    return response.status, page.evaluate(READ_PAGE, within)


def walk(browser, live_server, pages, user=None, within="body"):
    data = list(get_user_model().objects.values_list("username", flat=True))
    found = defaultdict(list)
    statuses = {}
    with open_page(browser, **DESKTOP, timezone_id="Asia/Shanghai") as (page, watch):
        if user is not None:
            log_in(page, live_server.url, user)
        errors = {}
        for name, path in pages:
            before = len(watch.console_errors)
            status, text = read(page, live_server.url + path, within)
            statuses[name] = status
            for word in english_words(text, data):
                found[word].append(name)
            if len(watch.console_errors) > before:
                errors[name] = watch.console_errors[before:]
    return found, statuses, errors


def report(found):
    return "\n".join(
        f"{word}: {', '.join(pages[:4])}{' …' if len(pages) > 4 else ''} ({len(pages)} pages)"
        for word, pages in sorted(found.items(), key=lambda item: -len(item[1]))
    )


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


@pytest.mark.parametrize("user", ["street", "staff_a"])
def test_every_admin_page_is_chinese(browser, live_server, world, users, user):
    pages = admin_pages(world, users, user)
    assert len(pages) > 60
    found, statuses, errors = walk(browser, live_server, pages, getattr(users, user))
    assert {name: status for name, status in statuses.items() if status != 200} == {}
    assert not found, f"English on the admin pages of {user}:\n{report(found)}"
    assert errors == {}


def test_login_and_lockout_pages_are_chinese(browser, live_server, world, users, settings):
    found = defaultdict(list)
    with open_page(browser, **DESKTOP, timezone_id="Asia/Shanghai") as (page, watch):
        status, text = read(page, f"{live_server.url}/admin/login/?next=/admin/")
        for word in english_words(text):
            found[word].append("login")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            page.fill("#id_username", users.staff_a.username)
            page.fill("#id_password", "not-the-password")
            page.click("input[type=submit]")
            page.wait_for_load_state("load")
        text = page.evaluate(READ_PAGE, "body")
        for word in english_words(text, [users.staff_a.username]):
            found[word].append("locked out")
        # The lockout page itself answers 429 Too Many Requests, which Chromium logs.
        assert [e for e in watch.console_errors if "status of 429" not in e] == []
    assert "登录已暂停" in text and "以后再试" in text, text
    assert not found, report(found)


def test_the_audit_log_is_chinese_for_superusers(browser, live_server, world, users):
    from auditlog.models import LogEntry

    changed = world.a.volunteer
    changed.name = "改过的名字"
    changed.save()
    pages = [("admin:auditlog_logentry_changelist", reverse("admin:auditlog_logentry_changelist"))]
    for action in (LogEntry.Action.CREATE, LogEntry.Action.UPDATE):
        entry = LogEntry.objects.filter(action=action).latest("timestamp")
        pages.append(
            (f"entry {action}", reverse("admin:auditlog_logentry_change", args=[entry.pk]))
        )
    # The log itself: a superuser's menu also lists django-otp's "TOTP devices", a model name
    # that package does not translate (it is fixed in its migrations).
    found, statuses, errors = walk(browser, live_server, pages, users.superuser, "#content")
    assert set(statuses.values()) == {200}
    assert not found, report(found)
    assert errors == {}
