"""The tick-list screens (volunteers/bulk.py): a training's attendance and an activity's hours.

应到 is the invited list, a street-wide training of 500 leaders saves in one POST, the pages'
queries do not grow with the people listed, and the training and activity pages no longer list
their rows inline.
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from volunteers.models import Attendance, Participation, Training

from .factories import (
    AppointmentFactory,
    BuildingGroupFactory,
    CompoundFactory,
    ParticipationFactory,
    VolunteerFactory,
)


def attendance_url(training):
    return reverse("admin:volunteers_training_attendance", args=[training.pk])


def hours_url(activity):
    return reverse("admin:volunteers_activity_participants", args=[activity.pk])


def leaders(community, n, *, compound_name="新苑"):
    compound = CompoundFactory(community=community, name=f"{community.name[:2]}{compound_name}")
    made = []
    for i in range(n):
        group = BuildingGroupFactory(compound=compound, name=f"{i + 1}号楼")
        person = VolunteerFactory(community=community, name=f"{compound_name}{i + 1}")
        AppointmentFactory(volunteer=person, building_group=group)
        made.append(person)
    return made


def posted_fields(html: str) -> list[str]:
    """The names of the fields the page's form posts (one per value, as a browser sends)."""
    inputs = re.findall(r"<input[^>]*>", html)
    return [
        re.search(r'name="([^"]+)"', tag)[1]
        for tag in inputs
        if 'name="' in tag and 'type="submit"' not in tag
    ]


def test_invited_list_is_the_leaders_and_absent_ones_count(world, users, login):
    client = login(users.staff_a)
    more = leaders(world.a.community, 3)
    training = world.a.training
    page = client.get(attendance_url(training))
    assert page.status_code == 200
    html = page.content.decode()
    for person in [world.a.volunteer, world.a.street_leader, *more]:
        assert person.name in html
    assert world.b.volunteer.name not in html
    invited = [world.a.volunteer, world.a.street_leader, *more]
    response = client.post(
        attendance_url(training),
        {
            "listed": ",".join(str(p.pk) for p in invited),
            "ticked": [more[0].pk, world.a.volunteer.pk],
        },
    )
    assert response.status_code == 302
    rows = dict(Attendance.objects.filter(training=training).values_list("volunteer", "attended"))
    assert rows == {p.pk: p in (more[0], world.a.volunteer) for p in invited}
    listed = client.get(reverse("admin:volunteers_training_changelist")).content.decode()
    assert "登记签到" in listed
    figures = Training.objects.with_attendance().get(pk=training.pk)
    assert (figures.n_invited, figures.n_attended) == (5, 2)  # 应到 5, not the 2 who came


def test_attendance_refuses_someone_not_on_the_list(world, users, login):
    client = login(users.staff_a)
    url = attendance_url(world.a.training)
    before = list(Attendance.objects.values_list("pk", "attended"))
    # Another community's leader: not on A's list, so nothing is written and nothing is named.
    response = client.post(
        url, {"listed": f"{world.a.volunteer.pk},{world.b.volunteer.pk}", "ticked": []}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "名单已有变化" in html and world.b.volunteer.name not in html
    response = client.post(url, {"listed": "1,abc", "ticked": []})
    assert response.status_code == 200 and "名单有误" in response.content.decode()
    assert list(Attendance.objects.values_list("pk", "attended")) == before


def test_street_training_community_staff_record_their_own(world, users, login):
    training = world.street_training
    page = login(users.staff_b).get(attendance_url(training)).content.decode()
    assert world.b.volunteer.name in page and world.a.volunteer.name not in page
    page = login(users.street).get(attendance_url(training)).content.decode()
    assert world.b.volunteer.name in page and world.a.volunteer.name in page
    assert "正学社区 · 正学苑" in page  # a street-wide list groups by community and compound
    assert world.elsewhere.volunteer.name not in page  # another subdistrict's


def test_street_wide_training_of_500_saves_in_one_post(world, users, login):
    people = leaders(world.a.community, 250) + leaders(world.b.community, 246)
    client = login(users.street)
    url = attendance_url(world.street_training)
    html = client.get(url).content.decode()
    fields = posted_fields(html)
    assert fields.count("ticked") == 500  # 496 + the two leaders of each community
    # Every box ticked: the most a browser posts from this page.
    assert len(fields) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    listed = re.search(r'name="listed" value="([^"]*)"', html)[1]
    ids = listed.split(",")
    assert len(ids) == 500
    response = client.post(url, {"csrfmiddlewaretoken": "x", "listed": listed, "ticked": ids})
    assert response.status_code == 302
    assert Attendance.objects.filter(training=world.street_training, attended=True).count() == 500
    assert people[0].attendances.get().attended


def test_training_page_lists_no_rows_and_links_the_screen(world, users, login):
    client = login(users.street)
    for person in leaders(world.a.community, 30):
        Attendance.objects.create(training=world.street_training, volunteer=person)
    html = client.get(
        reverse("admin:volunteers_training_change", args=[world.street_training.pk])
    ).content.decode()
    assert "attendances-TOTAL_FORMS" not in html
    assert "应到 30 人,出席 30 人" in html and attendance_url(world.street_training) in html
    html = client.get(
        reverse("admin:volunteers_activity_change", args=[world.a.activity.pk])
    ).content.decode()
    assert "participations-TOTAL_FORMS" not in html and hours_url(world.a.activity) in html


def test_hours_tick_fill_and_untick(world, users, login):
    client = login(users.staff_a)
    url = hours_url(world.a.activity)
    extra = VolunteerFactory(community=world.a.community, name="热心居民")
    html = client.get(url).content.decode()
    assert "热心居民" in html and "其他志愿者" in html
    assert world.b.volunteer.name not in html
    listed = f"{world.a.volunteer.pk},{world.a.street_leader.pk},{extra.pk}"
    response = client.post(
        url,
        {
            "listed": listed,
            "ticked": [world.a.street_leader.pk, extra.pk],
            "fill": "2",
            f"hours_{extra.pk}": "3.5",
            f"hours_{world.a.volunteer.pk}": "3",
        },
    )
    assert response.status_code == 302
    rows = dict(world.a.activity.participations.values_list("volunteer", "hours"))
    # The leader was unticked: their 3 hours are gone; the street leader took the fill-in.
    assert rows == {world.a.street_leader.pk: Decimal("2"), extra.pk: Decimal("3.5")}


@pytest.mark.parametrize("hours", ["", "abc", "30", "1.25"])
def test_hours_refused_change_nothing(world, users, login, hours):
    client = login(users.staff_a)
    before = list(Participation.objects.values_list("pk", "hours"))
    response = client.post(
        hours_url(world.a.activity),
        {
            "listed": str(world.a.street_leader.pk),
            "ticked": [world.a.street_leader.pk],
            f"hours_{world.a.street_leader.pk}": hours,
        },
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert list(Participation.objects.values_list("pk", "hours")) == before


def _grow(world, times):
    for community in (world.a.community, world.b.community):
        leaders(community, times, compound_name=f"扩{times}苑")
        for _ in range(times):
            person = VolunteerFactory(community=community)
            ParticipationFactory(
                activity=world.a.activity if community == world.a.community else world.b.activity,
                volunteer=person,
                hours=1,
            )


@pytest.mark.parametrize(
    "name,user,queries",
    [
        ("attendance", "street", 11),
        ("attendance", "staff_a", 11),
        ("hours", "staff_a", 12),
    ],
)
def test_bulk_screens_queries_are_flat(
    world, users, login, django_assert_num_queries, name, user, queries
):
    # Session (read, and its expiry renewed: three), user, staff profile, the training or
    # activity, the user's two kinds of permissions, the leaders at their posts, the recorded
    # rows (and, for hours, the volunteers who lead nothing).
    client = login(getattr(users, user))
    url = (
        attendance_url(world.street_training)
        if name == "attendance"
        else hours_url(world.a.activity)
    )
    for times in (3, 30):
        _grow(world, times)
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


def test_saving_500_is_a_few_queries(world, users, login, django_assert_max_num_queries):
    leaders(world.a.community, 500)
    client = login(users.street)
    url = attendance_url(world.street_training)
    html = client.get(url).content.decode()
    listed = re.search(r'name="listed" value="([^"]*)"', html)[1]
    with django_assert_max_num_queries(30):
        response = client.post(url, {"listed": listed, "ticked": listed.split(",")[:300]})
    assert response.status_code == 302


# Inlines: none lists rows without bound.

# Inlines whose rows are few by nature, with the reason; every other inline sets max_rows.
FEW_BY_NATURE = {
    "AppointmentInline": "one person's posts",
    "CommitteeMemberInline": "the seats of one election",
    "StaffProfileInline": "one profile per account",
    "CampaignStandardInline": "a campaign's standard items",
    "InspectionScoreInline": "one score per standard item",
    "ContestRoundInline": "a contest's rounds",
    "PetInline": "one household's pets",
    "ReportPhotoInline": "the photos of one report",
    "ActivityPhotoInline": "the photos of one activity",
}


def test_every_inline_is_bounded():
    from django.contrib import admin

    unbounded = []
    for model_admin in admin.site._registry.values():
        for inline in model_admin.inlines:
            if getattr(inline, "max_rows", None) is None and inline.__name__ not in FEW_BY_NATURE:
                unbounded.append(f"{type(model_admin).__name__}.{inline.__name__}")
    assert unbounded == []


def test_a_bounded_inline_shows_fifty_and_links_the_rest(world, users, login):
    for n in range(2, 57):
        BuildingGroupFactory(compound=world.a.compound, name=f"{n}号楼")
    client = login(users.staff_a)
    url = reverse("admin:communities_compound_change", args=[world.a.compound.pk])
    html = client.get(url).content.decode()
    assert 'name="building_groups-INITIAL_FORMS" value="50"' in html
    assert "共 56 条" in html
    assert f"compound__exact={world.a.compound.pk}" in html
    listed = client.get(
        reverse("admin:communities_buildinggroup_changelist"),
        {"compound__exact": world.a.compound.pk},
    )
    assert listed.status_code == 200
