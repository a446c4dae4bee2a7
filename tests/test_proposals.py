"""Residents take part in the fund: proposals (居民提议) reviewed by staff, supports (附议)."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from self_governance.fund import services as fund
from self_governance.fund.models import FundProject, ProposalReview
from self_governance.fund.participation import Support

from .conftest import household_client
from .factories import FundProjectFactory

FORM = {"title": "3号楼加装晾衣架", "category": "stairway", "description": "楼下没处晾被子。"}


def _propose(client, **data):
    return client.post(reverse("residents:proposal_new"), {**FORM, "amount": "3000", **data})


def _public_pages(project):
    community = reverse("fund:community", args=[project.community_id]) + f"?year={project.year}"
    return community, reverse("fund:project", args=[project.pk])


def test_a_proposal_waits_for_staff_before_anyone_sees_it(client, households, world):
    household_client(client, households.a)
    assert client.get(reverse("residents:proposal_new")).status_code == 200
    response = _propose(client, compound=world.a.compound.pk)
    assert response.status_code == 302
    project = FundProject.objects.get(title=FORM["title"])
    assert project.household == households.a and project.review == ProposalReview.PENDING
    assert project.status == "collecting" and project.community == households.a.community
    assert project.year == timezone.localdate().year
    assert LogEntry.objects.get_for_object(project).exists()
    assert "待审核" in client.get(reverse("residents:take_part")).content.decode()

    client.cookies.clear()
    community_page, project_page = _public_pages(project)
    assert FORM["title"] not in client.get(community_page).content.decode()
    assert client.get(project_page).status_code == 404
    assert not FundProject.objects.public().filter(pk=project.pk).exists()

    fund.proposal_accept(project=project, by=None)
    page = client.get(community_page).content.decode()
    assert FORM["title"] in page
    # The proposer as 小区 + 楼组, never the room.
    group = households.a.building_group
    assert f"居民提议({group.compound.name}{group.name}住户)" in page
    assert households.a.room + "室" not in client.get(project_page).content.decode()


def test_declined_and_merged_proposals_tell_the_household_why_and_stay_private(
    client, households, world
):
    household_client(client, households.a)
    _propose(client)
    _propose(client, title="停车位划线")
    declined = FundProject.objects.get(title=FORM["title"])
    merged = FundProject.objects.get(title="停车位划线")
    with pytest.raises(ValidationError, match="理由"):
        fund.proposal_decline(project=declined, by=None, reason=" ")
    fund.proposal_decline(project=declined, by=None, reason="物业已安排维修,不需自治金。")
    target = FundProjectFactory(community=world.a.community, year=merged.year, title="停车整治")
    fund.support_add(project=target, household=households.a)
    Support.objects.create(project=merged, household=households.b)  # as if supported before
    fund.proposal_merge(project=merged, into=target, by=None)
    assert set(target.supports.values_list("household", flat=True)) == {
        households.a.pk,
        households.b.pk,
    }
    with pytest.raises(ValidationError, match="已审核"):
        fund.proposal_accept(project=declined, by=None)

    page = client.get(reverse("residents:take_part")).content.decode()
    assert "物业已安排维修,不需自治金。" in page and "已并入" in page and "停车整治" in page
    for project in (declined, merged):
        assert client.get(_public_pages(project)[1]).status_code == 404


def test_proposals_are_checked_and_rate_limited(client, households, world):
    household_client(client, households.a)
    response = _propose(client, description="联系我 13812345678")
    assert response.status_code == 400 and "手机号" in response.content.decode()
    response = _propose(client, compound=world.b.compound.pk)
    assert response.status_code == 400
    response = _propose(client, title="x" * 101)
    assert response.status_code == 400
    assert not FundProject.objects.filter(household=households.a).exists()
    for n in range(5):
        assert _propose(client, title=f"提议{n}").status_code == 302
    response = _propose(client, title="第六条")
    assert response.status_code == 400 and "每户每天最多提交 5 条提议" in response.content.decode()
    assert FundProject.objects.filter(household=households.a).count() == 5
    # Escaped where it is shown.
    FundProject.objects.filter(title="提议0").update(title="<b>粗</b>")
    assert "&lt;b&gt;粗&lt;/b&gt;" in client.get(reverse("residents:take_part")).content.decode()


def test_without_a_household_session_nothing_is_written(client, world):
    assert client.get(reverse("residents:proposal_new")).status_code == 404
    assert _propose(client).status_code == 404
    assert not FundProject.objects.filter(title=FORM["title"]).exists()


def test_a_household_supports_once_and_may_withdraw(client, households, world):
    project = FundProjectFactory(community=world.a.community, title="楼道灯更换")
    household_client(client, households.a)
    url = reverse("residents:support", args=[project.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # twice is still one
    assert project.supports.count() == 1
    assert "已附议过" in client.get(reverse("residents:take_part")).content.decode()
    assert FundProject.objects.with_supports().get(pk=project.pk).n_supports == 1
    page = client.get(_public_pages(project)[1]).content.decode()
    assert "1 户" in page
    client.post(reverse("residents:support_withdraw", args=[project.pk]))
    assert project.supports.count() == 0

    # Another community's project, and one past 讨论, take no support from this household.
    other = FundProjectFactory(community=world.b.community)
    assert client.post(reverse("residents:support", args=[other.pk])).status_code == 404
    with pytest.raises(ValidationError, match="不再接受附议"):
        fund.support_add(project=world.fund.project, household=households.a)
    # Nor does an unreviewed proposal.
    proposal = fund.proposal_submit(
        household=households.b, title="B的提议", category="other", description="x", amount=1
    )
    with pytest.raises(ValidationError):
        fund.support_add(project=proposal, household=households.b)


def test_staff_review_proposals_in_the_admin_and_sort_by_supports(client, households, world, users):
    proposal = fund.proposal_submit(
        household=households.a,
        title="加装扶手",
        category="elderly",
        description="老人多",
        amount=800,
    )
    review = reverse("admin:self_governance_fundproject_review", args=[proposal.pk])
    client.force_login(users.staff_b)
    assert client.get(review).status_code == 404
    client.force_login(users.staff_a)
    assert client.get(review).status_code == 200
    response = client.post(review, {"decision": "decline", "reason": ""})
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.review == ProposalReview.PENDING
    client.post(review, {"decision": "decline", "reason": "不属于自治金范围。"})
    proposal.refresh_from_db()
    assert proposal.review == ProposalReview.DECLINED
    assert proposal.review_note == "不属于自治金范围。"

    changelist = reverse("admin:self_governance_fundproject_changelist")
    page = client.get(changelist, {"o": "-10"})
    assert page.status_code == 200
    assert "附议" in page.content.decode()
