"""`load_demo`: the article's Jinhai, loaded twice without change."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command

from communities.models import BuildingGroup, CommitteeMember, Community, Compound, StreetZone


def snapshot():
    """Every row of every portal model, serialised: equal snapshots mean nothing changed."""
    rows = []
    for label in ("communities", "volunteers", "self_governance", "orgs"):
        for model in apps.get_app_config(label).get_models():
            rows.append(serializers.serialize("json", model._default_manager.order_by("pk")))
    users = get_user_model().objects.order_by("pk").values_list("username", "password")
    return rows, list(users)


@pytest.mark.django_db
def test_load_demo_builds_jinhai_and_is_idempotent():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert Community.objects.count() == 8
    assert Compound.objects.count() == 22
    assert BuildingGroup.objects.count() == 507
    assert StreetZone.objects.count() == 17
    assert BuildingGroup.objects.filter(compound__name__in=["金水苑", "金水新苑"]).count() == 78
    fengle = Community.objects.get(name="丰乐社区")
    assert fengle.get_kind_display().startswith("保障性租赁住房")
    # 正学 and 丰乐: 2 directors, 2 deputies, 8 members, both "一肩挑" (the article).
    sitting = CommitteeMember.objects.sitting().filter(
        election__community__name__in=["正学社区", "丰乐社区"], election__date__year=2022
    )
    by_role = {
        code: sitting.filter(roles__code=code).count() for code in ("director", "deputy", "member")
    }
    assert by_role == {"director": 2, "deputy": 2, "member": 8}
    assert sitting.filter(roles__code="secretary").filter(roles__code="director").count() == 2
    text = out.getvalue()
    assert "新建账号 jinhai 密码" in text and "新建账号 zhengxue 密码" in text

    before = snapshot()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert snapshot() == before
    assert "已存在,密码未改变" in out.getvalue()


@pytest.mark.django_db
def test_demo_users_are_scoped(client):
    call_command("load_demo", stdout=StringIO())
    User = get_user_model()
    zhengxue = User.objects.get(username="zhengxue")
    client.force_login(zhengxue)
    response = client.get("/admin/communities/compound/")
    names = {c.name for c in response.context["cl"].queryset}
    assert names == {"正学苑", "正学东苑", "正学西苑"}
    client.force_login(User.objects.get(username="jinhai"))
    response = client.get("/admin/communities/compound/")
    assert response.context["cl"].result_count == 22


@pytest.mark.django_db
def test_the_demo_is_alive_today(client):
    """Besides 2022's history, this year's work under way: the dashboards open on the current
    round and both demo accounts find real work on their 待办."""
    from django.utils import timezone

    from jinhai import todo
    from orgs.models import AnnualInspection
    from self_governance.agreements.models import AgreementScheme, PointEntry
    from self_governance.campaign.models import Enrollment
    from self_governance.fund.models import FundAllocation

    call_command("load_demo", stdout=StringIO())
    today = timezone.localdate()
    User = get_user_model()
    zhengxue = User.objects.get(username="zhengxue")
    scheme = AgreementScheme.objects.get(community__name="正学社区")
    assert PointEntry.objects.filter(account__scheme=scheme, date__lte=today).exists()
    assert not PointEntry.objects.filter(date__gt=today).exists()
    assert Enrollment.objects.filter(
        campaign__year=today.year, building_group__compound__community__name="正学社区"
    ).exists()
    assert FundAllocation.objects.filter(year=today.year).count() == 8
    assert AnnualInspection.objects.filter(year=today.year - 1).exists()
    client.force_login(zhengxue)
    dashboard = client.get("/admin/figures/")
    assert dashboard.context["years"].fund == today.year
    assert dashboard.context["years"].inspection == today.year - 1

    mine = {g.kind.key for g in todo.for_user(zhengxue)}
    assert mine == {
        "fund_notices_ending",
        "fund_projects_waiting",
        "rectifications_overdue",
        "trainings_without_attendance",
        "activities_without_service",
        "leader_vacancies",
    }
    street = {g.kind.key for g in todo.for_user(User.objects.get(username="jinhai"))}
    assert street == mine | {"org_inspections_missing"}
