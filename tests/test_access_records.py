"""查阅记录: street staff read who looked at personal data in their subdistrict, in Chinese,
by staff member, by record and by date; community staff do not; superusers keep the raw log."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from communities.roles import STREET_STAFF
from jinhai.models import AccessRecord

from .chinese import english_words
from .conftest import _looked_at, _staff
from .factories import AppointmentFactory, VolunteerFactory

URL = reverse("admin:jinhai_accessrecord_changelist")


@pytest.fixture
def looked(world, users):
    """Who looked at what: A's and B's people by their own staff and the street, a person of
    another subdistrict by its own street staff, and one change that is not a look."""
    other_street = _staff("xidu", STREET_STAFF, subdistrict=world.other_subdistrict)
    a_account = world.a.points.household
    return {
        "a_by_staff_a": _looked_at(world.a.volunteer, by=users.staff_a),
        "a_appointment": _looked_at(world.a.appointment, by=users.street),
        "a_account": _looked_at(a_account, by=users.staff_a),
        "b_by_staff_b": _looked_at(world.b.volunteer, by=users.staff_b),
        "b_member": _looked_at(world.b.member, by=users.street),
        "elsewhere": _looked_at(world.elsewhere.volunteer, by=other_street),
        "org": _looked_at(world.orgs.service, by=users.street),
        "org_elsewhere": _looked_at(world.orgs.elsewhere, by=other_street),
    }


def shown(response):
    return {entry.pk for entry in response.context["cl"].result_list}


def test_street_staff_see_who_looked_at_their_subdistricts_people(world, users, login, looked):
    response = login(users.street).get(URL)
    assert response.status_code == 200
    ids = shown(response)
    mine = {"a_by_staff_a", "a_appointment", "a_account", "b_by_staff_b", "b_member", "org"}
    assert {looked[k].pk for k in mine} <= ids
    assert looked["elsewhere"].pk not in ids and looked["org_elsewhere"].pk not in ids
    # Only looks: changes stay in the raw log.
    assert set(LogEntry.objects.filter(pk__in=ids).values_list("action", flat=True)) == {
        LogEntry.Action.ACCESS
    }
    page = response.content.decode()
    assert "查阅记录" in page and "查阅人" in page and "被查阅的记录" in page
    assert world.b.volunteer.name in page and world.elsewhere.volunteer.name not in page


def test_another_subdistricts_entry_is_not_there(world, users, login, looked):
    client = login(users.street)
    url = reverse("admin:jinhai_accessrecord_change", args=[looked["elsewhere"].pk])
    assert client.get(url).status_code == 404
    own = reverse("admin:jinhai_accessrecord_change", args=[looked["b_member"].pk])
    response = client.get(own)
    assert response.status_code == 200
    assert world.b.member.name in response.content.decode()


def test_filter_by_staff_member_record_and_date(world, users, login, looked):
    client = login(users.street)
    by_staff_a = shown(client.get(URL, {"actor": users.staff_a.pk}))
    assert by_staff_a == {looked["a_by_staff_a"].pk, looked["a_account"].pk}
    # The actors offered are those who looked at something in this subdistrict.
    actors = dict(client.get(URL).context["cl"].filter_specs[0].lookup_choices)
    assert set(actors) == {str(u.pk) for u in (users.street, users.staff_a, users.staff_b)}
    record = f"volunteers.volunteer:{world.a.volunteer.pk}"
    response = client.get(URL, {"record": record})
    about_a = shown(response)
    assert looked["a_by_staff_a"].pk in about_a and looked["a_appointment"].pk not in about_a
    assert all(e.object_id == world.a.volunteer.pk for e in response.context["cl"].result_list)
    # A record of another subdistrict named in the address shows nothing.
    other = f"volunteers.volunteer:{world.elsewhere.volunteer.pk}"
    assert shown(client.get(URL, {"record": other})) == set()
    assert shown(client.get(URL, {"record": "nonsense"})) == set()
    # By date: the admin's date filter and date drill-down.
    old = looked["b_member"]
    LogEntry.objects.filter(pk=old.pk).update(
        timestamp=timezone.now() - datetime.timedelta(days=400)
    )
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = shown(client.get(URL, {"timestamp__gte": midnight.isoformat()}))
    assert old.pk not in today and looked["a_by_staff_a"].pk in today
    year = timezone.localtime(timezone.now() - datetime.timedelta(days=400)).year
    assert shown(client.get(URL, {"timestamp__year": year})) == {old.pk}
    # By kind of record: the kinds a street office reaches (not staff accounts).
    assert shown(client.get(URL, {"kind": "self_governance.account"})) == {looked["a_account"].pk}
    kinds = dict(client.get(URL).context["cl"].filter_specs[1].lookup_choices)
    assert "volunteers.volunteer" in kinds and "auth.user" not in kinds
    # And by name.
    assert shown(client.get(URL, {"q": world.b.volunteer.name})) == {looked["b_by_staff_b"].pk}


@pytest.mark.parametrize("user", ["staff_a", "staff_b", "viewer"])
def test_community_and_read_only_staff_cannot_read_it(world, users, login, looked, user):
    client = login(getattr(users, user))
    assert client.get(URL).status_code == 403
    entry = reverse("admin:jinhai_accessrecord_change", args=[looked["a_by_staff_a"].pk])
    assert client.get(entry).status_code == 403


def test_given_the_permission_a_community_still_sees_only_itself(world, users, login, looked):
    users.staff_a.user_permissions.add(Permission.objects.get(codename="view_accessrecord"))
    response = login(users.staff_a).get(URL)
    assert response.status_code == 200
    ids = shown(response)
    assert looked["a_by_staff_a"].pk in ids and looked["a_appointment"].pk in ids
    assert looked["b_by_staff_b"].pk not in ids and looked["b_member"].pk not in ids
    # A street-wide organization is the street's to oversee, but community staff read it.
    assert looked["elsewhere"].pk not in ids and looked["org_elsewhere"].pk not in ids


def test_superusers_keep_the_raw_log(world, users, login, looked):
    client = login(users.superuser)
    raw = client.get(reverse("admin:auditlog_logentry_changelist"))
    assert raw.status_code == 200
    assert raw.context["cl"].result_count == LogEntry.objects.count()
    everything = shown(client.get(URL))
    assert looked["elsewhere"].pk in everything and looked["org_elsewhere"].pk in everything


def test_opening_a_persons_record_shows_up_in_the_record(world, users, login):
    from volunteers.models import Volunteer

    person = world.b.volunteer
    login(users.staff_b).get(reverse("admin:volunteers_volunteer_change", args=[person.pk]))
    street = login(users.street)
    response = street.get(URL, {"record": f"volunteers.volunteer:{person.pk}"})
    rows = response.context["cl"].result_list
    assert [entry.actor for entry in rows[:1]] == [users.staff_b]
    assert rows[0].content_type.model_class() is Volunteer
    text = response.content.decode()
    assert "staff_b" in text and person.name in text


def test_the_raw_log_shows_changes_in_chinese(world, users, login):
    volunteer = world.a.volunteer
    volunteer.name = "改过的名字"
    volunteer.save()
    entry = (
        LogEntry.objects.get_for_object(volunteer)
        .filter(action=LogEntry.Action.UPDATE)
        .latest("timestamp")
    )
    client = login(users.superuser)
    page = client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()
    assert "<th>字段</th><th>原值</th><th>新值</th>" in page
    assert "<td>姓名</td>" in page and "改过的名字" in page
    listing = client.get(reverse("admin:auditlog_logentry_changelist")).content.decode()
    assert "改动 1 项:姓名" in listing
    assert english_words(entry.get_action_display()) == []


def grow_tenfold(world, users):
    """Ten times the looks: more people looked at, by more staff, on more days."""
    for i in range(10):
        staff = _staff(f"look{i}", STREET_STAFF, subdistrict=world.subdistrict)
        person = VolunteerFactory(community=world.a.community)
        appointment = AppointmentFactory(
            volunteer=person,
            building_group=world.a.building_group,
            start=datetime.date(2020, 1, 1),
            end=datetime.date(2021, 1, 1),
        )
        for record in (person, appointment, world.b.volunteer, world.elsewhere.volunteer):
            entry = _looked_at(record, by=staff)
            LogEntry.objects.filter(pk=entry.pk).update(
                timestamp=timezone.now() - datetime.timedelta(days=40 * i)
            )


# The session, the user and their permissions (2), the staff profile (scope), the actors the
# filter offers, the bounded count (never a second, unfiltered one: jinhai.admin), the page's
# rows, the date drill-down (2), and the session's idle timestamp saved (3, in a savepoint).
QUERIES = 13


@pytest.mark.parametrize(
    "query",
    [{}, {"actor": "street"}, {"record": "a.volunteer"}, {"q": "楼组长"}],
    ids=["all", "by staff", "by record", "search"],
)
def test_queries_are_pinned_and_flat(world, users, login, looked, query, django_assert_num_queries):
    values = {
        "actor": lambda: users.street.pk,
        "record": lambda: f"volunteers.volunteer:{world.a.volunteer.pk}",
        "q": lambda: "楼组长",
    }
    params = {key: values[key]() for key in query}
    client = login(users.street)
    client.get(URL)  # the session is warm, as it is for a worker
    with django_assert_num_queries(QUERIES + ("record" in params)):
        before = client.get(URL, params)
    grow_tenfold(world, users)
    with django_assert_num_queries(QUERIES + ("record" in params)):
        after = client.get(URL, params)
    assert before.status_code == after.status_code == 200
    if not params or "q" in params:
        assert len(after.context["cl"].result_list) > len(before.context["cl"].result_list)


def test_access_record_is_a_view_of_the_audit_log():
    assert AccessRecord._meta.proxy and AccessRecord._meta.concrete_model is LogEntry
    assert AccessRecord._meta.default_permissions == ("view",)
