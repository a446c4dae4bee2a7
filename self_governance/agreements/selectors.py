"""Read side of the ledger: leaderboards, a household's rank, monthly totals."""

import datetime

from django.db.models import Count, OuterRef, Sum
from django.db.models.functions import TruncMonth

from jinhai.db import subquery_count

from .models import (
    Account,
    AccountKind,
    AgreementScheme,
    MonthlyPoints,
    PointEntry,
)


def leaderboard(scheme, limit=100):
    """Accounts by balance: an index scan on (scheme, -balance), however long the ledger."""
    return list(
        Account.objects.filter(scheme=scheme)
        .ranked()
        .select_related("building_group__compound")[:limit]
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


def top_households(scheme, month, limit=10):
    return list(
        MonthlyPoints.objects.filter(
            scheme=scheme, month=month, account__kind=AccountKind.HOUSEHOLD
        )
        .select_related("account__building_group__compound")
        .order_by("-points", "account_id")[:limit]
    )


def top_building_groups(scheme, month, limit=10):
    return list(
        MonthlyPoints.objects.filter(
            scheme=scheme, month=month, account__kind=AccountKind.HOUSEHOLD
        )
        .values(
            "account__building_group",
            "account__building_group__name",
            "account__building_group__compound__name",
        )
        .annotate(points=Sum("points"), households=Count("account"))
        .order_by("-points", "account__building_group")[:limit]
    )


def top_shops(scheme, month, limit=10):
    return list(
        MonthlyPoints.objects.filter(scheme=scheme, month=month, account__kind=AccountKind.SHOP)
        .select_related("account")
        .order_by("-points", "account_id")[:limit]
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
        "rules": list(scheme.rules.current().order_by("code")),
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
