"""The fund's writes. `project_move` is the one place a project's status changes and is checked;
`expenditure_add` the one place money goes out; `allocation_save` the one place a year's
allocation is set. The first two lock the project row first, so that two staff acting at once are
serialised; an approval then locks the year's allocation row, so that two approvals cannot both
take the last of the money.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jinhai.caching import data_changed

from . import selectors
from .models import (
    PROJECT_PATH,
    SPENDING_STATUSES,
    DiscussionMeeting,
    Expenditure,
    FundAllocation,
    FundProject,
    ProjectMove,
    ProjectStatus,
)


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


@transaction.atomic
def project_move(*, project, to, by, note="", approved_amount=None) -> ProjectMove:
    """Move a project one step along 征集 → 讨论 → 公示 → 立项 → 实施 → 验收 → 结项, or to
    不予立项 before 立项, and record the move.

    立项 needs at least one discussion meeting about the project on record and an approved
    amount within the request and within what is left of the community's allocation for the
    project's year; 结项 comes only after 验收.
    """
    if to not in ProjectStatus.values:
        raise ValidationError(f"没有“{to}”这个项目状态。")
    to = ProjectStatus(to)
    project = FundProject.objects.select_for_update().select_related("community").get(pk=project.pk)
    current = project.status
    if to not in allowed_moves(current):
        _refuse_move(current, to)
    if to == ProjectStatus.APPROVED:
        approved = _approve(project, approved_amount)
    elif approved_amount not in (None, ""):
        raise ValidationError("批准金额只在立项时填写。")
    else:
        approved = None
    FundProject.objects.filter(pk=project.pk).update(
        status=to, **({"amount_approved": approved} if approved is not None else {})
    )
    data_changed()  # update() sends no post_save
    project.status = to
    if approved is not None:
        project.amount_approved = approved
    return ProjectMove.objects.create(
        project=project,
        from_status=current,
        to_status=to,
        by=by if getattr(by, "pk", None) else None,
        approved_amount=approved,
        note=note,
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
    if not meetings.filter(date__lte=today).exists():
        planned = meetings.order_by("date").first()
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
