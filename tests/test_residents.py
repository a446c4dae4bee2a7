"""The resident side (/my/): household codes, the household session and 我的."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from communities import codes
from communities import signups as signups_service
from communities.models import Household, HouseholdSession
from jinhai import caching
from residents import session
from self_governance.agreements import services as agreements
from self_governance.agreements.models import Account, Pet
from self_governance.fund import services as fund
from self_governance.fund.models import DiscussionMeeting, FundProject
from self_governance.fund.participation import MeetingSignup, Opinion
from volunteers.models import Activity, ActivitySignup

from .conftest import household_client
from .factories import FundProjectFactory, HouseholdFactory


def _without_csrf(response):
    return CSRF_INPUT.sub("", response.content.decode())


CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def _code_for(household):
    return codes.codes_issue(households=Household.objects.filter(pk=household.pk))[0][1]


def test_a_code_is_random_grouped_digits_kept_only_as_a_keyed_hash(households):
    code = _code_for(households.a)
    digits = code.replace("-", "")
    assert len(digits) == 15 and digits.isdigit() and code.count("-") == 2
    households.a.refresh_from_db()
    assert digits not in households.a.code_hash and len(households.a.code_hash) == 64
    assert codes.household_by_code(code) == households.a
    assert codes.household_by_code(" ".join(code.split("-"))) == households.a
    # Full-width digits as a Chinese keyboard types them.
    assert (
        codes.household_by_code(code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}))
        == households.a
    )
    assert codes.household_by_code("0" * 15) is None
    with override_settings(HOUSEHOLD_CODE_KEY="another key"):
        assert codes.household_by_code(code) is None


def test_claiming_is_one_indexed_query(households, django_assert_num_queries):
    code = _code_for(households.a)
    HouseholdFactory.create_batch(30)
    with django_assert_num_queries(1):
        assert codes.household_by_code(code) == households.a


def test_claim_opens_a_90_day_httponly_session_and_is_audited(client, households):
    from auditlog.models import LogEntry

    code = _code_for(households.a)
    before = HouseholdSession.objects.count()
    page = client.get(reverse("residents:claim"), {"code": code})
    assert code in page.content.decode()  # the card's QR link fills the form in
    assert HouseholdSession.objects.count() == before  # a GET opens nothing
    response = client.post(reverse("residents:claim"), {"code": code})
    assert response.status_code == 302
    cookie = response.cookies[session.COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == 90 * 24 * 3600
    opened = HouseholdSession.objects.latest("pk")
    assert opened.household == households.a
    assert LogEntry.objects.filter(
        content_type__model="householdsession", object_pk=str(opened.pk)
    ).exists()
    my = client.get(reverse("residents:my"))
    assert "301室" in my.content.decode()
    assert my["Cache-Control"] == "private, no-store" or {"private", "no-store"} <= {
        p.strip() for p in my["Cache-Control"].split(",")
    }


def test_logout_and_renewal_end_the_session(client, households):
    code = _code_for(households.a)
    client.post(reverse("residents:claim"), {"code": code})
    assert "301室" in client.get(reverse("residents:my")).content.decode()
    new = _code_for(households.a)
    assert "301室" not in client.get(reverse("residents:my")).content.decode()
    assert codes.household_by_code(code) is None
    client.post(reverse("residents:claim"), {"code": new})
    assert "301室" in client.get(reverse("residents:my")).content.decode()
    client.post(reverse("residents:logout"))
    assert "301室" not in client.get(reverse("residents:my")).content.decode()
    assert not households.a.sessions.filter(ended_at__isnull=True).exists()


@override_settings(HOUSEHOLD_CODE_TRIES=3, HOUSEHOLD_CODE_TRIES_ALL=5)
def test_wrong_codes_are_limited_per_address_and_overall(client, households):
    code = _code_for(households.a)
    for _ in range(3):
        wrong = client.post(reverse("residents:claim"), {"code": "11111-11111-11111"})
        assert wrong.status_code == 400 and "户码不正确" in wrong.content.decode()
    blocked = client.post(reverse("residents:claim"), {"code": code})
    assert blocked.status_code == 429
    assert "以后再试" in blocked.content.decode()
    assert not households.a.sessions.filter(ended_at__isnull=True).exists()
    # Other addresses count towards the overall limit.
    for n in range(2):
        client.post(reverse("residents:claim"), {"code": "2" * 15}, REMOTE_ADDR=f"10.0.0.{n + 2}")
    elsewhere = client.post(reverse("residents:claim"), {"code": code}, REMOTE_ADDR="10.0.0.9")
    assert elsewhere.status_code == 429


def test_my_page_shows_this_household_only(client, households, world):
    agreements.entry_record(
        account=world.a.points.household, rule=world.a.points.award,
        date=datetime.date(2022, 10, 2), by=None,
    )  # fmt: skip
    agreements.entry_reverse(
        entry=world.a.points.entry, date=datetime.date(2022, 10, 5), by=None, note="录错"
    )
    page = household_client(client, households.a).get(reverse("residents:my"))
    text = page.content.decode()
    account = world.a.points.household
    account.refresh_from_db()
    assert households.a.full_address in text
    assert f'<strong class="balance">{account.balance}</strong>' in text
    assert "G01 垃圾分类" in text and "豆豆" in text and "毛巾" in text
    assert "2022年9月" in text and "第 1 名" in text
    assert "已冲正" in text and "录错" in text
    other = world.b.points.household.household
    assert other.full_address not in text and world.b.community.name not in text


def test_my_page_queries_are_flat(client, households, world, django_assert_num_queries):
    account = world.a.points.household
    household_client(client, households.a)
    client.get(reverse("residents:my"))

    def grow():
        rule = account.scheme.rules.create(code="G09", description="楼道清扫", points=1)
        for day in range(1, 11):
            agreements.entry_record(
                account=account, rule=rule, date=datetime.date(2022, 10, day), by=None
            )
        for n in range(10):
            Account.objects.create(
                scheme=account.scheme,
                household=HouseholdFactory(
                    building_group=households.a.building_group, room=f"9{n}"
                ),
            )
            Pet.objects.create(household=households.a, name=f"小{n}", kind="cat")

    # Seen before and nothing changed: the session and the page, both from the cache.
    with django_assert_num_queries(0):
        client.get(reverse("residents:my"))
    grow()
    # The writes renewed the community's version: the household, the accounts with their
    # ranks, their entries, the rewards, and the pets.
    with django_assert_num_queries(5):
        page = client.get(reverse("residents:my"))
    assert page.content.decode().count("G09 楼道清扫") == 10
    assert page.content.decode().count("<strong>小9</strong>") == 1
    with django_assert_num_queries(0):
        assert _without_csrf(client.get(reverse("residents:my"))) == _without_csrf(page)


def test_take_part_queries_are_flat(client, households, world, django_assert_num_queries):
    household_client(client, households.a)
    community = households.a.community
    ago = timezone.now() - datetime.timedelta(days=2)
    today = timezone.localdate()

    def grow(n):
        for i in range(n):
            # Its proposals, and projects it may support (tests/test_proposals.py) ...
            project = fund.proposal_submit(
                household=households.a,
                title=f"提议{n}-{i}",
                category="other",
                description="为什么",
                amount=100,
            )
            FundProject.objects.filter(pk=project.pk).update(review="accepted", created_at=ago)
            fund.support_add(project=project, household=households.a)
            # ... notices it may comment on, and its opinions ...
            notice = FundProjectFactory(community=community, title=f"公示{n}-{i}")
            FundProject.objects.filter(pk=notice.pk).update(
                status="publicising", notice_from=today, notice_until=today
            )
            notice.refresh_from_db()
            Opinion.objects.create(project=notice, household=households.a, text=f"意见{n}-{i}")
            # ... and meetings and activities ahead, signed up for or not.
            for model, signups, name in [
                (DiscussionMeeting, MeetingSignup, "topic"),
                (Activity, ActivitySignup, "title"),
            ]:
                event = model.objects.create(
                    community=community,
                    date=today + datetime.timedelta(days=3),
                    signup_open=True,
                    **{name: f"会{n}-{i}"},
                    **({"kind": "other"} if model is Activity else {}),
                )
                signups_service.signup_save(
                    signups=signups, event=event, household=households.a, people=2
                )

    # The first request reads the session from the database (one query) and remembers it.
    with django_assert_num_queries(7):
        client.get(reverse("residents:take_part"))
    grow(1)
    # The household, its proposals, the projects it may support or comment on, its opinions, the
    # meetings and the activities.
    with django_assert_num_queries(6):
        client.get(reverse("residents:take_part"))
    grow(10)
    with django_assert_num_queries(6):
        page = client.get(reverse("residents:take_part"))
    text = page.content.decode()
    assert text.count("撤回附议") == 11
    assert text.count("提交意见") == 11
    assert text.count("本户已报名 2 人") == 22 + 1  # and the world's 说事会 ahead
    # Read again with nothing changed: the session and the page, both from the cache.
    with django_assert_num_queries(0):
        assert _without_csrf(client.get(reverse("residents:take_part"))) == _without_csrf(page)


def test_pets_are_registered_by_the_household_and_confirmed_by_staff(client, households, world):
    household_client(client, households.a)
    client.post(reverse("residents:pet_add"), {"name": "花花", "kind": "cat"})
    pet = Pet.objects.get(name="花花")
    assert pet.household == households.a and pet.status == "pending"
    mine = households.a.pets.get(name="豆豆")
    client.post(
        reverse("residents:pet_change", args=[mine.pk]),
        {"name": "豆豆", "kind": "dog", "vaccinated_on": "2022-10-01"},
    )
    mine.refresh_from_db()
    assert mine.vaccinated_on == datetime.date(2022, 10, 1) and mine.status == "pending"
    theirs = households.b.pets.create(name="旺财", kind="dog")
    assert (
        client.post(
            reverse("residents:pet_change", args=[theirs.pk]), {"name": "x", "kind": "cat"}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.name == "旺财"
    assert agreements.pets_confirm(pets=Pet.objects.all(), by=None) == 2


def test_resident_writes_need_a_session(client, households):
    assert (
        client.post(reverse("residents:pet_add"), {"name": "花花", "kind": "cat"}).status_code
        == 404
    )
    assert not Pet.objects.filter(name="花花").exists()


def test_the_command_writes_cards_and_refuses_pdf(households, world, tmp_path):
    out = tmp_path / "cards.html"
    call_command("household_codes", "--community", "正学社区", "--out", str(out))
    html = out.read_text()
    assert households.a.full_address in html and "<svg" in html
    households.a.refresh_from_db()
    assert households.a.code_hash
    card = next(c for c in html.split('class="card"') if households.a.full_address in c)
    code = card.split('class="code">')[1].split("<")[0]
    assert codes.household_by_code(code) == households.a
    csv_out = tmp_path / "cards.csv"
    call_command(
        "household_codes", "--community", "正学社区", "--compound", world.a.compound.name,
        "--building-group", world.a.building_group.name, "--out", str(csv_out),
    )  # fmt: skip
    rows = csv_out.read_bytes().decode("utf-8-sig").splitlines()
    assert rows[0].startswith("社区,") and len(rows) == 2
    assert codes.household_by_code(code) is None  # renewed
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="PDF"):
        call_command("household_codes", "--community", "正学社区", "--out", str(tmp_path / "x.pdf"))


def test_staff_make_codes_for_their_own_building_groups(login, users, world, households):
    client = login(users.staff_a)
    url = reverse("admin:communities_buildinggroup_changelist")
    data = {"action": "for_groups", "_selected_action": [world.a.building_group.pk]}
    ask = client.post(url, data)
    assert "生成并打印" in ask.content.decode()
    households.a.refresh_from_db()
    assert households.a.code_hash is None
    cards = client.post(url, data | {"apply": "1"})
    assert households.a.full_address in cards.content.decode()
    assert "no-store" in cards["Cache-Control"]
    households.a.refresh_from_db()
    assert households.a.code_hash
    # Community B's group is not theirs: nothing is made.
    login(users.staff_b).post(
        url, {"action": "for_groups", "_selected_action": [world.a.building_group.pk], "apply": "1"}
    )
    before = households.a.code_hash
    households.a.refresh_from_db()
    assert households.a.code_hash == before


# The household page cache (jinhai.caching.household_page).


@pytest.mark.parametrize("name", ["residents:my", "residents:take_part"])
def test_a_cached_household_page_is_that_households_alone(name, client, households):
    neighbour = HouseholdFactory(building_group=households.a.building_group, room="302")
    for household in (households.a, households.a):  # the second is served from the cache
        household_client(client, household)
        assert "301" in client.get(reverse(name)).content.decode()
    for household, room in ((neighbour, "302"), (households.b, households.b.room)):
        household_client(client, household)
        text = client.get(reverse(name)).content.decode()
        assert room in text and households.a.full_address not in text
    client.cookies.clear()
    assert "户码" in client.get(reverse(name)).content.decode()


def test_a_cached_page_carries_this_requests_csrf_token(households):
    from django.test import Client

    household_client(Client(), households.a).get(reverse("residents:my"))  # cached now
    phone = household_client(Client(enforce_csrf_checks=True), households.a)
    page = phone.get(reverse("residents:my"))
    assert caching.CSRF_MARK not in page.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    answer = phone.post(
        reverse("residents:pet_add"), {"name": "团团", "kind": "cat", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302 and households.a.pets.filter(name="团团").exists()
    # The write renewed the page, and the message it leaves is shown, not a cached page.
    assert "已提交,工作人员确认后生效" in phone.get(reverse("residents:my")).content.decode()
    assert "团团" in phone.get(reverse("residents:my")).content.decode()


@pytest.mark.parametrize("age, open_", [(89, True), (91, False)])
def test_a_session_lasts_90_days(age, open_, client, households):
    household_client(client, households.a)
    opened = timezone.now() - datetime.timedelta(days=age)
    HouseholdSession.objects.filter(household=households.a).update(opened_at=opened)
    # The signed cookie is fresh; the row's age alone decides.
    assert ("301" in client.get(reverse("residents:my")).content.decode()) is open_


def test_an_ended_session_gets_no_cached_page(client, households):
    household_client(client, households.a)
    assert "301" in client.get(reverse("residents:my")).content.decode()
    codes.codes_issue(households=Household.objects.filter(pk=households.a.pk))
    text = client.get(reverse("residents:my")).content.decode()
    assert "301" not in text and "户码" in text


def test_a_write_that_sends_no_signal_shows_after_data_changed(client, households):
    household_client(client, households.a)
    client.get(reverse("residents:my"))
    Pet.objects.filter(household=households.a).update(name="改名")
    caching.data_changed(community_id=households.a.community_id)
    assert "<strong>改名</strong>" in client.get(reverse("residents:my")).content.decode()
    response = client.get(reverse("residents:my"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# The remembered session (communities.codes, HOUSEHOLD_SESSION_CACHE_SECONDS).


def _stolen(client):
    """A second phone with the same cookie, as a copied cookie would give it."""
    from django.test import Client

    other = Client()
    other.cookies = client.cookies.__class__(client.cookies)
    return other


def test_a_logout_ends_a_remembered_session_everywhere_at_once(client, households):
    household_client(client, households.a)
    copy = _stolen(client)
    for phone in (client, copy):  # both remembered now, each page cached
        assert "301" in phone.get(reverse("residents:my")).content.decode()
    client.post(reverse("residents:logout"))
    text = copy.get(reverse("residents:my")).content.decode()
    assert "301" not in text and "户码" in text


def test_a_renewed_code_or_a_deleted_session_is_forgotten(client, households):
    household_client(client, households.a)
    copy = _stolen(client)
    assert "301" in copy.get(reverse("residents:my")).content.decode()
    codes.codes_issue(households=Household.objects.filter(pk=households.a.pk))
    assert "301" not in copy.get(reverse("residents:my")).content.decode()

    household_client(client, households.a)
    assert "301" in client.get(reverse("residents:my")).content.decode()
    HouseholdSession.objects.filter(household=households.a, ended_at__isnull=True).delete()
    assert "301" not in client.get(reverse("residents:my")).content.decode()


def test_a_session_is_remembered_no_longer_than_its_90_days(households, monkeypatch):
    key = codes.session_open(household=households.a)
    HouseholdSession.objects.filter(household=households.a).update(
        opened_at=timezone.now() - session.MAX_AGE + datetime.timedelta(seconds=30)
    )
    assert codes.session_of(key, max_age=session.MAX_AGE) is not None
    cache_key = codes.SESSION_CACHE_KEY.format(codes._hash("session:" + key))
    assert codes._remembered(cache_key) is not None
    later = codes.time.time() + 31
    monkeypatch.setattr(codes.time, "time", lambda: later)
    assert codes._remembered(cache_key) is None


@override_settings(HOUSEHOLD_SESSION_CACHE_SECONDS=0)
def test_without_the_session_cache_every_request_asks_the_database(
    client, households, django_assert_num_queries
):
    household_client(client, households.a)
    client.get(reverse("residents:my"))
    with django_assert_num_queries(1):
        assert "301" in client.get(reverse("residents:my")).content.decode()
