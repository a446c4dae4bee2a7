"""The portal's own Chinese (locale/zh_Hans) and its one date format.

The committed .mo files must say what their .po sources say (a .po edited without running
bin/compile-messages fails here); every string of Django's admin, in its templates and in its
JavaScript catalog, has Chinese; the phrases Django words badly are reworded; dates read
2026-12-01 whether shown, typed or picked."""

import datetime
import gettext
import json
import re
from pathlib import Path

import django
import polib
import pytest
from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminDateWidget
from django.urls import reverse
from django.utils import formats, translation
from django.utils.timesince import timesince

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
ADMIN_LOCALE = Path(django.__file__).parent / "contrib" / "admin" / "locale"


def catalog_of_po(path):
    entries = {}
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                entries[(entry.msgid, int(index))] = text
        else:
            entries[entry.msgid] = entry.msgstr
    return entries


def catalog_of_mo(path):
    with open(path, "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    return {
        ((key[0].split("\x00")[0], key[1]) if isinstance(key, tuple) else key): text
        for key, text in catalog.items()
        if key != ""
    }


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_messages_match_their_sources(domain):
    assert catalog_of_mo(LOCALE / f"{domain}.mo") == catalog_of_po(LOCALE / f"{domain}.po"), (
        "run .venv/bin/python bin/compile-messages and commit the .mo"
    )


def english_msgids(domain):
    """Every message of Django's admin, singular and plural, as its English source lists it."""
    for entry in polib.pofile(str(ADMIN_LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po")):
        if entry.msgid:
            yield entry


def test_every_admin_template_string_has_chinese():
    with translation.override("zh-hans"):
        catalog = translation.trans_real.translation("zh-hans")._catalog
        keys = [
            (f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid, 0)
            if e.msgid_plural
            else (f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid)
            for e in english_msgids("django")
        ]
        missing = [key for key in keys if key not in catalog]
    assert missing == []


def test_the_admin_javascript_catalog_is_complete_chinese(world, users, login):
    response = login(users.staff_a).get(reverse("admin:jsi18n"))
    assert response.status_code == 200
    source = response.content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", source, re.S).group(1))
    keys = [
        f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid for e in english_msgids("djangojs")
    ]
    missing = [key for key in keys if key not in catalog]
    assert missing == []
    assert catalog["Choose all %s"] == "添加全部%s"
    assert catalog["(click to clear)"] == "（点击清除筛选）"


def test_awkward_phrases_are_reworded():
    from django.utils.translation import gettext, ngettext

    with translation.override("zh-hans"):
        assert gettext("Select %s to change") % "两长任职" == "选择要修改的两长任职"
        assert gettext(" By %(filter_title)s ") % {"filter_title": "年度"} == "按年度"
        assert gettext("Model name") == "数据名称"
        assert ngettext("%(num)d month", "%(num)d months", 2) % {"num": 2} == "2 个月"
        since = datetime.datetime(2022, 10, 1, tzinfo=datetime.UTC)
        now = datetime.datetime(2025, 12, 5, tzinfo=datetime.UTC)
        assert timesince(since, now).replace("\xa0", " ") == "3 年 2 个月"


def test_one_date_format_shown_typed_and_picked():
    day = datetime.date(2026, 12, 1)
    moment = datetime.datetime(2026, 12, 1, 14, 30)
    with translation.override("zh-hans"):
        assert formats.date_format(day) == "2026-12-01"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-12-01"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "2026-12-01 14:30"
        # The admin's date box and its calendar write the first input format.
        assert 'value="2026-12-01"' in AdminDateWidget().render("d", day)
        field = forms.DateField()
        for typed in ["2026-12-01", "2026/12/1", "2026年12月1日"]:
            assert field.clean(typed) == day
