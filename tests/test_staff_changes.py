"""One-step changes and the rules dates keep (issue 16, items 3 and 4): 更换楼组长/街面长 in one
transaction, errors that name the record in the way, pickers that rank the exact match first,
and nothing that happened dated in the future or before what it depends on."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from self_governance.fund import services as fund_services
from self_governance.fund.models import DiscussionMeeting
from volunteers import services
from volunteers.models import Appointment, Volunteer

from .factories import (
    BuildingGroupFactory,
    DiscussionMeetingFactory,
    EnrollmentFactory,
    FundProjectFactory,
    InspectionFactory,
    VolunteerFactory,
    project_move,
)

D = datetime.date
REPLACE = "admin:volunteers_appointment_replace"


def _today():
    return timezone.localdate()


# 更换楼组长/街面长


def test_replacing_with_a_new_person_is_one_step(world):
    old = world.a.appointment
    new = services.leader_replace(
        unit=world.a.building_group,
        start=D(2026, 3, 1),
        name="李新",
        mobile="139 0000 1111",
        reason="搬离本楼",
    )
    old.refresh_from_db()
    assert old.end == D(2026, 2, 28) and old.end_reason == "搬离本楼"
    assert new.is_current and new.volunteer.name == "李新" and new.volunteer.mobile == "13900001111"
    assert new.volunteer.community == world.a.community


def test_the_old_term_may_end_the_same_day(world):
    newcomer = VolunteerFactory(community=world.a.community)
    services.leader_replace(
        unit=world.a.building_group, start=D(2026, 3, 1), volunteer=newcomer, old_ends_same_day=True
    )
    world.a.appointment.refresh_from_db()
    assert world.a.appointment.end == D(2026, 3, 1)


def test_a_refused_replacement_leaves_nobody_behind(world):
    before = Volunteer.objects.count()
    with pytest.raises(ValidationError, match="晚于原任"):
        services.leader_replace(
            unit=world.a.building_group, start=D(2020, 1, 1), name="李新", mobile="13900001111"
        )
    assert Volunteer.objects.count() == before
    assert world.a.appointment in Appointment.objects.current()
    # A mobile of someone in this community names them; another community's stays anonymous.
    with pytest.raises(ValidationError, match="本社区志愿者正学楼组长"):
        services.leader_replace(
            unit=world.a.building_group,
            start=D(2026, 3, 1),
            name="王五",
            mobile=world.a.volunteer.mobile,
        )
    with pytest.raises(ValidationError) as refused:
        services.leader_replace(
            unit=world.a.building_group,
            start=D(2026, 3, 1),
            name="王五",
            mobile=world.b.volunteer.mobile,
        )
    assert "丰乐" not in str(refused.value) and "另一位志愿者" in str(refused.value)
    with pytest.raises(ValidationError, match="不是该楼组或街面所在社区"):
        services.leader_replace(
            unit=world.a.building_group, start=D(2026, 3, 1), volunteer=world.b.volunteer
        )


def test_the_replace_page_shows_the_leader_and_replaces_in_one_post(world, users, login):
    client = login(users.staff_a)
    url = reverse(REPLACE) + f"?building_group={world.a.building_group.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert "现任楼组长" in page.content.decode() and "正学楼组长" in page.content.decode()
    response = client.post(
        url,
        {"name": "李新", "mobile": "13900001111", "start": "2026-03-01", "old_end": "before",
         "reason": "换人"},
    )  # fmt: skip
    new = Appointment.objects.current().get(building_group=world.a.building_group)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:volunteers_appointment_change", args=[new.pk])
    assert new.volunteer.name == "李新"
    # Without a unit the page asks for one; another community's unit is not there.
    assert "下一步" in client.get(reverse(REPLACE)).content.decode()
    other = reverse(REPLACE) + f"?building_group={world.b.building_group.pk}"
    assert client.get(other).status_code == 404
    assert login(users.viewer).get(url).status_code == 403


def test_the_replace_page_says_what_is_wrong_and_changes_nothing(world, users, login):
    client = login(users.staff_a)
    url = reverse(REPLACE) + f"?street_zone={world.a.street_zone.pk}"
    response = client.post(url, {"start": "2026-03-01", "old_end": "before", "reason": "换人"})
    assert response.status_code == 200
    assert "请选择一位已有志愿者,或填写新任的姓名和手机号" in response.content.decode()
    assert Appointment.objects.current().filter(street_zone=world.a.street_zone).count() == 1


def test_the_error_names_the_leader_in_the_way_and_links_to_them(world, users, login):
    newcomer = VolunteerFactory(community=world.a.community, name="张三")
    second = Appointment(
        volunteer=newcomer,
        kind="building",
        building_group=world.a.building_group,
        start=D(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as refused:
        second.full_clean()
    assert refused.value.messages == [
        "该楼组已有一名在任楼组长:正学楼组长(2022-07-15 起)。"
        "请先结束其任期,或用“更换楼组长/街面长”一步完成。"
    ]
    response = login(users.staff_a).post(
        reverse("admin:volunteers_appointment_add"),
        {"volunteer": newcomer.pk, "kind": "building", "building_group": world.a.building_group.pk,
         "start": "2026-01-01"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    change = reverse("admin:volunteers_appointment_change", args=[world.a.appointment.pk])
    assert f'<a href="{change}">查看该任职</a>' in body
    assert f"{reverse(REPLACE)}?building_group={world.a.building_group.pk}" in body


# Pickers


def _autocomplete(client, model, field, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "volunteers", "model_name": "appointment", "field_name": field, "term": term},
    )
    assert response.status_code == 200, model
    return [row["text"] for row in json.loads(response.content)["results"]]


def test_pickers_rank_the_exact_match_first_and_show_context(world, users, login):
    for name in ["15号楼", "25号楼", "5号楼", "5号楼东"]:
        BuildingGroupFactory(compound=world.a.compound, name=name)
    client = login(users.staff_a)
    found = _autocomplete(client, "buildinggroup", "building_group", "正学苑 5号楼")
    assert found[:2] == ["正学苑 5号楼", "正学苑 5号楼东"]
    assert set(found[2:]) == {"正学苑 15号楼", "正学苑 25号楼"}
    VolunteerFactory(community=world.a.community, name="正学楼组长助理")
    people = _autocomplete(client, "volunteer", "volunteer", "正学楼组长")
    assert people[0] == "正学楼组长(正学社区 · 楼组长 正学苑 1号楼)"
    assert people[1] == "正学楼组长助理(正学社区)"
    assert not any("丰乐" in p for p in people)


# Dates


def test_nothing_that_happened_is_dated_in_the_future(world):
    tomorrow = _today() + datetime.timedelta(days=1)
    # A meeting ahead is announced for sign-ups; who came is counted only once it is held.
    meeting = DiscussionMeetingFactory.build(community=world.a.community, date=tomorrow)
    with pytest.raises(ValidationError, match="会议还没有召开,参加人数在会后填写"):
        meeting.full_clean()
    meeting.participants = None
    meeting.full_clean()
    meeting.date = _today() + datetime.timedelta(days=400)
    with pytest.raises(ValidationError, match="最多提前一年"):
        meeting.full_clean()
    inspection = InspectionFactory.build(enrollment=world.fund.enrollment, date=tomorrow)
    with pytest.raises(ValidationError, match="检查日期.*不能晚于今天"):
        inspection.full_clean()
    fix = world.fund.rectification
    fix.status, fix.done_on = "done", tomorrow
    with pytest.raises(ValidationError, match="完成日期.*不能晚于今天"):
        fix.full_clean()
    with pytest.raises(ValidationError, match="支出日期.*不能晚于今天"):
        fund_services.expenditure_add(
            project=world.fund.project,
            date=tomorrow,
            amount="100",
            payee="某公司",
            purpose="材料",
            by=None,
        )


def test_moves_and_payments_come_after_what_they_depend_on(world):
    # A payment before the project's 立项 (2022-06-06 in the test world).
    with pytest.raises(ValidationError, match=r"不能早于项目立项日期.2022-06-06"):
        fund_services.expenditure_add(
            project=world.fund.project,
            date=D(2022, 6, 1),
            amount="100",
            payee="某公司",
            purpose="材料",
            by=None,
        )
    # 立项 before its meeting: the only meeting about it is still to come.
    project = FundProjectFactory(community=world.a.community, year=_today().year)
    fund_services.allocation_save(
        allocation=world.fund.allocation.__class__(
            community=world.a.community, year=_today().year, amount=100000
        )
    )
    for step in ["discussing", "publicising"]:
        project_move(project, step)
    planned = DiscussionMeetingFactory.build(
        community=world.a.community, project=project, date=_today() + datetime.timedelta(days=5)
    )
    planned.save()  # as if typed before this rule existed
    with pytest.raises(ValidationError, match="立项须在讨论会之后"):
        fund_services.project_move(project=project, to="approved", by=None, approved_amount="1000")
    planned.date = _today()
    planned.save()
    assert fund_services.project_move(
        project=project, to="approved", by=None, approved_amount="1000"
    )
    # An inspection before the building group enrolled.
    group = BuildingGroupFactory(compound=world.a.compound)
    enrollment = EnrollmentFactory(
        campaign=world.fund.campaign, building_group=group, enrolled_on=D(2022, 5, 1)
    )
    with pytest.raises(ValidationError, match="不能早于该楼组的报名日期"):
        InspectionFactory.build(enrollment=enrollment, date=D(2022, 4, 1)).full_clean()


def test_the_admin_counts_a_meeting_only_once_it_is_held(world, users, login):
    tomorrow = _today() + datetime.timedelta(days=1)
    client = login(users.staff_a)
    url = reverse("admin:self_governance_discussionmeeting_add")
    data = {"community": world.a.community.pk, "topic": "说事会", "date": f"{tomorrow:%Y-%m-%d}"}
    response = client.post(url, {**data, "participants": 10})
    assert response.status_code == 200
    assert "会议还没有召开,参加人数在会后填写" in response.content.decode()
    yesterday = _today() - datetime.timedelta(days=1)
    response = client.post(url, {**data, "date": f"{yesterday:%Y-%m-%d}"})
    assert "已召开的会议须填写参加人数" in response.content.decode()
    response = client.post(url, {**data, "signup_open": "on", "capacity": 30})
    assert response.status_code == 302
    assert DiscussionMeeting.objects.get(topic="说事会").takes_signups()


# 换届: a new roster replaces the old one for the communities in the file.


def test_a_new_roster_replaces_the_old_one_with_a_preview(world, users):
    from volunteers.resources import LeadersRenewalResource

    from .sheets import csv_bytes
    from .test_volunteers import run

    header = ["社区", "类型", "姓名", "手机号", "小区", "楼组", "街面", "推选日期"]
    zone = world.a.street_zone.name
    rows = [
        header,
        ["正学社区", "楼组长", "陈新", "13900003333", "正学苑", "1号楼", "", "2026-07-15"],
        # The street leader is named again: stays. No row for B: B's roster is untouched.
        [
            "正学社区",
            "街面长",
            "正学街面长",
            world.a.street_leader.mobile,
            "",
            "",
            zone,
            "2026-07-15",
        ],
    ]
    before = list(Appointment.objects.order_by("pk").values_list("pk", "end"))
    preview = run(LeadersRenewalResource, users.staff_a, csv_bytes(rows), dry_run=True)
    assert not preview.has_errors() and not preview.error_items, preview.error_items
    assert preview.created == 1
    notes = "".join(preview.notes)
    assert "1 人离任" in notes and "正学楼组长(正学苑 1号楼)" in notes and "1 人新任" in notes
    assert list(Appointment.objects.order_by("pk").values_list("pk", "end")) == before

    run(LeadersRenewalResource, users.staff_a, csv_bytes(rows))
    world.a.appointment.refresh_from_db()
    assert world.a.appointment.end == D(2026, 7, 15) and world.a.appointment.end_reason == "换届"
    new = Appointment.objects.current().get(building_group=world.a.building_group)
    assert new.volunteer.name == "陈新" and new.start == D(2026, 7, 15)
    assert Appointment.objects.current().filter(
        street_zone=world.a.street_zone
    ).get().volunteer == (world.a.street_leader)
    assert Appointment.objects.current().filter(volunteer__community=world.b.community).count() == 2
    # The same file again changes nothing; a row without 推选日期 is refused.
    again = list(Appointment.objects.order_by("pk").values_list("pk", "end", "volunteer_id"))
    run(LeadersRenewalResource, users.staff_a, csv_bytes(rows))
    assert (
        list(Appointment.objects.order_by("pk").values_list("pk", "end", "volunteer_id")) == again
    )
    rows[1][-1] = ""
    refused = run(LeadersRenewalResource, users.staff_a, csv_bytes(rows))
    assert any(column == "推选日期" for _, column, _ in refused.error_items)
