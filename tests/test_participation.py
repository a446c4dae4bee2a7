"""参与议事: the 公示 as a notice period with households' opinions (意见), and sign-ups (报名) for
meetings and volunteer activities, through real URLs as the named users."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from communities import signups
from jinhai import todo
from self_governance.fund import services
from self_governance.fund.models import DiscussionMeeting, FundProject
from self_governance.fund.participation import MeetingSignup, Opinion
from volunteers.models import ActivitySignup

from .conftest import household_client
from .factories import DiscussionMeetingFactory, FundProjectFactory, project_move

TODAY = timezone.localdate


def _notice(community, **kwargs):
    """A project of `community` whose notice went up today, for the default 7 days."""
    project = FundProjectFactory(community=community, title="正学苑楼道扶手加装")
    DiscussionMeetingFactory(community=community, project=project)
    services.project_move(project=project, to="discussing", by=None)
    services.project_move(project=project, to="publicising", by=None, **kwargs)
    project.refresh_from_db()
    return project


def test_the_notice_runs_its_days_before_approval(world):
    project = _notice(world.a.community)
    assert (project.notice_from, project.notice_until) == (
        TODAY(),
        TODAY() + datetime.timedelta(days=6),
    )
    assert project.moves.last().note.endswith(
        f"公示期 {TODAY():%Y-%m-%d} 至 {project.notice_until:%Y-%m-%d}"
    )
    with pytest.raises(ValidationError, match="期满后.*才能立项"):
        services.project_move(project=project, to="approved", by=None, approved_amount="1000")
    assert FundProject.objects.get(pk=project.pk).status == "publicising"
    FundProject.objects.filter(pk=project.pk).update(
        notice_from=TODAY() - datetime.timedelta(days=7),
        notice_until=TODAY() - datetime.timedelta(days=1),
    )
    project.refresh_from_db()
    services.project_move(project=project, to="approved", by=None, approved_amount="1000")


def test_staff_set_the_notice_start_and_length_within_bounds(world):
    other = FundProjectFactory(community=world.a.community, title="另一个")
    services.project_move(project=other, to="discussing", by=None)
    for kwargs, message in [
        ({"notice_days": 0}, "公示天数须在 1 到 30 天之间"),
        ({"notice_days": "七"}, "不是整数"),
        ({"notice_from": TODAY() + datetime.timedelta(days=40)}, "离今天太远"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.project_move(project=other, to="publicising", by=None, **kwargs)
    assert FundProject.objects.get(pk=other.pk).notice_from is None
    with pytest.raises(ValidationError, match="只在变更为“公示”时填写"):
        services.project_move(project=other, to="rejected", by=None, notice_days=5)
    start = TODAY() + datetime.timedelta(days=2)
    services.project_move(
        project=other, to="publicising", by=None, notice_from=start, notice_days=10
    )
    other.refresh_from_db()
    assert (other.notice_from, other.notice_days) == (start, 10)
    assert not other.notice_running()  # not up yet


def test_the_admin_move_page_sets_the_notice_and_shows_every_opinion(world, users, login):
    project = _notice(world.a.community)
    Opinion.objects.create(project=project, household=world.a.points.household.household,
                           text="扶手高度请按老人身高定。")  # fmt: skip
    page = login(users.staff_a).get(
        reverse("admin:self_governance_fundproject_move", args=[project.pk]) + "?to=approved"
    )
    assert "扶手高度请按老人身高定" in page.content.decode()
    other = FundProjectFactory(community=world.a.community, title="三号楼晾衣架")
    services.project_move(project=other, to="discussing", by=None)
    url = reverse("admin:self_governance_fundproject_move", args=[other.pk])
    response = login(users.staff_a).post(
        url, {"to": "publicising", "notice_from": f"{TODAY():%Y-%m-%d}", "notice_days": "5"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.notice_until == TODAY() + datetime.timedelta(days=4)


def test_a_household_leaves_an_opinion_that_staff_publish(client, households, world, users, login):
    project = _notice(world.a.community)
    household_client(client, households.a)
    page = client.get(reverse("residents:take_part")).content.decode()
    assert f'action="/my/projects/{project.pk}/opinion/"' in page
    url = reverse("residents:opinion", args=[project.pk])
    response = client.post(url, {"text": "<b>扶手</b>请装两侧,联系我 13812345678"})
    assert response.status_code == 302
    opinion = Opinion.objects.get(project=project)
    assert (opinion.state, opinion.household) == ("pending", households.a)
    assert LogEntry.objects.get_for_object(opinion).exists()
    mine = client.get(reverse("residents:take_part")).content.decode()
    assert "&lt;b&gt;扶手&lt;/b&gt;" in mine and "待审核" in mine

    public = reverse("fund:project", args=[project.pk])
    client.cookies.clear()
    text = client.get(public).content.decode()
    assert "收到住户意见 <strong>1</strong> 条,经审核公开 0 条" in text
    assert "扶手</b>" not in text and "请装两侧" not in text

    # Staff of another community never see it; community A's staff publish it with a reply.
    change = reverse("admin:self_governance_opinion_change", args=[opinion.pk])
    assert login(users.staff_b).get(change).status_code in (302, 404)
    assert any(t.title == project.title for t in _tasks(users.staff_a, "fund_opinions_to_moderate"))
    assert _tasks(users.staff_b, "fund_opinions_to_moderate") == []
    response = login(users.staff_a).post(
        change, {"decision": "publish", "reply": "已请施工方按两侧设计。"}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert (opinion.state, opinion.moderated_by) == ("published", users.staff_a)
    client.logout()
    text = client.get(public).content.decode()
    assert "请装两侧" in text and "已请施工方按两侧设计" in text
    assert "13812345678" not in text  # masked, whatever a resident types
    assert households.a.room not in text.split("意见与建议")[1].split("</article>")[0]


def test_opinions_only_while_the_notice_hangs_and_capped(client, households, world):
    project = _notice(world.a.community)
    household_client(client, households.a)
    url = reverse("residents:opinion", args=[project.pk])
    client.post(url, {"text": "长" * 501})
    client.post(url, {"text": "   "})
    assert not Opinion.objects.filter(project=project).exists()
    # Household B's community has no such project: 404, nothing written.
    household_client(client, households.b)
    assert client.post(url, {"text": "别人的"}).status_code == 404
    household_client(client, households.a)
    FundProject.objects.filter(pk=project.pk).update(
        notice_from=TODAY() - datetime.timedelta(days=9),
        notice_until=TODAY() - datetime.timedelta(days=2),
    )
    response = client.post(url, {"text": "晚了"}, follow=True)
    assert "现在不在公示期内" in response.content.decode()
    assert not Opinion.objects.filter(project=project).exists()
    client.cookies.clear()
    assert client.post(url, {"text": "匿名"}).status_code == 404


def test_opinions_are_rate_limited_per_household(households, world):
    project = _notice(world.a.community)
    already = Opinion.objects.filter(household=households.a).count()  # the world's, today
    for n in range(services.OPINIONS_PER_DAY - already):
        services.opinion_submit(project=project, household=households.a, text=f"意见{n}")
    with pytest.raises(ValidationError, match="每户每天最多提交 20 条意见"):
        services.opinion_submit(project=project, household=households.a, text="再来")


def test_withheld_opinions_stay_private(households, world, users, client):
    project = _notice(world.a.community)
    opinion = services.opinion_submit(project=project, household=households.a, text="骂人的话")
    services.opinion_moderate(opinion=opinion, by=users.staff_a, publish=False)
    text = client.get(reverse("fund:project", args=[project.pk])).content.decode()
    assert "骂人的话" not in text and "经审核公开 0 条" in text


def _tasks(user, key):
    for group in todo.for_user(user, today=TODAY()):
        if group.kind.key == key:
            return group.tasks
    return []


# Sign-ups (报名).


def test_a_household_signs_up_changes_and_cancels(client, households, world, users, login):
    meeting = world.fund.coming  # 说事会 ahead, 30 places, household A already brings 2
    household_client(client, households.a)
    page = client.get(reverse("residents:take_part")).content.decode()
    assert "本户已报名 2 人" in page and "说事会:电瓶车充电" in page
    url = reverse("residents:meeting_signup", args=[meeting.pk])
    assert client.post(url, {"people": "4"}).status_code == 302
    assert MeetingSignup.objects.get(meeting=meeting, household=households.a).people == 4
    for bad in ["0", "11", "许多"]:
        client.post(url, {"people": bad})
    assert signups.taken(MeetingSignup, meeting) == 4
    # The public page counts people, never names the household.
    client.cookies.clear()
    text = client.get(reverse("fund:community", args=[meeting.community_id])).content.decode()
    assert "即将召开的会议" in text and "已报名 4 人,名额 30 人" in text
    assert households.a.room not in text
    household_client(client, households.a)
    client.post(reverse("residents:meeting_cancel", args=[meeting.pk]))
    assert signups.taken(MeetingSignup, meeting) == 0
    # Household B is of another community: 404, and nothing written.
    household_client(client, households.b)
    assert client.post(url, {"people": "1"}).status_code == 404
    assert not MeetingSignup.objects.filter(household=households.b).exists()


def test_capacity_and_closed_events_are_refused(households, world):
    meeting = world.fund.coming
    DiscussionMeeting.objects.filter(pk=meeting.pk).update(capacity=3)
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="名额 3 人,还剩 3 个名额,不够本户 4 人"):
        signups.signup_save(signups=MeetingSignup, event=meeting, household=households.a, people=4)
    signups.signup_save(signups=MeetingSignup, event=meeting, household=households.a, people=3)
    DiscussionMeeting.objects.filter(pk=meeting.pk).update(signup_open=False)
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="不接受报名或已经结束报名"):
        signups.signup_save(signups=MeetingSignup, event=meeting, household=households.a, people=1)


def test_activities_take_sign_ups_and_staff_record_who_came(
    client, households, world, users, login
):
    activity = world.fund.coming_activity
    household_client(client, households.a)
    client.post(reverse("residents:activity_signup", args=[activity.pk]), {"people": "3"})
    assert ActivitySignup.objects.get(activity=activity, household=households.a).people == 3
    text = client.get(reverse("volunteers:community", args=[activity.community_id])).content
    assert "已报名 3 人" in text.decode()
    assert any(t.title == str(activity) for t in _tasks(users.staff_a, "activity_signups"))
    assert _tasks(users.staff_b, "activity_signups") == []
    changelist = reverse("admin:volunteers_activitysignup_changelist")
    signup = ActivitySignup.objects.get(activity=activity)
    staff = login(users.staff_a)
    assert "环境整治志愿行动" in staff.get(changelist).content.decode()
    response = staff.post(
        changelist, {"action": "mark_attended", "_selected_action": [signup.pk]}, follow=True
    )
    assert "还没有举行" in response.content.decode()
    type(activity).objects.filter(pk=activity.pk).update(date=TODAY())
    staff.post(changelist, {"action": "mark_attended", "_selected_action": [signup.pk]})
    signup.refresh_from_db()
    assert signup.attended is True
    assert (
        "已到场"
        in household_client(client, households.a)
        .get(reverse("residents:take_part"))
        .content.decode()
    )
    assert login(users.staff_b).get(changelist).content.decode().count("环境整治志愿行动") == 0


def test_approval_waits_for_a_planned_meetings_head_count(world):
    project = FundProjectFactory(community=world.a.community, title="充电棚")
    meeting = DiscussionMeetingFactory(
        community=world.a.community, project=project, date=TODAY(), participants=None,
        signup_open=True,
    )  # fmt: skip
    project_move(project, "discussing")
    project_move(project, "publicising")
    with pytest.raises(ValidationError, match="还没有登记参加人数"):
        services.project_move(project=project, to="approved", by=None, approved_amount="100")
    DiscussionMeeting.objects.filter(pk=meeting.pk).update(participants=12)
    services.project_move(project=project, to="approved", by=None, approved_amount="100")
