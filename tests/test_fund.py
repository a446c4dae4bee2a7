"""自治金 and the 和美楼组 campaign: moves, spending, import, scoping, admin and public pages."""

import csv
import datetime
import io
import re
import threading
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communities.models import BuildingGroup, Community
from jinhai.imports.formats import SheetFormat
from self_governance.campaign import selectors as campaign_selectors
from self_governance.campaign import services as campaign_services
from self_governance.campaign.models import (
    Campaign,
    CampaignStandard,
    ContestEntry,
    Enrollment,
    InspectionScore,
    Rectification,
    RoundScore,
)
from self_governance.fund import selectors, services
from self_governance.fund.models import (
    DiscussionMeeting,
    Expenditure,
    FundAllocation,
    FundProject,
    ProjectMove,
    ProjectStatus,
)
from self_governance.fund.resources import FundProjectsResource

from .factories import (
    BuildingGroupFactory,
    CampaignFactory,
    CampaignStandardFactory,
    CommunityFactory,
    CompoundFactory,
    ContestEntryFactory,
    ContestFactory,
    ContestRoundFactory,
    DiscussionMeetingFactory,
    EnrollmentFactory,
    FundAllocationFactory,
    FundProjectFactory,
    InspectionFactory,
    InspectionScoreFactory,
    RectificationFactory,
    RoundScoreFactory,
    project_move,
)
from .sheets import csv_bytes, xlsx_bytes

D = datetime.date
Y = Decimal


def csv_quoted(rows, encoding="utf-8"):
    """CSV as Excel writes it: a cell with a comma (1,200元) is quoted."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def figures(community, year=2022):
    rows = selectors.community_fund_figures(Community.objects.filter(pk=community.pk), year)
    (row,) = selectors.with_remaining(rows)
    return row.allocated, row.approved, row.spent, row.remaining


def snapshot():
    """What the fund's rules protect: statuses, approved amounts, moves and payments."""
    return (
        list(FundProject.objects.order_by("pk").values_list("pk", "status", "amount_approved")),
        list(ProjectMove.objects.order_by("pk").values_list("pk", flat=True)),
        list(Expenditure.objects.order_by("pk").values_list("pk", "amount")),
    )


def discussed(community, **kwargs):
    """A new project of `community`, with a meeting on record, moved to 公示."""
    project = FundProjectFactory(community=community, **kwargs)
    DiscussionMeetingFactory(community=community, project=project)
    for step in ("discussing", "publicising"):
        project_move(project, step)
    return project


# The fixture's fund.


def test_world_fund_figures(world):
    f = world.fund
    assert f.project.status == ProjectStatus.IMPLEMENTING
    assert f.project.amount_approved == Y("40000")
    assert figures(world.a.community) == (Y("200000"), Y("40000"), Y("12000"), Y("160000"))
    assert figures(world.b.community) == (0, 0, 0, 0)
    moves = list(f.project.moves.values_list("from_status", "to_status"))
    assert moves == [
        ("collecting", "discussing"),
        ("discussing", "publicising"),
        ("publicising", "approved"),
        ("approved", "implementing"),
    ]


# Status moves: the one place they are checked.


def test_moves_go_one_step_at_a_time(world, users):
    project = FundProjectFactory(community=world.a.community)
    before = snapshot()
    with pytest.raises(ValidationError, match="不能从“征集”直接变更为“立项”.*“讨论”或“不予立项”"):
        services.project_move(project=project, to="approved", by=users.staff_a)
    with pytest.raises(ValidationError, match="结项前须先验收"):
        services.project_move(project=project, to="closed", by=users.staff_a)
    with pytest.raises(ValidationError, match="没有“done”这个项目状态"):
        services.project_move(project=project, to="done", by=users.staff_a)
    with pytest.raises(ValidationError, match="批准金额只在立项时填写"):
        services.project_move(project=project, to="discussing", by=None, approved_amount="10")
    assert snapshot() == before
    move = services.project_move(project=project, to="discussing", by=users.staff_a, note="开会")
    assert (move.from_status, move.to_status, move.by, move.note) == (
        "collecting",
        "discussing",
        users.staff_a,
        "开会",
    )
    assert move.at is not None
    with pytest.raises(ValidationError, match="项目已是“讨论”状态"):
        services.project_move(project=project, to="discussing", by=None)
    services.project_move(project=project, to="rejected", by=users.staff_a)
    with pytest.raises(ValidationError, match="项目已不予立项,状态不能再变更"):
        services.project_move(project=project, to="publicising", by=None)


def test_full_path_to_closed_and_no_rejection_after_approval(world):
    project = world.fund.project  # 实施
    with pytest.raises(ValidationError, match="已立项的项目不能再改为不予立项"):
        services.project_move(project=project, to="rejected", by=None)
    with pytest.raises(ValidationError, match=re.escape("结项前须先验收(当前状态:实施)")):
        services.project_move(project=project, to="closed", by=None)
    services.project_move(project=project, to="accepted", by=None)
    services.project_move(project=project, to="closed", by=None)
    project.refresh_from_db()
    assert project.status == "closed" and project.moves.count() == 6
    with pytest.raises(ValidationError, match="已结项,状态不能再变更"):
        services.project_move(project=project, to="accepted", by=None)


def test_approval_needs_a_discussion_meeting(world):
    project = FundProjectFactory(community=world.a.community)
    for step in ("discussing", "publicising"):
        project_move(project, step)
    # A general 说事会 of the same community does not count for this project.
    DiscussionMeetingFactory(community=world.a.community, project=None, topic="说事会:停车")
    with pytest.raises(ValidationError, match="立项前须至少召开一次关于该项目的讨论会"):
        services.project_move(project=project, to="approved", by=None, approved_amount="1000")
    DiscussionMeetingFactory(community=world.a.community, project=project)
    services.project_move(project=project, to="approved", by=None, approved_amount="1000")


def test_approval_above_the_remaining_allocation_is_refused(world):
    project = discussed(world.a.community, amount_requested=Y("200000"))
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.project_move(project=project, to="approved", by=None, approved_amount="160000.01")
    assert refused.value.messages == [
        "批准金额 160,000.01 元超过正学社区 2022 年度自治金余额 160,000.00 元"
        "(额度 200,000.00 元,已批准 40,000.00 元)。"
    ]
    assert snapshot() == before
    services.project_move(project=project, to="approved", by=None, approved_amount="160000")
    assert figures(world.a.community)[3] == 0
    another = discussed(world.a.community)
    with pytest.raises(ValidationError, match="余额 0.00 元"):
        services.project_move(project=another, to="approved", by=None, approved_amount="0.01")


def test_approval_needs_an_allocation_and_stays_within_the_request(world):
    project = discussed(world.b.community, amount_requested=Y("5000"))
    with pytest.raises(ValidationError, match="丰乐社区 2022 年度尚未下达自治金额度"):
        services.project_move(project=project, to="approved", by=None, approved_amount="5000")
    FundAllocationFactory(community=world.b.community, amount=Y("100000"))
    with pytest.raises(ValidationError, match="立项须填写批准金额"):
        services.project_move(project=project, to="approved", by=None)
    with pytest.raises(ValidationError, match="超过申请金额 5,000.00 元"):
        services.project_move(project=project, to="approved", by=None, approved_amount="5000.5")
    with pytest.raises(ValidationError, match="批准金额须大于 0"):
        services.project_move(project=project, to="approved", by=None, approved_amount="-1")
    # Another year's allocation is another pot.
    FundAllocationFactory(community=world.b.community, year=2023, amount=Y("1"))
    services.project_move(project=project, to="approved", by=None, approved_amount="5000")
    assert figures(world.b.community) == (Y("100000"), Y("5000"), 0, Y("95000"))
    assert figures(world.b.community, 2023) == (Y("1"), 0, 0, Y("1"))


def test_database_refuses_an_approved_amount_without_approval(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundProject.objects.filter(pk=world.fund.project.pk).update(status="publicising")
    project = FundProjectFactory(community=world.a.community)
    with pytest.raises(IntegrityError), transaction.atomic():
        FundProject.objects.filter(pk=project.pk).update(amount_approved=Y("10"))
    with pytest.raises(ValidationError, match="批准金额在立项时填写"):
        FundProject(
            community=world.a.community, year=2022, title="x", category="other",
            amount_requested=Y("10"), amount_approved=Y("5"),
        ).full_clean()  # fmt: skip


def test_allocation_cannot_drop_below_what_is_approved(world):
    allocation = world.fund.allocation
    allocation.amount = Y("39999")
    with pytest.raises(ValidationError, match="已批准的项目合计 40,000.00 元"):
        services.allocation_save(allocation=allocation)
    allocation.amount = Y("40000")
    services.allocation_save(allocation=allocation)
    assert figures(world.a.community)[3] == 0


# Spending: within the approved amount, in one transaction with the project locked.


def test_spending_above_the_approved_amount_is_refused(world, users):
    project = world.fund.project  # approved 40000, spent 12000
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.expenditure_add(
            project=project, date=D(2022, 8, 1), amount="28000.01", payee="施工单位",
            purpose="尾款", by=users.staff_a,
        )  # fmt: skip
    assert refused.value.messages == [
        "支出 28,000.01 元后合计将超过批准金额 40,000.00 元"
        "(已支出 12,000.00 元,还可支出 28,000.00 元),未登记。"
    ]
    assert snapshot() == before
    paid = services.expenditure_add(
        project=project, date=D(2022, 8, 1), amount="28000", payee="施工单位", purpose="尾款",
        by=users.staff_a,
    )  # fmt: skip
    assert paid.recorded_by == users.staff_a
    assert figures(world.a.community)[2] == Y("40000")
    with pytest.raises(ValidationError, match="还可支出 0.00 元"):
        services.expenditure_add(
            project=project, date=D(2022, 8, 2), amount="0.01", payee="x", purpose="y", by=None
        )


def test_only_projects_being_done_or_checked_can_spend(world):
    project = discussed(world.a.community)
    with pytest.raises(
        ValidationError, match=re.escape("只有“实施”或“验收”阶段的项目可以登记支出(当前状态:公示)")
    ):
        services.expenditure_add(
            project=project, date=D(2022, 8, 1), amount="1", payee="x", purpose="y", by=None
        )
    for step in ("accepted", "closed"):
        services.project_move(project=world.fund.project, to=step, by=None)
    with pytest.raises(ValidationError, match="当前状态:结项"):
        services.expenditure_add(
            project=world.fund.project, date=D(2022, 12, 1), amount="1", payee="x", purpose="y",
            by=None,
        )  # fmt: skip


def test_spending_is_all_or_nothing_and_never_zero(world):
    before = snapshot()
    with pytest.raises(ValidationError, match="支出金额须大于 0"):
        services.expenditure_add(
            project=world.fund.project, date=D(2022, 8, 1), amount="0", payee="x", purpose="y",
            by=None,
        )  # fmt: skip
    with pytest.raises(ValidationError) as refused:  # the model's own validation, after checks
        services.expenditure_add(
            project=world.fund.project, date=D(2022, 8, 1), amount="10", payee="", purpose="",
            by=None,
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"payee", "purpose"}
    assert snapshot() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Expenditure.objects.create(
            project=world.fund.project, date=D(2022, 8, 1), amount=Y("-5"), payee="x", purpose="y"
        )


def test_spending_locks_the_project_row(world):
    """The check and the insert happen under SELECT ... FOR UPDATE of the project."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (its IMMEDIATE transactions serialise writers)")
    with CaptureQueriesContext(connection) as ctx:
        services.expenditure_add(
            project=world.fund.project, date=D(2022, 8, 1), amount="1", payee="x", purpose="y",
            by=None,
        )  # fmt: skip
    sql = [q["sql"] for q in ctx.captured_queries]
    lock = next(i for i, s in enumerate(sql) if "FOR UPDATE" in s)
    assert "self_governance_fundproject" in sql[lock]
    assert lock < next(i for i, s in enumerate(sql) if s.startswith("INSERT"))


# Two real connections at once (PostgreSQL). These are not `db` tests: a transactional test
# would flush the database afterwards, taking with it rows that migrations seed and that tests
# run after it expect. Instead the rows are committed for real, in a subdistrict of their own,
# and removed again at the end.
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs two real concurrent connections (PostgreSQL)"
)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """A community with a 2022 allocation of 50,000 yuan, committed; removed afterwards."""
    from .factories import SubdistrictFactory

    with django_db_blocker.unblock():
        community = CommunityFactory(subdistrict=SubdistrictFactory(name="并发街道"))
        FundAllocationFactory(community=community, amount=Y("50000"))
        try:
            yield community
        finally:
            from django.db import connections

            connections.close_all()
            projects = FundProject.objects.filter(community=community)
            Expenditure.objects.filter(project__in=projects).delete()
            ProjectMove.objects.filter(project__in=projects).delete()
            DiscussionMeeting.objects.filter(community=community).delete()
            projects.delete()
            FundAllocation.objects.filter(community=community).delete()
            subdistrict = community.subdistrict
            community.delete()
            subdistrict.delete()


def at_once(work, *args):
    """Run `work(arg)` for each arg in its own thread and connection, all starting together;
    what each returned or the message it was refused with."""
    from django.db import connections

    barrier = threading.Barrier(len(args))
    outcomes = []

    def run_one(arg):
        try:
            barrier.wait()
            work(arg)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_one, args=(arg,)) for arg in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@needs_postgresql
def test_two_staff_paying_at_once_cannot_overspend(committed):
    project = discussed(committed, amount_requested=Y("30000"))
    services.project_move(project=project, to="approved", by=None, approved_amount="30000")
    services.project_move(project=project, to="implementing", by=None)

    def pay(amount):
        services.expenditure_add(  # paid after its 立项, which was today
            project=project,
            date=timezone.localdate(),
            amount=amount,
            payee="x",
            purpose="y",
            by=None,
        )

    outcomes = at_once(pay, "20000", "20000")
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1, outcomes
    assert "还可支出 10,000.00 元" in [o for o in outcomes if o != "ok"][0]
    assert selectors.spent(project) == Y("20000")


@needs_postgresql
def test_two_approvals_at_once_cannot_share_the_last_of_the_money(committed):
    projects = [discussed(committed, amount_requested=Y("30000")) for _ in range(2)]

    def approve(project):
        services.project_move(project=project, to="approved", by=None, approved_amount="30000")

    outcomes = at_once(approve, *projects)
    assert outcomes.count("ok") == 1, outcomes
    assert "余额 20,000.00 元" in [o for o in outcomes if o != "ok"][0]
    assert figures(committed) == (Y("50000"), Y("30000"), 0, Y("20000"))


# The admin: moves only through the 办理 page, and only legal ones.


class FormValues(HTMLParser):
    """The values a browser would post back from an admin change form."""

    def __init__(self):
        super().__init__()
        self.data, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "checkbox"):
            self.data[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") == "checkbox" and "checked" in a:
            self.data[name] = "on"
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def form_values(response):
    parser = FormValues()
    parser.feed(response.content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def move_url(project):
    return reverse("admin:self_governance_fundproject_move", args=[project.pk])


def test_change_form_shows_status_read_only_with_the_next_steps(world, users, login):
    project = world.fund.project
    response = login(users.staff_a).get(
        reverse("admin:self_governance_fundproject_change", args=[project.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="status"' not in body and 'name="amount_approved"' not in body
    assert f"{move_url(project)}?to=accepted" in body and "变更为“验收”" in body
    assert "?to=closed" not in body
    assert "车棚钢结构材料" in body and "自治金参与式讨论会:车棚改造" in body


def test_crafted_change_form_post_cannot_move_a_status(world, users, login):
    project = world.fund.project
    client = login(users.staff_a)
    url = reverse("admin:self_governance_fundproject_change", args=[project.pk])
    data = form_values(client.get(url))
    data.update(status="closed", amount_approved="999999", title="正学苑车棚改造(更名)")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.title == "正学苑车棚改造(更名)"  # the form did save
    assert (project.status, project.amount_approved) == ("implementing", Y("40000"))
    assert project.moves.count() == 4


def test_illegal_move_through_the_admin_is_refused_in_chinese(world, users, login):
    project = world.fund.project
    client = login(users.staff_a)
    page = client.get(move_url(project) + "?to=accepted")
    assert page.status_code == 200 and "下一步可以是:“验收”" in page.content.decode()
    before = snapshot()
    response = client.post(move_url(project), {"to": "closed", "note": "直接结项"})
    assert response.status_code == 200
    assert "状态未变更:结项前须先验收(当前状态:实施)。" in response.content.decode()
    response = client.post(move_url(project), {"to": "rejected"})
    assert "已立项的项目不能再改为不予立项" in response.content.decode()
    response = client.post(move_url(project), {"to": "hacked"})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert snapshot() == before
    response = client.post(move_url(project), {"to": "accepted", "note": "居民代表验收"})
    assert response.status_code == 302
    move = project.moves.last()
    assert (move.to_status, move.by, move.note) == ("accepted", users.staff_a, "居民代表验收")


def test_approval_through_the_admin_checks_the_allocation(world, users, login):
    project = discussed(world.a.community, amount_requested=Y("200000"))
    client = login(users.staff_a)
    before = snapshot()
    response = client.post(move_url(project), {"to": "approved", "approved_amount": "16.1万"})
    assert "超过正学社区 2022 年度自治金余额 160,000.00 元" in response.content.decode()
    response = client.post(move_url(project), {"to": "approved", "approved_amount": "一千二"})
    assert "金额“一千二”不是数字" in response.content.decode()
    assert snapshot() == before
    response = client.post(move_url(project), {"to": "approved", "approved_amount": "12,000元"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.amount_approved) == ("approved", Y("12000"))
    assert project.moves.last().approved_amount == Y("12000")


def test_spending_above_the_approved_amount_through_the_admin(world, users, login):
    client = login(users.staff_a)
    url = reverse("admin:self_governance_expenditure_add")
    before = snapshot()
    data = {
        "project": world.fund.project.pk, "date": "2022-08-01", "amount": "30000",
        "payee": "施工单位", "purpose": "尾款",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "还可支出 28,000.00 元" in response.content.decode()
    assert snapshot() == before
    response = client.post(url, {**data, "amount": "28000"})
    assert response.status_code == 302
    assert Expenditure.objects.filter(amount=Y("28000"), recorded_by=users.staff_a).exists()
    # Payments are not edited afterwards.
    paid = Expenditure.objects.get(amount=Y("28000"))
    change = reverse("admin:self_governance_expenditure_change", args=[paid.pk])
    assert client.post(change, {**data, "amount": "1"}).status_code == 403


def test_project_page_inline_payment_goes_through_the_service(world, users, login):
    project = world.fund.project
    client = login(users.staff_a)
    url = reverse("admin:self_governance_fundproject_change", args=[project.pk])
    data = form_values(client.get(url))
    data.update(
        {
            "expenditures-TOTAL_FORMS": str(int(data["expenditures-TOTAL_FORMS"]) + 1),
            "expenditures-1-date": "2022-09-01",
            "expenditures-1-amount": "30000",
            "expenditures-1-payee": "施工单位",
            "expenditures-1-purpose": "尾款",
        }
    )
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 200 and "还可支出 28,000.00 元" in response.content.decode()
    assert snapshot() == before
    data["expenditures-1-amount"] = "8000"
    assert client.post(url, data).status_code == 302
    assert selectors.spent(project) == Y("20000")


def test_meeting_added_on_a_project_page_belongs_to_its_community(world, users, login):
    project = discussed(world.a.community)
    client = login(users.staff_a)
    url = reverse("admin:self_governance_fundproject_change", args=[project.pk])
    data = form_values(client.get(url))
    n = int(data["meetings-TOTAL_FORMS"])
    data.update(
        {
            "meetings-TOTAL_FORMS": str(n + 1),
            f"meetings-{n}-topic": "第二次讨论会",
            f"meetings-{n}-date": "2022-05-02",
            f"meetings-{n}-participants": "15",
        }
    )
    assert client.post(url, data).status_code == 302
    meeting = DiscussionMeeting.objects.get(topic="第二次讨论会")
    assert (meeting.project, meeting.community) == (project, world.a.community)


# Scoping through real admin URLs as the named users.


@pytest.fixture
def fund_b(world):
    """Community B's project, and a project in another subdistrict."""
    return (
        FundProjectFactory(community=world.b.community, title="丰乐苑垃圾箱房改造"),
        FundProjectFactory(community=world.elsewhere.community, title="西渡苑停车"),
    )


def _listed(client, model, **params):
    response = client.get(reverse(f"admin:self_governance_{model}_changelist"), params)
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


def test_projects_are_scoped_by_community_and_subdistrict(world, users, login, fund_b):
    own, (other, elsewhere) = world.fund.project, fund_b
    assert _listed(login(users.staff_a), "fundproject") == {own.pk}
    assert _listed(login(users.staff_b), "fundproject") == {other.pk}
    assert _listed(login(users.street), "fundproject") == {own.pk, other.pk}
    assert elsewhere.pk in _listed(login(users.superuser), "fundproject")
    client = login(users.staff_b)
    for url in (
        reverse("admin:self_governance_fundproject_change", args=[own.pk]),
        move_url(own),
    ):
        assert client.get(url).status_code == 404
    before = snapshot()
    assert client.post(move_url(own), {"to": "accepted"}).status_code == 404
    assert login(users.street).get(move_url(elsewhere)).status_code == 404
    assert snapshot() == before


def test_view_only_user_cannot_move(world, users, login):
    client = login(users.viewer)
    assert client.get(move_url(world.fund.project)).status_code == 403
    assert client.post(move_url(world.fund.project), {"to": "accepted"}).status_code == 403
    world.fund.project.refresh_from_db()
    assert world.fund.project.status == "implementing"


def test_payments_meetings_and_moves_are_scoped(world, users, login, fund_b):
    meeting_b = DiscussionMeetingFactory(community=world.b.community, project=fund_b[0])
    client = login(users.staff_b)
    assert _listed(client, "expenditure") == set()
    assert _listed(client, "projectmove") == set()
    assert _listed(client, "discussionmeeting") == {meeting_b.pk}
    # B's staff cannot pay from A's project by posting its id.
    response = client.post(
        reverse("admin:self_governance_expenditure_add"),
        {"project": world.fund.project.pk, "date": "2022-08-01", "amount": "1", "payee": "x",
         "purpose": "y"},
    )  # fmt: skip
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert Expenditure.objects.count() == 1
    # (`login` switches the one test client to another user.)
    assert _listed(login(users.staff_a), "expenditure") == {world.fund.expenditure.pk}


def test_allocations_are_set_by_the_street_office(world, users, login):
    allocation = world.fund.allocation
    url = reverse("admin:self_governance_fundallocation_change", args=[allocation.pk])
    data = {"amount": "999999", "note": ""}
    client = login(users.staff_a)
    assert client.get(url).status_code == 200  # read, with the figures
    assert client.post(url, data).status_code == 403
    response = client.get(reverse("admin:self_governance_fundallocation_changelist"))
    body = response.content.decode()
    assert "160,000.00" in body and "12,000.00" in body
    assert login(users.staff_b).get(url).status_code == 404
    street = login(users.street)
    assert street.post(url, {"amount": "39999", "note": ""}).status_code == 302
    allocation.refresh_from_db()
    assert allocation.amount == Y("200000")  # below what is approved: refused, with a message
    assert street.post(url, {"amount": "250000", "note": "追加"}).status_code == 302
    allocation.refresh_from_db()
    assert allocation.amount == Y("250000")


def test_street_campaign_is_read_only_for_community_staff(world, users, login):
    campaign, standard = world.fund.campaign, world.fund.standard
    client = login(users.staff_a)
    for model, obj in (("campaign", campaign), ("campaignstandard", standard)):
        url = reverse(f"admin:self_governance_{model}_change", args=[obj.pk])
        response = client.get(url)
        assert response.status_code == 200 and b'name="name"' not in response.content
        assert client.post(url, {"name": "改名"}).status_code == 403
    entry = world.fund.entry
    url = reverse("admin:self_governance_contestentry_change", args=[entry.pk])
    assert client.post(url, {"title": entry.title, "rank": "1"}).status_code == 403
    street = login(users.street)
    assert (
        b'name="name"'
        in street.get(reverse("admin:self_governance_campaign_change", args=[campaign.pk])).content
    )
    other = CampaignFactory(subdistrict=world.other_subdistrict)
    assert other.pk not in _listed(street, "campaign")
    assert CampaignStandardFactory(campaign=other).pk not in _listed(street, "campaignstandard")


def test_campaign_parts_follow_their_campaigns_subdistrict(world, users):
    from jinhai.scoping import Scope, subdistrict_id_of

    other = CampaignFactory(subdistrict=world.other_subdistrict)
    standard = CampaignStandardFactory(campaign=other)
    contest = ContestFactory(campaign=other)
    score = RoundScoreFactory(
        round=ContestRoundFactory(contest=contest),
        entry=ContestEntryFactory(contest=contest, community=world.elsewhere.community),
    )
    # Scope follows each part's path to its campaign's subdistrict, however many steps away.
    assert {subdistrict_id_of(row) for row in (standard, contest, score)} == {
        world.other_subdistrict.pk
    }
    street = Scope.for_user(users.street)
    assert not street.allows(standard) and not street.can_see(score)
    assert street.allows(world.fund.standard)
    assert Scope.for_user(users.staff_a).can_see(world.fund.round_score)
    assert not Scope.for_user(users.staff_a).allows(world.fund.round_score)


def test_inspections_and_rectifications_are_scoped(world, users, login):
    group_b = world.b.building_group
    enrollment_b = EnrollmentFactory(campaign=world.fund.campaign, building_group=group_b)
    fix_b = RectificationFactory(inspection=InspectionFactory(enrollment=enrollment_b))
    client = login(users.staff_a)
    assert _listed(client, "enrollment") == {world.fund.enrollment.pk}
    assert _listed(client, "rectification") == {world.fund.rectification.pk}
    url = reverse("admin:self_governance_rectification_change", args=[fix_b.pk])
    assert client.get(url).status_code == 404
    assert _listed(login(users.street), "rectification") == {world.fund.rectification.pk, fix_b.pk}


def test_inspection_scores_stay_within_full_marks_and_the_campaign(world, users, login):
    f = world.fund
    with pytest.raises(ValidationError, match="得分不能超过该项满分 15 分"):
        InspectionScore(inspection=f.inspection, standard=f.standard, score=Y("15.5")).full_clean()
    foreign = CampaignStandardFactory(campaign=CampaignFactory(subdistrict=world.subdistrict))
    with pytest.raises(ValidationError, match="标准项须属于该楼组参加的创建活动"):
        InspectionScore(inspection=f.inspection, standard=foreign, score=Y("1")).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionScore.objects.filter(pk=f.score.pk).update(score=Y("-1"))
    client = login(users.staff_a)
    url = reverse("admin:self_governance_inspection_change", args=[f.inspection.pk])
    data = form_values(client.get(url))
    assert data["scores-0-standard"] == str(f.standard.pk)
    data["scores-0-score"] = "16"
    response = client.post(url, data)
    assert response.status_code == 200 and "得分不能超过该项满分 15 分" in response.content.decode()


def test_rectification_done_needs_a_date(world):
    fix = world.fund.rectification
    fix.status = "done"
    with pytest.raises(ValidationError, match="须填写完成日期"):
        fix.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        fix.save()


# Staff pages.


def test_overdue_rectifications_page_is_scoped(world, users, login):
    overdue_url = reverse("admin:self_governance_rectification_overdue")
    enrollment_b = EnrollmentFactory(
        campaign=world.fund.campaign, building_group=world.b.building_group
    )
    fix_b = RectificationFactory(inspection=InspectionFactory(enrollment=enrollment_b))
    RectificationFactory(inspection=world.fund.inspection, finding="已整改的", status="done",
                         done_on=D(2022, 12, 1))  # fmt: skip
    response = login(users.staff_a).get(overdue_url)
    assert response.status_code == 200
    assert [r.pk for r in response.context["rows"]] == [world.fund.rectification.pk]
    assert "楼道堆放纸箱" in response.content.decode()
    street = login(users.street)
    assert {r.pk for r in street.get(overdue_url).context["rows"]} == {
        world.fund.rectification.pk,
        fix_b.pk,
    }
    street.post(
        reverse("admin:self_governance_rectification_changelist"),
        {"action": "mark_done_today", "_selected_action": [fix_b.pk]},
    )
    assert [r.pk for r in street.get(overdue_url).context["rows"]] == [world.fund.rectification.pk]
    assert login(users.superuser).get(overdue_url).status_code == 200


def test_dashboard_links_to_the_fund_and_overdue_pages(world, users, login):
    body = login(users.staff_a).get(reverse("admin:index")).content.decode()
    assert reverse("admin:self_governance_fundallocation_changelist") in body
    assert reverse("admin:self_governance_rectification_overdue") in body


def test_contest_shortlist_33_to_9_and_ranking(world, users, login):
    contest = ContestFactory(campaign=world.fund.campaign, name="比学赶超争先夺星")
    first = ContestRoundFactory(contest=contest, name="初赛", order=1)
    final = ContestRoundFactory(contest=contest, name="展示评选", order=2)
    entries = [
        ContestEntryFactory(contest=contest, community=world.a.community, title=f"节目{n:02d}")
        for n in range(33)
    ]
    for n, entry in enumerate(entries):
        RoundScoreFactory(round=first, entry=entry, score=Y(60 + n))
    url = reverse("admin:self_governance_contest_results", args=[contest.pk])
    assert login(users.staff_a).post(url, {"contest_round": first.pk, "count": 9,
                                           "shortlist": "1"}).status_code == 403  # fmt: skip
    client = login(users.street)
    response = client.post(url, {"contest_round": first.pk, "count": "9", "shortlist": "1"})
    assert response.status_code == 302
    shortlisted = list(contest.entries.filter(shortlisted=True).order_by("title"))
    assert [e.title for e in shortlisted] == [f"节目{n}" for n in range(24, 33)]
    response = client.post(url, {"contest_round": final.pk, "rank": "1"})
    assert "以下入围节目在展示评选中还没有得分" in response.content.decode()
    for n, entry in enumerate(shortlisted):
        RoundScoreFactory(round=final, entry=entry, score=Y(99 - n))
    assert client.post(url, {"contest_round": final.pk, "rank": "1"}).status_code == 302
    ranks = dict(contest.entries.filter(shortlisted=True).values_list("title", "rank"))
    assert ranks["节目24"] == 1 and ranks["节目32"] == 9
    # A tie at the cut is not decided by the machine.
    RoundScore.objects.filter(round=first, entry=entries[23]).update(score=Y(84))
    RoundScore.objects.filter(round=first, entry=entries[24]).update(score=Y(84))
    with pytest.raises(ValidationError, match="第 9 名和第 10 名同分"):
        campaign_services.contest_shortlist(contest=contest, contest_round=first, count=9)
    assert contest.entries.filter(shortlisted=True).count() == 9


def test_contest_rank_only_for_shortlisted_entries(world):
    entry = world.fund.entry
    with pytest.raises(IntegrityError), transaction.atomic():
        ContestEntry.objects.filter(pk=entry.pk).update(rank=1)


# Import: 自治金项目 (fund_projects).

HEADER = ["社区", "项目名称", "类别", "申请金额", "小区", "申报主体", "批准金额", "状态", "年度"]


def run(user, data, dry_run=False):
    dataset = SheetFormat.for_resource(FundProjectsResource)().create_dataset(data)
    return FundProjectsResource(user=user).import_data(
        dataset, dry_run=dry_run, rollback_on_validation_errors=True, file_name="f", user=user
    )


@pytest.mark.parametrize("make", [csv_quoted, xlsx_bytes], ids=["csv", "xlsx"])
def test_import_normalises_amounts(world, users, make):
    rows = [
        HEADER,
        ["正学社区", "正学苑楼道灯更换", "楼道", "1,200元", "正学苑", "1号楼楼组", "", "", "2022"],
        ["正学社区 ", "正学苑宠物便便箱", "宠物", "１２００", "", "", "", "讨论", "2022年"],
        ["正学社区", "正学苑为老助餐", "为老服务", "1.2万", "", "", "", "", "2023"],
    ]
    result = run(users.staff_a, make(rows))
    assert not result.has_validation_errors(), result.error_items
    assert result.created == 3
    lamp = FundProject.objects.get(title="正学苑楼道灯更换")
    pets = FundProject.objects.get(title="正学苑宠物便便箱")
    assert lamp.amount_requested == pets.amount_requested == Y("1200.00")
    assert (lamp.compound, lamp.category, lamp.status) == (
        world.a.compound,
        "stairway",
        "collecting",
    )
    assert (pets.status, pets.year, pets.compound) == ("discussing", 2022, None)
    assert FundProject.objects.get(title="正学苑为老助餐").amount_requested == Y("12000")


def test_import_refuses_words_for_amounts_and_writes_nothing(world, users):
    rows = [
        HEADER,
        ["正学社区", "正学苑楼道灯更换", "楼道", "1,200元", "", "", "", "", "2022"],
        ["正学社区", "正学苑宠物便便箱", "宠物", "一千二", "", "", "", "", "2022"],
    ]
    before = snapshot()
    result = run(users.staff_a, csv_quoted(rows))
    assert snapshot() == before
    assert result.error_items == [
        (3, "申请金额", "金额“一千二”不是数字:请写成 1200 或 1,200元"),
    ]


def test_community_staff_cannot_import_another_communitys_project(world, users):
    rows = [
        HEADER,
        ["正学社区", "正学苑楼道灯更换", "楼道", "1200", "", "", "", "", "2022"],
        ["丰乐社区", "丰乐苑车棚", "停车", "1200", "", "", "", "", "2022"],
        ["西渡社区", "西渡苑车棚", "停车", "1200", "", "", "", "", "2022"],
    ]
    before = snapshot()
    result = run(users.staff_a, csv_bytes(rows))
    assert snapshot() == before
    assert result.error_items == [
        # Another community, or one of another subdistrict, reads as a name nobody uses.
        (3, "社区", "本社区(本街道)没有社区“丰乐社区”:只能导入本社区(本街道)的数据,请核对名称"),
        (4, "社区", "本社区(本街道)没有社区“西渡社区”:只能导入本社区(本街道)的数据,请核对名称"),
    ]
    street = run(users.street, csv_bytes(rows[:3]))
    assert street.created == 2


def test_import_never_moves_a_status_or_approves(world, users):
    rows = [
        HEADER,
        ["正学社区", "新项目甲", "环境", "5000", "", "", "", "立项", "2022"],
        ["正学社区", "新项目乙", "环境", "5000", "", "", "4000", "", "2022"],
        ["正学社区", "新项目丙", "停车啊", "5000", "西渡苑", "", "", "", "2022"],
        ["正学社区", "正学苑非机动车车棚改造", "停车", "50000", "", "", "40000", "结项", "2022"],
        ["正学社区", "新项目丁", "其他", "0", "", "", "", "", "2022"],
    ]  # fmt: skip
    before = snapshot()
    result = run(users.staff_a, csv_bytes(rows))
    assert snapshot() == before
    errors = {(n, c): r for n, c, r in result.error_items}
    assert (
        "新项目只能以“征集”“讨论”或“公示”状态导入;“立项”须在项目页面逐步办理" in errors[(2, "状态")]
    )
    assert errors[(3, "批准金额")].startswith("批准金额在立项时于项目页面填写")
    assert errors[(4, "类别")].startswith(
        "类别“停车啊”不正确,应为:停车、环境、楼道、宠物、为老服务、其他"
    )
    assert errors[(5, "状态")] == "状态不能通过导入变更(当前:实施),请在项目页面办理"
    assert errors[(6, "申请金额")] == "申请金额须大于 0"


def test_import_updates_open_projects_and_leaves_approved_ones(world, users):
    open_project = FundProjectFactory(community=world.a.community, title="正学苑停车", year=2022)
    rows = [
        HEADER,
        # An export of the approved project, imported again: unchanged, not an error.
        ["正学社区", "正学苑非机动车车棚改造", "停车", "50000.00", "正学苑", "居民自治小组",
         "40000.00", "实施", "2022"],
        ["正学社区", "正学苑停车", "停车", "60000", "", "楼组长", "", "征集", "2022"],
    ]  # fmt: skip
    result = run(users.staff_a, csv_bytes(rows))
    assert not result.has_validation_errors(), result.error_items
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    open_project.refresh_from_db()
    assert (open_project.amount_requested, open_project.proposer) == (Y("60000"), "楼组长")
    rows[1][3] = "90000"
    result = run(users.staff_a, csv_bytes(rows))
    assert result.error_items == [
        (2, "项目名称", "项目已实施,不能通过导入修改;如有变更请在项目页面办理")
    ]


def test_import_takes_one_query_per_lookup_level(world, users):
    def selects(n):
        rows = [HEADER] + [
            ["正学社区", f"项目{i}", "环境", f"{1000 + i}元", "正学苑", "", "", "", "2022"]
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as ctx:
            result = run(users.staff_a, csv_bytes(rows), dry_run=True)
        assert not result.has_validation_errors(), result.error_items
        return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]

    selects(1)  # the user's scope is looked up once and kept
    # Whether the file was imported before, then communities, compounds, projects: one query
    # each, whatever the number of rows.
    assert len(selects(5)) == len(selects(200)) == 4


def test_import_through_the_admin_and_the_command(world, users, login, tmp_path):
    rows = [HEADER, ["正学社区", "正学苑楼道灯更换", "楼道", "一千二", "", "", "", "", "2022"]]
    client = login(users.staff_a)
    response = client.post(
        reverse("admin:self_governance_fundproject_import"),
        {"format": "0", "resource": "0",
         "import_file": SimpleUploadedFile("自治金.csv", csv_bytes(rows))},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200 and "金额“一千二”不是数字" in body
    template = client.get(reverse("admin:self_governance_fundproject_import_template"))
    assert template.status_code == 200
    path = tmp_path / "自治金.csv"
    rows[1][3] = "1,200元"
    path.write_bytes(csv_quoted(rows, "gbk"))
    out = io.StringIO()
    call_command("import_sheet", "fund_projects", str(path), "--user", "staff_a", stdout=out)
    assert "导入完成" in out.getvalue()
    assert FundProject.objects.get(title="正学苑楼道灯更换").amount_requested == Y("1200")


# Public pages.


def grow_fund(world, n=10):
    """Ten times the fund: projects with meetings, moves and payments, and general meetings."""
    FundAllocation.objects.filter(pk=world.fund.allocation.pk).update(amount=Y("10000000"))
    for i in range(n):
        compound = CompoundFactory(community=world.a.community, name=f"新苑{i}")
        project = discussed(world.a.community, compound=compound, title=f"新项目{i}")
        services.project_move(project=project, to="approved", by=None, approved_amount="50000")
        services.project_move(project=project, to="implementing", by=None)
        services.expenditure_add(  # paid after its 立项, which was today
            project=project, date=timezone.localdate(), amount="100", payee="某某",
            purpose=f"材料{i}", by=None,
        )  # fmt: skip
        DiscussionMeetingFactory(community=world.a.community, topic=f"说事会{i}")
        other = CommunityFactory(subdistrict=world.subdistrict, name=f"新社区{i}")
        FundAllocationFactory(community=other, amount=Y("1000"))


def test_fund_overview_page_and_query_count(world, client, django_assert_num_queries):
    url = reverse("fund:overview")
    with django_assert_num_queries(2):  # years, subdistricts with their totals
        response = client.get(url)
    assert response.status_code == 200
    place = next(s for s in response.context["subdistricts"] if s.pk == world.subdistrict.pk)
    assert (place.allocated, place.approved, place.spent, place.remaining) == (
        Y("200000"), Y("40000"), Y("12000"), Y("160000"),
    )  # fmt: skip
    body = response.content.decode()
    assert f"subdistrict={world.subdistrict.pk}" in body and reverse("campaign:list") in body
    assert "正学社区" not in body  # communities are listed per subdistrict
    mine = {"subdistrict": world.subdistrict.pk}
    with django_assert_num_queries(3):  # years, the subdistrict's totals, the page (12: no count)
        response = client.get(url, mine)
    row = next(c for c in response.context["communities"] if c.pk == world.a.community.pk)
    assert (row.allocated, row.approved, row.spent, row.remaining) == (
        Y("200000"), Y("40000"), Y("12000"), Y("160000"),
    )  # fmt: skip
    body = response.content.decode()
    assert "160000" in body and "正学社区" in body and "西渡社区" not in body
    grow_fund(world)
    with django_assert_num_queries(3):
        response = client.get(url, mine)
    assert len(response.context["communities"]) == 12
    assert response.context["totals"]["allocated"] == Y("10010000")


def test_fund_community_page_shows_where_the_money_went(world, client, django_assert_num_queries):
    DiscussionMeetingFactory(community=world.a.community, topic="说事会:破解停车难题")
    url = reverse("fund:community", args=[world.a.community.pk])
    with django_assert_num_queries(7):  # all statuses: the projects listed count themselves
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    for shown in ("正学苑非机动车车棚改造", "自治金参与式讨论会:车棚改造", "车棚钢结构材料",
                  "12000", "40000", "160000", "公示 → <strong>立项</strong>,批准 40000 元",
                  "说事会:破解停车难题"):  # fmt: skip
        assert shown in body, shown
    # Amounts are public; who proposed, who was paid and who moved are not.
    for hidden in ("车棚施工单位", "居民自治小组", "staff_a"):
        assert hidden not in body, hidden
    timeline = response.context["projects"][0].timeline
    assert [kind for _, kind, _ in timeline] == ["meeting", "move", "move", "move", "move"]

    grow_fund(world)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["projects"]) == 11
    assert len(response.context["general_meetings"]) == 11
    with django_assert_num_queries(8):
        response = client.get(url, {"status": "implementing", "year": "2022"})
    assert len(response.context["projects"]) == 11


@pytest.mark.parametrize(
    "params", [{"year": "abc"}, {"year": "1999"}, {"status": "<script>"}, {"year": "2022" * 9}]
)
def test_fund_pages_ignore_bad_parameters(world, client, params):
    for url in (
        reverse("fund:overview"),
        reverse("fund:community", args=[world.a.community.pk]),
    ):
        response = client.get(url, params)
        assert response.status_code == 200
        assert response.context["year"] == 2022


def test_community_page_links_to_its_fund(world, client):
    body = client.get(reverse("communities:detail", args=[world.a.community.pk])).content.decode()
    assert reverse("fund:community", args=[world.a.community.pk]) in body
    assert client.get("/fund/communities/999999/").status_code == 404


def grow_campaign(world, n=10):
    f = world.fund
    standards = [f.standard] + [
        CampaignStandardFactory(campaign=f.campaign, name=f"标准{i}", max_score=10)
        for i in range(3)
    ]
    for i in range(n):
        group = BuildingGroupFactory(compound=world.a.compound, name=f"{i + 2}号楼")
        enrollment = EnrollmentFactory(campaign=f.campaign, building_group=group)
        for kind, day in (("self", 1), ("mutual", 2), ("street", 3)):
            inspection = InspectionFactory(enrollment=enrollment, kind=kind, date=D(2022, 11, day))
            for standard in standards:
                InspectionScoreFactory(inspection=inspection, standard=standard, score=Y(8))
        RectificationFactory(inspection=inspection, status="done", done_on=D(2022, 11, 20))
        entry = ContestEntryFactory(contest=f.contest, community=world.a.community)
        RoundScoreFactory(round=f.round, entry=entry, score=Y(70 + i))


def test_campaign_page_shows_building_groups_and_results(world, client, django_assert_num_queries):
    f = world.fund
    url = reverse("campaign:detail", args=[f.campaign.pk])
    # campaign, standards, communities with their counts, building groups (a page of the only
    # community's), their scores, their fixes, contests
    with django_assert_num_queries(7):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "清堆物" in body and "正学苑" in body and "1号楼" in body
    row = response.context["enrollments"][0]
    assert row.results == {"self": None, "mutual": None, "street": Y("12")}
    assert row.fixes == {"done": 0, "open": 1, "overdue": 1}
    assert "街道社区自治办" not in body  # inspectors are not named publicly
    assert reverse("campaign:contest", args=[f.contest.pk]) in body
    grow_campaign(world)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["enrollments"]) == 11
    assert response.context["enrollments"][1].results["street"] == Y("32")
    assert response.context["full_marks"] == 45


def test_latest_inspection_of_each_kind_counts(world):
    f = world.fund
    later = InspectionFactory(enrollment=f.enrollment, kind="street", date=D(2022, 12, 20))
    InspectionScoreFactory(inspection=later, standard=f.standard, score=Y(14))
    (row,) = campaign_selectors.enrollment_results(f.campaign)
    assert row.results["street"] == Y("14")


def test_contest_page_only_when_published(world, client, django_assert_num_queries):
    f = world.fund
    url = reverse("campaign:contest", args=[f.contest.pk])
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200 and "正学楼组自治" in response.content.decode()
    grow_campaign(world)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["entries"]) == 11
    f.contest.published = False
    f.contest.save(update_fields=["published"])
    assert client.get(url).status_code == 404
    body = client.get(reverse("campaign:detail", args=[f.campaign.pk])).content.decode()
    assert url not in body


# The demo: the article's figures.


@pytest.mark.django_db
def test_demo_fund_and_campaign():
    call_command("load_demo", stdout=io.StringIO())
    assert set(FundProject.objects.values_list("status", flat=True)) == set(ProjectStatus.values)
    parking = DiscussionMeeting.objects.filter(project__isnull=True, topic__contains="停车难题")
    assert parking.exists()
    for project in FundProject.objects.funded():
        assert project.meetings.exists() and selectors.spent(project) <= project.amount_approved
        assert project.moves.filter(to_status="approved", approved_amount__isnull=False).exists()
    for row in selectors.community_fund_figures(Community.objects.all(), 2022):
        assert 0 <= row.spent <= row.approved <= row.allocated
    campaign = Campaign.objects.get(name="“和美楼组”创建", year=2022)
    groups = BuildingGroup.objects.filter(compound__name__in=["金水苑", "金水新苑"])
    assert set(campaign.enrollments.values_list("building_group", flat=True)) == set(
        groups.values_list("pk", flat=True)
    )
    assert campaign.enrollments.count() == 78
    assert set(
        Enrollment.objects.filter(campaign=campaign)
        .values_list("inspections__kind", flat=True)
        .distinct()
    ) == {"self", "mutual", "street"}
    assert CampaignStandard.objects.filter(campaign=campaign).count() == 6
    fixes = Rectification.objects.filter(inspection__enrollment__campaign=campaign)
    assert fixes.overdue().exists() and fixes.filter(status="done").exists()
    contest = campaign.contests.get()
    assert contest.published and contest.entries.count() == 33
    assert sorted(contest.entries.filter(shortlisted=True).values_list("rank", flat=True)) == list(
        range(1, 10)
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    page=st.sampled_from(
        ["fund:overview", "fund:community", "campaign:detail", "campaign:contest"]
    ),
    params=st.dictionaries(
        st.sampled_from(["year", "status", "month", "page", "x"]), st.text(max_size=30), max_size=3
    ),
)
def test_random_query_strings_never_break_a_fund_page(world, client, page, params):
    args = {
        "fund:overview": [],
        "fund:community": [world.a.community.pk],
        "campaign:detail": [world.fund.campaign.pk],
        "campaign:contest": [world.fund.contest.pk],
    }[page]
    params = {k: v.replace("\x00", "") for k, v in params.items()}
    response = client.get(reverse(page, args=args), params)
    assert response.status_code == 200, (page, params)
