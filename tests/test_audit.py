"""The audit trail of personal data, and the retention purge."""

import datetime
from io import StringIO

from auditlog.models import LogEntry
from django.core.management import call_command
from django.urls import reverse

from volunteers.models import Volunteer

from .factories import AppointmentFactory, VolunteerFactory


def logs(obj):
    return LogEntry.objects.get_for_object(obj)


def test_staff_change_is_logged_with_actor_and_masked_phone(world, users, login):
    volunteer = world.a.volunteer
    client = login(users.staff_a)
    url = reverse("admin:volunteers_volunteer_change", args=[volunteer.pk])
    response = client.post(
        url,
        {
            "community": world.a.community.pk,
            "name": "改过的名字",
            "mobile": "13812345678",
            "gender": "",
            "political_status": "",
            "notes": "",
            "appointments-TOTAL_FORMS": "0",
            "appointments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    change = logs(volunteer).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert change.actor == users.staff_a
    assert change.changes_dict["name"][1] == "改过的名字"
    assert "13812345678" not in str(change.changes) and "5678" in str(change.changes)


def test_viewing_a_persons_record_is_logged(world, users, login):
    volunteer = world.a.volunteer
    before = logs(volunteer).filter(action=LogEntry.Action.ACCESS).count()
    login(users.street).get(reverse("admin:volunteers_volunteer_change", args=[volunteer.pk]))
    access = logs(volunteer).filter(action=LogEntry.Action.ACCESS)
    assert access.count() == before + 1
    assert access.latest("timestamp").actor == users.street


def test_only_superusers_read_the_audit_log(world, users, login):
    url = reverse("admin:auditlog_logentry_changelist")
    assert login(users.street).get(url).status_code == 403
    assert login(users.superuser).get(url).status_code == 200


def test_retention_anonymises_people_whose_roles_ended_long_ago(world, users):
    long_gone = VolunteerFactory(community=world.a.community, name="老楼组长", mobile="13700000001")
    AppointmentFactory(
        volunteer=long_gone,
        building_group=world.a.building_group,
        start=datetime.date(2015, 1, 1),
        end=datetime.date(2018, 1, 1),
    )
    recent = VolunteerFactory(community=world.a.community, name="刚离任", mobile="13700000002")
    AppointmentFactory(
        volunteer=recent,
        building_group=world.a.building_group,
        start=datetime.date(2015, 1, 1),
        end=datetime.date.today() - datetime.timedelta(days=30),
    )
    assert logs(long_gone).exists()
    from django.contrib.admin.models import CHANGE
    from django.contrib.admin.models import LogEntry as AdminLogEntry
    from django.contrib.contenttypes.models import ContentType

    AdminLogEntry.objects.log_actions(users.street.pk, [long_gone], CHANGE, change_message="改电话")
    out = StringIO()
    call_command("purge_personal_data", "--years", "3", "--dry-run", stdout=out)
    assert "将匿名化 1 人" in out.getvalue()
    assert Volunteer.objects.get(pk=long_gone.pk).name == "老楼组长"

    call_command("purge_personal_data", "--years", "3", stdout=StringIO())
    gone = Volunteer.objects.get(pk=long_gone.pk)
    assert gone.name == "已匿名" and gone.mobile != "13700000001"
    assert not logs(long_gone).exists()
    assert not AdminLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Volunteer), object_id=str(long_gone.pk)
    ).exists()
    assert Volunteer.objects.get(pk=recent.pk).name == "刚离任"
    assert Volunteer.objects.get(pk=world.a.volunteer.pk).name == "正学楼组长"  # still serving
    # Their history stays, as statistics.
    assert gone.appointments.count() == 1
