"""No full mobile or ID number on a public page, in any form it is typed in.

Planted three ways: through the admin and through an import (both refuse it, with a Chinese
message), and straight into the database past every validator, into every field that carries
the public-text or office-phone validator; then every public page is crawled, and its text and
its attributes are normalised (full-width to half-width, separators between digits dropped)
before looking for a number.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from communities.models import Community, Compound
from jinhai.masking import fold, mask_text
from jinhai.validators import validate_office_phone, validate_public_text

from . import public_pages
from .sheets import csv_bytes
from .test_imports import run_import
from .test_privacy import crawl

MOBILES = [
    "13912345678",
    "139 1234 5678",
    "139-1234-5678",
    "+86 139 1234 5678",
    "+8613912345678",
    "86-139-1234-5678",
    "0139-12345678",
    "013912345678",
    "0139 1234 5678",
    "１３９１２３４５６７８",
    "１３９－１２３４－５６７８",
    "＋８６　１３９　１２３４　５６７８",
]
IDS = [
    "310120198001011234",
    "31012019800101123X",
    "310120 19800101 1234",
    "３１０１２０１９８００１０１１２３４",
]
LANDLINES = ["021-57123456", "02157123456", "0571-87654321-8001", "57123456", "400-820-1234"]

_MOBILE = re.compile(r"(?:^|\D|86|0)(1[3-9]\d{9})(?!\d)")
_ID = re.compile(r"(?<!\d)[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]")


def normalise(text):
    """Full-width as half-width, and the separators between two digits dropped."""
    return re.sub(r"(?<=\d)[\s.\-]+(?=\d)", "", fold(text))


def leaks(body):
    """Full numbers in a page, each with what surrounds it: in its text (tags as barriers) and
    in its attributes and scripts."""
    found = []
    for view in (re.sub(r"<[^>]+>", "|", body), body):
        flat = normalise(view)
        for match in [*_ID.finditer(flat), *_MOBILE.finditer(flat)]:
            found.append(flat[max(0, match.start() - 60) : match.end() + 20])
    return found


@pytest.mark.parametrize("text", MOBILES + IDS)
def test_the_validator_refuses_every_disguise(text):
    for value in (text, f"联系人王先生 {text},欢迎来电"):
        with pytest.raises(ValidationError, match="不能含有手机号或身份证号"):
            validate_public_text(value)
    assert not leaks(mask_text(f"联系人王先生 {text},欢迎来电"))


@pytest.mark.parametrize("text", MOBILES)
def test_an_office_phone_is_never_a_mobile_in_disguise(text):
    with pytest.raises(ValidationError, match="个人手机号不能作为公开的办公电话"):
        validate_office_phone(text)


@pytest.mark.parametrize("text", LANDLINES)
def test_landlines_and_service_numbers_are_office_phones(text):
    validate_office_phone(text)
    validate_public_text(f"请拨打 {text} 咨询,2022年7月15日起")
    assert mask_text(text) == text


def admin_form(response):
    """The POST a browser would send for an admin change page as it stands."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(v) for v in value]
            data[form.add_prefix(name)] = value
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("introduction", "有事请找王主任 139 1234 5678。", "不能含有手机号或身份证号"),
        ("introduction", "居民代表身份证 310120198001011234", "不能含有手机号或身份证号"),
        ("office_hours", "工作日,值班 +86 139-1234-5678", "不能含有手机号或身份证号"),
        ("office_phone", "0139-12345678", "个人手机号不能作为公开的办公电话"),
        ("office_phone", "１３９１２３４５６７８", "个人手机号不能作为公开的办公电话"),
    ],
)
def test_the_admin_refuses_a_number_in_a_public_field(world, users, login, field, value, message):
    community = world.a.community
    url = reverse("admin:communities_community_change", args=[community.pk])
    client = login(users.staff_a)
    data = admin_form(client.get(url))
    before = Community.objects.filter(pk=community.pk).values_list(field, flat=True).get()
    response = client.post(url, {**data, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Community.objects.filter(pk=community.pk).values_list(field, flat=True).get() == before
    # The same form with a landline goes through: the helper builds a valid POST.
    if field == "office_phone":
        assert client.post(url, {**data, field: "021-57180099"}).status_code == 302


def test_an_import_refuses_a_number_in_a_public_field(world, users):
    rows = [
        ["社区", "小区", "楼组", "户数", "地址"],
        ["正学社区", "正学东苑", "1号楼", "20", "东苑路 1 号"],
        ["正学社区", "正学西苑", "1号楼", "20", "西苑路 2 号 联系 +86 139 1234 5678"],
    ]
    result = run_import(users.staff_a, csv_bytes(rows))
    assert result.has_validation_errors()
    messages = str([row.error_dict for row in result.invalid_rows])
    assert "不能含有手机号或身份证号" in messages
    assert not Compound.objects.filter(name__in=["正学东苑", "正学西苑"]).exists()


def guarded_fields():
    """(model, field) for every text field whose validators keep numbers out of public pages."""
    from django.apps import apps

    guards = (validate_public_text, validate_office_phone)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            text = isinstance(field, models.CharField | models.TextField)
            if text and any(v in guards for v in field.validators):
                yield model, field


def plant(world):
    """A number in every guarded field of every row, in turn in each disguise, straight into the
    database: unique per row (names are unique within their parent), within the field's length."""
    disguises = MOBILES + IDS
    n = 0
    for model, field in guarded_fields():
        for pk in model._default_manager.values_list("pk", flat=True):
            number = disguises[n % len(disguises)]
            n += 1
            value = f"{number}号{pk}"[: field.max_length] if field.max_length else f"甲{number}号"
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**{field.attname: value})
            except IntegrityError:
                # A field a check keeps empty on this row (a household's shop name, when it is a
                # room): nothing a page could show.
                continue
    return n


def test_no_public_page_shows_a_planted_number(world, client):
    assert plant(world) > 100
    pages = crawl(client)
    for name in public_pages.PAGES:
        path = public_pages.request_path(name, world)
        pages.setdefault(path, client.get(path).content.decode())
    for term in ("139", "正学"):
        pages[f"/search/?q={term}"] = client.get("/search/", {"q": term}).content.decode()
    assert len(pages) > 20, sorted(pages)
    found = {path: leaks(body) for path, body in pages.items()}
    leaked = {path: numbers for path, numbers in found.items() if numbers}
    assert not leaked, "\n".join(
        f"{path}: {n}" for path, numbers in leaked.items() for n in numbers
    )
