"""The points ledger's writes. Every change to a balance goes through here, in one transaction
with its entry, so that a balance always equals the sum of its entries.

The balance and the monthly figure are moved by a database trigger inside each INSERT (migration
0002, `triggers.py`), so they cannot drift from the entries whatever writes them. Writes that must
first read (a monthly cap, a redemption) lock the account row (SELECT ... FOR UPDATE on
PostgreSQL), so that they see what another staff member just wrote; the CHECK constraints
(balance >= 0, stock >= 0) stand behind that.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from jinhai.caching import data_changed

from .models import (
    Account,
    EntryKind,
    PointEntry,
    Redemption,
    Reward,
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


def pets_confirm(*, pets, by) -> int:
    """Staff confirm what households said about their pets; returns how many changed."""
    from .models import PetStatus

    return pets.filter(status=PetStatus.PENDING).update(status=PetStatus.CONFIRMED)


def pet_register(*, household, name, kind, registered_on=None, vaccinated_on=None, pet=None):
    """A household registers a pet or updates one of its own; staff confirm it afterwards. The
    pet passed must already be this household's (the resident views fetch it so)."""
    from .models import Pet, PetStatus

    if pet is None:
        pet = Pet(household=household)
    elif pet.household_id != household.pk:
        raise ValidationError("只能修改本户的宠物。")
    pet.name, pet.kind = name, kind
    pet.registered_on, pet.vaccinated_on = registered_on, vaccinated_on
    pet.status = PetStatus.PENDING
    pet.full_clean()
    pet.save()
    return pet
