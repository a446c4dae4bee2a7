"""The fund's writes. `project_move` is the one place a project's status changes and is checked;
`expenditure_add` the one place money goes out; `allocation_save` the one place a year's
allocation is set. The first two lock the project row first, so that two staff acting at once are
serialised; an approval then locks the year's allocation row, so that two approvals cannot both
take the last of the money.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jinhai.caching import data_changed
from jinhai.validators import validate_public_text

from . import selectors
from .models import (
    NOTICE_DAYS,
    NOTICE_MAX_DAYS,
    PROJECT_PATH,
    SPENDING_STATUSES,
    SUPPORT_STATUSES,
    DiscussionMeeting,
    Expenditure,
    FundAllocation,
    FundProject,
    ProjectMove,
    ProjectStatus,
    ProposalReview,
)
from .participation import OPINION_MAX_LENGTH, Opinion, OpinionState, Support

# Writes a household may make in one day (Shanghai time).
PROPOSALS_PER_DAY = 5
OPINIONS_PER_DAY = 20
# How far from today staff may date a notice: one pinned up on paper last week is recorded now.
NOTICE_DATE_REACH = datetime.timedelta(days=30)


def yuan(amount) -> str:
    return f"{Decimal(amount):,.2f}"


def _money(value, what) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what}“{value}”不是数字。") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"{what}须大于 0。")
    return amount


def allowed_moves(status) -> list[str]:
    """The statuses a project in `status` may move to next."""
    if status not in PROJECT_PATH or status == ProjectStatus.CLOSED:
        return []
    position = PROJECT_PATH.index(status)
    moves = [PROJECT_PATH[position + 1]]
    if position < PROJECT_PATH.index(ProjectStatus.APPROVED):
        moves.append(ProjectStatus.REJECTED)
    return moves


def _label(status) -> str:
    return ProjectStatus(status).label


def _refuse_move(current, to) -> None:
    if to == current:
        raise ValidationError(f"项目已是“{_label(current)}”状态。")
    if current in (ProjectStatus.CLOSED, ProjectStatus.REJECTED):
        raise ValidationError(f"项目已{_label(current)},状态不能再变更。")
    if to == ProjectStatus.CLOSED:
        raise ValidationError(f"结项前须先验收(当前状态:{_label(current)})。")
    if to == ProjectStatus.REJECTED:
        raise ValidationError("已立项的项目不能再改为不予立项。")
    nexts = "”或“".join(_label(s) for s in allowed_moves(current))
    raise ValidationError(
        f"不能从“{_label(current)}”直接变更为“{_label(to)}”:下一步只能是“{nexts}”。"
    )


def _notice_dates(notice_from, notice_days) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    start = notice_from or today
    if abs(start - today) > NOTICE_DATE_REACH:
        raise ValidationError(
            f"公示开始日期 {start:%Y-%m-%d} 离今天太远:"
            f"只能在今天前后 {NOTICE_DATE_REACH.days} 天内。"
        )
    try:
        days = NOTICE_DAYS if notice_days in (None, "") else int(notice_days)
    except (TypeError, ValueError):
        raise ValidationError(f"公示天数“{notice_days}”不是整数。") from None
    if not 1 <= days <= NOTICE_MAX_DAYS:
        raise ValidationError(f"公示天数须在 1 到 {NOTICE_MAX_DAYS} 天之间。")
    return start, start + datetime.timedelta(days=days - 1)


def _refuse_early_approval(project) -> None:
    """立项 only after the notice has hung its full days."""
    today = timezone.localdate()
    if project.notice_until is None:
        raise ValidationError("该项目没有公示期记录,不能立项:请先登记公示。")
    if today <= project.notice_until:
        raise ValidationError(
            f"公示期为 {project.notice_from:%Y-%m-%d} 至 {project.notice_until:%Y-%m-%d},"
            f"期满后({project.notice_until + datetime.timedelta(days=1):%Y-%m-%d} 起)才能立项。"
        )


@transaction.atomic
def project_move(
    *, project, to, by, note="", approved_amount=None, notice_from=None, notice_days=None
) -> ProjectMove:
    """Move a project one step along 征集 → 讨论 → 公示 → 立项 → 实施 → 验收 → 结项, or to
    不予立项 before 立项, and record the move.

    公示 puts the notice up from `notice_from` (today by default) for `notice_days` days
    (`NOTICE_DAYS` by default); 立项 comes only after it has ended, with at least one discussion
    meeting about the project on record and an approved amount within the request and within
    what is left of the community's allocation for the project's year; 结项 comes only after 验收.
    """
    if to not in ProjectStatus.values:
        raise ValidationError(f"没有“{to}”这个项目状态。")
    to = ProjectStatus(to)
    project = FundProject.objects.select_for_update().select_related("community").get(pk=project.pk)
    current = project.status
    if to not in allowed_moves(current):
        _refuse_move(current, to)
    changes = {"status": to}
    if to == ProjectStatus.APPROVED:
        _refuse_early_approval(project)
        changes["amount_approved"] = _approve(project, approved_amount)
    elif approved_amount not in (None, ""):
        raise ValidationError("批准金额只在立项时填写。")
    if to == ProjectStatus.PUBLICISING:
        changes["notice_from"], changes["notice_until"] = _notice_dates(notice_from, notice_days)
        dates = f"公示期 {changes['notice_from']:%Y-%m-%d} 至 {changes['notice_until']:%Y-%m-%d}"
        note = f"{note};{dates}" if note else dates
    elif notice_from not in (None, "") or notice_days not in (None, ""):
        raise ValidationError("公示日期只在变更为“公示”时填写。")
    FundProject.objects.filter(pk=project.pk).update(**changes)
    data_changed()  # update() sends no post_save
    for field, value in changes.items():
        setattr(project, field, value)
    approved = changes.get("amount_approved")
    return ProjectMove.objects.create(
        project=project,
        from_status=current,
        to_status=to,
        by=by if getattr(by, "pk", None) else None,
        approved_amount=approved,
        note=note[:200],
    )


def _approve(project, approved_amount) -> Decimal:
    if approved_amount in (None, ""):
        raise ValidationError("立项须填写批准金额。")
    amount = _money(approved_amount, "批准金额")
    if amount > project.amount_requested:
        raise ValidationError(
            f"批准金额 {yuan(amount)} 元超过申请金额 {yuan(project.amount_requested)} 元。"
        )
    meetings = DiscussionMeeting.objects.filter(project=project)
    today = timezone.localdate()
    if not meetings.filter(date__lte=today, participants__isnull=False).exists():
        planned = meetings.order_by("date").first()
        if planned is not None and planned.date <= today:
            raise ValidationError(
                f"立项须在讨论会之后:讨论会“{planned.topic}”({planned.date:%Y-%m-%d})"
                "还没有登记参加人数,请先在会议记录中填写。"
            )
        if planned is not None:
            raise ValidationError(
                f"立项须在讨论会之后:关于该项目的讨论会“{planned.topic}”日期为"
                f" {planned.date:%Y-%m-%d},还没有召开,今天不能立项。"
            )
        raise ValidationError(
            "立项前须至少召开一次关于该项目的讨论会(自治金参与式讨论会),目前没有记录。"
        )
    allocation = (
        FundAllocation.objects.select_for_update()
        .filter(community=project.community_id, year=project.year)
        .first()
    )
    if allocation is None:
        raise ValidationError(
            f"{project.community.name} {project.year} 年度尚未下达自治金额度,不能立项。"
        )
    taken = selectors.committed(project.community_id, project.year, exclude_project=project.pk)
    remaining = allocation.amount - taken
    if amount > remaining:
        raise ValidationError(
            f"批准金额 {yuan(amount)} 元超过{project.community.name} {project.year} 年度自治金"
            f"余额 {yuan(remaining)} 元(额度 {yuan(allocation.amount)} 元,"
            f"已批准 {yuan(taken)} 元)。"
        )
    return amount


def check_spending(*, project, amount) -> None:
    """Whether `amount` may be paid for `project` now. Forms call it to say so early;
    `expenditure_add` calls it again with the project row locked, which is what counts."""
    if project.status not in SPENDING_STATUSES:
        raise ValidationError(
            f"只有“实施”或“验收”阶段的项目可以登记支出(当前状态:{_label(project.status)})。"
        )
    already = selectors.spent(project)
    if already + amount > project.amount_approved:
        left = project.amount_approved - already
        raise ValidationError(
            f"支出 {yuan(amount)} 元后合计将超过批准金额 {yuan(project.amount_approved)} 元"
            f"(已支出 {yuan(already)} 元,还可支出 {yuan(left)} 元),未登记。"
        )


@transaction.atomic
def expenditure_add(*, project, date, amount, payee, purpose, receipt=None, by) -> Expenditure:
    """Record money paid for a project in 实施 or 验收; the project's total spending never
    exceeds its approved amount."""
    amount = _money(amount, "支出金额")
    project = FundProject.objects.select_for_update().get(pk=project.pk)
    check_spending(project=project, amount=amount)
    expenditure = Expenditure(
        project=project,
        date=date,
        amount=amount,
        payee=payee,
        purpose=purpose,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    if receipt:
        expenditure.receipt = receipt
    expenditure.full_clean(exclude=["project", "recorded_by"])
    expenditure.save()
    return expenditure


@transaction.atomic
def allocation_save(*, allocation) -> FundAllocation:
    """Set a community's allocation for a year; never below what is already approved from it."""
    if allocation.pk:
        # The lock an approval takes: no approval slips in between this sum and the save.
        list(FundAllocation.objects.select_for_update().filter(pk=allocation.pk).values_list("pk"))
    taken = selectors.committed(allocation.community_id, allocation.year)
    if allocation.amount is not None and allocation.amount < taken:
        raise ValidationError(f"该年度已批准的项目合计 {yuan(taken)} 元,额度不能低于这个数。")
    allocation.save()
    return allocation


@transaction.atomic
def allocations_set(*, year: int, amounts: dict) -> list[FundAllocation]:
    """A year's allocations in one go: `amounts` maps communities to amounts (None leaves a
    community without one, or as it is). All or nothing: one amount below what is approved
    from that year refuses them all, naming every such community. Returns the rows changed."""
    existing = {
        a.community_id: a
        for a in FundAllocation.objects.select_for_update().filter(
            year=year, community__in=[c.pk for c in amounts]
        )
    }
    errors, changed = [], []
    for community, amount in amounts.items():
        allocation = existing.get(community.pk)
        if amount is None or (allocation is not None and allocation.amount == amount):
            continue
        if allocation is None:
            allocation = FundAllocation(community=community, year=year, amount=amount)
        allocation.amount = amount
        taken = selectors.committed(community.pk, year)
        if amount < taken:
            errors.append(f"{community}:该年度已批准 {yuan(taken)} 元,额度不能低于这个数。")
            continue
        try:
            allocation.full_clean(validate_unique=False)
        except ValidationError as exc:
            errors.extend(f"{community}:{m}" for m in exc.messages)
            continue
        changed.append(allocation)
    if errors:
        raise ValidationError(errors)
    for allocation in changed:
        allocation.save()
    return changed


def _today_start():
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def proposal_submit(
    *, household, title, category, description, amount, compound=None
) -> FundProject:
    """A household's proposal (居民提议): a project of its community in 征集, this year, waiting
    for staff (待审核) and public only once they accept it. At most `PROPOSALS_PER_DAY` a day."""
    if (
        FundProject.objects.filter(household=household, created_at__gte=_today_start()).count()
        >= PROPOSALS_PER_DAY
    ):
        raise ValidationError(f"每户每天最多提交 {PROPOSALS_PER_DAY} 条提议,请明天再提。")
    if compound is not None and compound.community_id != household.community_id:
        raise ValidationError("只能为本户所在社区的小区提议。")
    project = FundProject(
        community_id=household.community_id,
        compound=compound,
        year=timezone.localdate().year,
        title=title.strip(),
        category=category,
        description=description.strip(),
        amount_requested=_money(amount, "估算金额"),
        proposer=f"居民提议:{household}",
        household=household,
        review=ProposalReview.PENDING,
    )
    project.full_clean()
    project.save()
    return project


def _pending(project_pk):
    project = FundProject.objects.select_for_update().get(pk=project_pk)
    if project.review != ProposalReview.PENDING:
        raise ValidationError("这条提议已审核过。" if project.review else "这不是居民提议。")
    return project


def _reviewed(project, review, note="", into=None) -> FundProject:
    project.review = review
    project.review_note = note
    project.merged_into = into
    project.save(update_fields=["review", "review_note", "merged_into"])
    return project


@transaction.atomic
def proposal_accept(*, project, by, note="") -> FundProject:
    """Take a proposal into the process: it becomes public, in 征集, like any project."""
    return _reviewed(_pending(project.pk), ProposalReview.ACCEPTED, note[:200])


@transaction.atomic
def proposal_merge(*, project, into, by, note="") -> FundProject:
    """Merge a proposal into an existing public project of its community and year; its
    supports move there (a household that supported both keeps one)."""
    project = _pending(project.pk)
    into = FundProject.objects.select_for_update().get(pk=into.pk)
    if into.pk == project.pk or into.review in (
        ProposalReview.PENDING,
        ProposalReview.MERGED,
        ProposalReview.DECLINED,
    ):
        raise ValidationError("只能并入已公开的项目。")
    if (into.community_id, into.year) != (project.community_id, project.year):
        raise ValidationError("只能并入同一社区、同一年度的项目。")
    already = Support.objects.filter(project=into).values("household")
    Support.objects.filter(project=project).exclude(household__in=already).update(project=into)
    Support.objects.filter(project=project).delete()
    data_changed()  # update() sends no post_save
    return _reviewed(project, ProposalReview.MERGED, note or f"已并入“{into.title}”。", into)


@transaction.atomic
def proposal_decline(*, project, by, reason) -> FundProject:
    """Decline a proposal with a reason the household sees on 我的; it stays unpublished."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("不予采纳须写明理由,提议住户会看到。")
    validate_public_text(reason[:200])
    project = _pending(project.pk)
    return _reviewed(project, ProposalReview.DECLINED, reason)


def _household_may_see(project, household) -> bool:
    """A public project of the household's own community: what its writes may touch."""
    return (
        project.community_id == household.community_id
        and FundProject.objects.reviewed().filter(pk=project.pk).exists()
    )


def support_add(*, project, household) -> Support:
    """A household supports (附议) a public project of its community in 征集 or 讨论, once."""
    if not _household_may_see(project, household):
        raise ValidationError("只能附议本社区已公开的项目。")
    if project.status not in SUPPORT_STATUSES:
        raise ValidationError(f"项目已在“{project.get_status_display()}”阶段,不再接受附议。")
    try:
        with transaction.atomic():
            return Support.objects.create(project=project, household=household)
    except IntegrityError:
        raise ValidationError("本户已附议过这个项目。") from None


def support_withdraw(*, project, household) -> int:
    """Withdraw the household's support while the project still takes supports."""
    if project.status not in SUPPORT_STATUSES:
        raise ValidationError(f"项目已在“{project.get_status_display()}”阶段,附议不能再撤回。")
    deleted, _ = Support.objects.filter(project=project, household=household).delete()
    return deleted


def opinion_submit(*, project, household, text) -> Opinion:
    """A household's opinion (意见) on a public project of its community while its notice hangs;
    it waits for staff (待审核). At most `OPINIONS_PER_DAY` a day."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写意见。")
    if len(text) > OPINION_MAX_LENGTH:
        raise ValidationError(f"意见最多 {OPINION_MAX_LENGTH} 字(现有 {len(text)} 字)。")
    if not _household_may_see(project, household):
        raise ValidationError("只能对本社区公示中的项目提意见。")
    if not project.notice_running():
        if project.status == ProjectStatus.PUBLICISING and project.notice_until:
            raise ValidationError(
                f"公示期为 {project.notice_from:%Y-%m-%d} 至 {project.notice_until:%Y-%m-%d},"
                "现在不在公示期内。"
            )
        raise ValidationError(f"项目在“{project.get_status_display()}”阶段,不在公示期内。")
    if (
        Opinion.objects.filter(household=household, created_at__gte=_today_start()).count()
        >= OPINIONS_PER_DAY
    ):
        raise ValidationError(f"每户每天最多提交 {OPINIONS_PER_DAY} 条意见,请明天再提。")
    return Opinion.objects.create(project=project, household=household, text=text)


@transaction.atomic
def opinion_moderate(*, opinion, by, publish: bool, reply="") -> Opinion:
    """Publish an opinion (with staff's public reply, if any) or withhold it. A decision may be
    revised; the audit trail keeps every one."""
    reply = (reply or "").strip()
    if len(reply) > OPINION_MAX_LENGTH:
        raise ValidationError(f"答复最多 {OPINION_MAX_LENGTH} 字。")
    validate_public_text(reply)
    opinion = Opinion.objects.select_for_update().get(pk=opinion.pk)
    opinion.state = OpinionState.PUBLISHED if publish else OpinionState.WITHHELD
    opinion.reply = reply
    opinion.moderated_by = by if getattr(by, "pk", None) else None
    opinion.moderated_at = timezone.now()
    opinion.save(update_fields=["state", "reply", "moderated_by", "moderated_at"])
    return opinion
