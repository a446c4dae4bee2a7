"""Read-side figures of the points ledger: leaderboards and monthly totals."""

import datetime

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from .models import Account, AccountKind, MonthlyPoints, PointEntry


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
