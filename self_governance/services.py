"""The points ledger's writes. Every change to a balance goes through here, in one transaction
with its entry, so that a balance always equals the sum of its entries.

The balance and the monthly figure are moved by a database trigger inside each INSERT (migration
0002), so they cannot drift from the entries whatever writes them. Writes that must first read
(a monthly cap, a redemption) lock the account row (SELECT ... FOR UPDATE on PostgreSQL), so
that they see what another staff member just wrote; the CHECK constraints (balance >= 0,
stock >= 0) stand behind that.
"""

import datetime
import itertools
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from jinhai.caching import data_changed

from . import selectors
from .models import (
    PROJECT_PATH,
    SPENDING_STATUSES,
    Account,
    Contest,
    ContestEntry,
    DiscussionMeeting,
    EntryKind,
    Expenditure,
    FundAllocation,
    FundProject,
    PointEntry,
    ProjectMove,
    ProjectStatus,
    Redemption,
    Reward,
    RoundScore,
    Rule,
    SchemeStatus,
)


def _month(date: datetime.date) -> datetime.date:
    return date.replace(day=1)


def _locked(account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


def _apply(account, entry) -> PointEntry:
    """Insert the entry; the database moves the balance and the month's figure with it.

    The trigger (migration 0002) runs inside the INSERT, and the account's CHECK (balance >= 0)
    refuses an entry that would overdraw it: the INSERT fails as a whole and the caller's
    transaction rolls back.
    """
    try:
        entry.save()
    except IntegrityError as exc:
        if "account_balance_not_negative" in str(exc) or "CHECK" in str(exc):
            raise ValidationError("积分余额不足,未登记。") from exc
        raise
    account.balance += entry.points
    return entry


def check_rule_applies(*, account, rule, date) -> None:
    if rule.scheme_id != account.scheme_id:
        raise ValidationError(f"细则 {rule.code} 不属于该账户的美丽约定。")
    scheme = rule.scheme
    if not rule.is_current:
        raise ValidationError(f"细则 {rule.code} 已有新版本,请使用现行细则。")
    if scheme.status != SchemeStatus.ACTIVE:
        raise ValidationError(f"“{scheme}”不在实施中,不能登记积分。")
    if not scheme.covers(date):
        raise ValidationError(f"{date:%Y-%m-%d} 不在“{scheme}”的实施期内。")


def check_cap(*, account, rule, date, already=0) -> None:
    """`already`: points from this rule in that month not yet in the database (an import)."""
    if rule.monthly_cap is None or rule.points < 0:
        return
    month = _month(date)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    earned = (
        PointEntry.objects.filter(
            account=account, rule__scheme=rule.scheme_id, rule__code=rule.code,
            date__gte=month, date__lt=next_month,
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )  # fmt: skip
    if earned + already + rule.points > rule.monthly_cap:
        raise ValidationError(cap_message(rule, earned + already))


def cap_message(rule, so_far) -> str:
    return f"超过细则 {rule.code} 每户每月 {rule.monthly_cap} 分的上限(本月已得 {so_far} 分)"


@transaction.atomic
def entry_record(*, account, rule, date, by, note="", evidence=None) -> PointEntry:
    """Award or deduct one rule's points for one account."""
    check_rule_applies(account=account, rule=rule, date=date)
    if rule.monthly_cap is not None and rule.points > 0:
        # Serialise with other writers on this account before counting the month's points.
        account = _locked(account)
        check_cap(account=account, rule=rule, date=date)
    entry = PointEntry(
        account=account,
        rule=rule,
        kind=EntryKind.AWARD if rule.points > 0 else EntryKind.DEDUCTION,
        points=rule.points,
        date=date,
        recorded_by=by,
        note=note,
    )
    if evidence:
        entry.evidence = evidence
    try:
        return _apply(account, entry)
    except ValidationError:
        raise ValidationError("扣分后积分将小于 0,未登记。") from None


@transaction.atomic
def entries_record_many(*, rule, accounts, date, by, note="") -> list[PointEntry]:
    """One rule for many households at once (a clean-up day, a meeting): all or none."""
    return [entry_record(account=a, rule=rule, date=date, by=by, note=note) for a in accounts]


@transaction.atomic
def entry_reverse(*, entry, by, date=None, note="") -> PointEntry:
    """Correct a wrong entry with its mirror image; the wrong one stays, marked as reversed."""
    if entry.kind in (EntryKind.REVERSAL, EntryKind.REDEMPTION):
        raise ValidationError("冲正记录和兑换记录不能再冲正。")
    if PointEntry.objects.filter(reverses=entry).exists():
        raise ValidationError("这条明细已经冲正过。")
    account = entry.account
    reversal = PointEntry(
        account=account,
        rule=entry.rule,
        kind=EntryKind.REVERSAL,
        points=-entry.points,
        date=date or entry.date,
        recorded_by=by,
        reverses=entry,
        note=note or f"冲正 {entry.date:%Y-%m-%d} 的明细",
    )
    try:
        with transaction.atomic():
            return _apply(account, reversal)
    except IntegrityError as exc:  # the one-to-one on `reverses`: reversed a moment ago
        raise ValidationError("这条明细已经冲正过。") from exc
    except ValidationError:
        raise ValidationError("冲正后积分将小于 0,请先处理兑换记录。") from None


@transaction.atomic
def redeem(*, account, reward, quantity=1, date, by) -> Redemption:
    """Spend points on a reward: points and stock go down together or not at all."""
    if quantity < 1:
        raise ValidationError("兑换数量至少为 1。")
    if reward.scheme_id != account.scheme_id:
        raise ValidationError("该奖品不属于这个账户的美丽约定。")
    account = _locked(account)
    cost = reward.cost * quantity
    if account.balance < cost:
        raise ValidationError(f"积分不足:需要 {cost} 分,当前 {account.balance} 分。")
    taken = Reward.objects.filter(pk=reward.pk, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not taken:
        raise ValidationError(f"“{reward.name}”库存不足。")
    data_changed()  # update() sends no post_save
    redemption = Redemption.objects.create(
        account=account, reward=reward, quantity=quantity, points=cost, date=date, recorded_by=by
    )
    _apply(
        account,
        PointEntry(
            account=account,
            kind=EntryKind.REDEMPTION,
            points=-cost,
            date=date,
            recorded_by=by,
            redemption=redemption,
            note=f"兑换 {reward.name} ×{quantity}",
        ),
    )
    return redemption


@transaction.atomic
def rule_change(*, rule, points, description=None, monthly_cap=None) -> Rule:
    """Change a rule: in place while it is unused, otherwise as a new version."""
    description = rule.description if description is None else description
    if not rule.entries.exists():
        rule.points, rule.description, rule.monthly_cap = points, description, monthly_cap
        rule.full_clean()
        rule.save()
        return rule
    Rule.objects.filter(pk=rule.pk).update(is_current=False)
    data_changed()  # update() sends no post_save
    new = Rule(
        scheme=rule.scheme,
        code=rule.code,
        description=description,
        points=points,
        monthly_cap=monthly_cap,
        version=rule.version + 1,
    )
    new.full_clean()
    new.save()
    return new


# 自治金. `project_move` is the one place a project's status changes and is checked;
# `expenditure_add` the one place money goes out. Both lock the project row first, so that two
# staff acting at once are serialised; an approval then locks the year's allocation row, so that
# two approvals cannot both take the last of the money.


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
    if not DiscussionMeeting.objects.filter(project=project).exists():
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


# 比学赶超: the shortlist (33 → 9) and the final ranking are computed from a round's scores.


def _round_scores(contest, round_):
    if round_.contest_id != contest.pk:
        raise ValidationError("该轮次不属于这个比赛。")
    return list(
        RoundScore.objects.filter(round=round_).select_related("entry").order_by("-score", "pk")
    )


@transaction.atomic
def contest_shortlist(*, contest, contest_round, count) -> list[ContestEntry]:
    """Shortlist the `count` best entries of a round; the others leave the shortlist."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if count < 1:
        raise ValidationError("入围数量至少为 1。")
    scores = _round_scores(contest, contest_round)
    if len(scores) < count:
        raise ValidationError(
            f"{contest_round.name}只有 {len(scores)} 个节目有得分,不足 {count} 个。"
        )
    if len(scores) > count and scores[count - 1].score == scores[count].score:
        raise ValidationError(
            f"第 {count} 名和第 {count + 1} 名同分({scores[count].score} 分),请先复核得分。"
        )
    chosen = {s.entry_id for s in scores[:count]}
    entries = list(contest.entries.all())
    ContestEntry.objects.filter(contest=contest).update(rank=None)
    for entry in entries:
        entry.shortlisted = entry.pk in chosen
        entry.rank = None
    ContestEntry.objects.bulk_update(entries, ["shortlisted"])
    data_changed()  # update() and bulk_update send no post_save
    return [e for e in entries if e.shortlisted]


@transaction.atomic
def contest_rank(*, contest, contest_round) -> list[ContestEntry]:
    """Rank the shortlisted entries by their scores in a round (1 = best)."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    shortlisted = {e.pk: e for e in contest.entries.filter(shortlisted=True)}
    if not shortlisted:
        raise ValidationError("还没有入围节目。")
    scores = [s for s in _round_scores(contest, contest_round) if s.entry_id in shortlisted]
    missing = set(shortlisted) - {s.entry_id for s in scores}
    if missing:
        names = "、".join(sorted(shortlisted[pk].title for pk in missing))
        raise ValidationError(f"以下入围节目在{contest_round.name}中还没有得分:{names}。")
    for before, after in itertools.pairwise(scores):
        if before.score == after.score:
            raise ValidationError(
                f"“{before.entry.title}”和“{after.entry.title}”同分({after.score} 分),"
                "请先复核得分。"
            )
    ContestEntry.objects.filter(contest=contest).update(rank=None)
    ranked = []
    for position, score in enumerate(scores, start=1):
        entry = shortlisted[score.entry_id]
        entry.rank = position
        ranked.append(entry)
    ContestEntry.objects.bulk_update(ranked, ["rank"])
    data_changed()  # update() and bulk_update send no post_save
    return ranked
