"""Read side of the ledger: leaderboards, a household's rank, monthly totals."""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Sum
from django.db.models.functions import TruncMonth

from communities.models import HouseholdKind
from jinhai.db import subquery_count

from .models import (
    Account,
    AgreementScheme,
    EntryKind,
    MonthlyPoints,
    PointEntry,
    Reward,
)


def leaderboard(scheme, limit=100):
    """Accounts by balance: an index scan on (scheme, -balance), however long the ledger."""
    return list(
        Account.objects.filter(scheme=scheme)
        .ranked()
        .select_related("household__building_group__compound")[:limit]
    )


def rank_of(account) -> int:
    return Account.objects.filter(scheme=account.scheme_id, balance__gt=account.balance).count() + 1


def months(scheme):
    """[(month, points gained)] for the scheme, oldest first: the monthly chart."""
    return list(
        MonthlyPoints.objects.filter(scheme=scheme)
        .values("month")
        .annotate(points=Sum("points"))
        .order_by("month")
        .values_list("month", "points")
    )


# A board reads a few columns of its joined rows, not five whole models a row: what the page
# shows of a household (its place, never its name) and the points.
_HOUSEHOLD_COLUMNS = {
    "compound": F("account__household__building_group__compound__name"),
    "building_group": F("account__household__building_group__name"),
    "room": F("account__household__room"),
}


def top_households(scheme, month, limit=10):
    """The month's ten best households as dicts: compound, building_group, room, points."""
    return list(
        MonthlyPoints.objects.filter(
            scheme=scheme, month=month, account__household__kind=HouseholdKind.HOUSEHOLD
        )
        .order_by("-points", "account_id")
        .values("points", **_HOUSEHOLD_COLUMNS)[:limit]
    )


def top_building_groups(scheme, month, limit=10):
    return list(
        MonthlyPoints.objects.filter(
            scheme=scheme, month=month, account__household__kind=HouseholdKind.HOUSEHOLD
        )
        .values(
            "account__household__building_group",
            "account__household__building_group__name",
            "account__household__building_group__compound__name",
        )
        .annotate(points=Sum("points"), households=Count("account"))
        .order_by("-points", "account__household__building_group")[:limit]
    )


def top_shops(scheme, month, limit=10):
    """The month's ten best shops as dicts: shop_name, points."""
    return list(
        MonthlyPoints.objects.filter(
            scheme=scheme, month=month, account__household__kind=HouseholdKind.SHOP
        )
        .order_by("-points", "account_id")
        .values("points", shop_name=F("account__household__shop_name"))[:limit]
    )


def totals_by_rule(scheme, month):
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    return list(
        PointEntry.objects.filter(
            account__scheme=scheme, rule__isnull=False, date__gte=month, date__lt=next_month
        )
        .values("rule__code", "rule__description")
        .annotate(points=Sum("points"), entries=Count("pk"))
        .order_by("rule__code")
    )


def entries_by_month(entries):
    return list(
        entries.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(points=Sum("points"))
        .order_by("month")
        .values_list("month", "points")
    )


def public_schemes(community=None):
    """Schemes residents see (in force or finished), with their number of accounts."""
    schemes = AgreementScheme.objects.public().select_related("community")
    if community is not None:
        schemes = schemes.filter(community=community)
    return schemes.annotate(
        n_accounts=subquery_count(Account.objects.filter(scheme=OuterRef("pk")))
    ).order_by("community__sort_order", "name", "pk")


def scheme_page(scheme, month=None):
    """A scheme's current rules, its monthly chart, and the boards of `month` (a month with
    points; anything else is the latest such month)."""
    chart = months(scheme)
    available = [m for m, _ in chart]
    if month not in available:
        month = available[-1] if available else None
    page = {
        "rules": list(
            scheme.rules.current()
            .order_by("code")
            .values("code", "description", "points", "monthly_cap")
        ),
        "months": chart,
        "peak": max((p for _, p in chart), default=0),
        "month": month,
    }
    if month is not None:
        page.update(
            households=top_households(scheme, month),
            groups=top_building_groups(scheme, month),
            shops=top_shops(scheme, month),
            by_rule=totals_by_rule(scheme, month),
        )
    return page


def household_points(household) -> list[dict]:
    """What 我的 shows of one household's points, scheme by scheme: the account with its rank in
    the scheme and in its building group, every entry (newest first, marked when reversed), the
    monthly figures, and the rewards its balance affords. Three queries however many entries."""
    ahead = Account.objects.filter(scheme=OuterRef("scheme"), balance__gt=OuterRef("balance"))
    accounts = list(
        Account.objects.filter(household=household)
        .select_related("scheme__community")
        .annotate(
            rank=subquery_count(ahead) + 1,
            group_rank=subquery_count(
                ahead.filter(
                    household__building_group=OuterRef("household__building_group"),
                    household__building_group__isnull=False,
                )
            )
            + 1,
            group_size=subquery_count(
                Account.objects.filter(
                    scheme=OuterRef("scheme"),
                    household__building_group=OuterRef("household__building_group"),
                )
            ),
            scheme_size=subquery_count(Account.objects.filter(scheme=OuterRef("scheme"))),
        )
        .order_by("scheme__name")
    )
    if not accounts:
        return []
    entries = defaultdict(list)
    for entry in (
        PointEntry.objects.filter(account__in=accounts)
        .select_related("rule")
        .annotate(was_reversed=Exists(PointEntry.objects.filter(reverses=OuterRef("pk"))))
        .order_by("-date", "-pk")
    ):
        entries[entry.account_id].append(entry)
    rewards = defaultdict(list)
    for reward in Reward.objects.filter(
        scheme__in=[a.scheme_id for a in accounts], stock__gt=0
    ).order_by("cost", "name"):
        rewards[reward.scheme_id].append(reward)
    result = []
    for account in accounts:
        by_month = defaultdict(int)
        for entry in entries[account.pk]:
            if entry.kind != EntryKind.REDEMPTION:
                by_month[entry.date.replace(day=1)] += entry.points
        months_ = sorted(by_month.items())
        result.append(
            {
                "account": account,
                "entries": entries[account.pk],
                "months": months_,
                "peak": max((abs(p) for _, p in months_), default=0),
                "affordable": [r for r in rewards[account.scheme_id] if r.cost <= account.balance],
                "office": account.scheme.community,
            }
        )
    return result
