"""数据公开统计: the public figures page reads per-subdistrict summaries, never the ledger.

Each subdistrict keeps one `FigureSummary` row of the numbers that do not depend on a year
(year 0: the per-community counts and the monthly series) and one per year for the fund and the
inspections. They are the same `Facts` that `jinhai.figures` counts for the staff dashboard,
computed here per subdistrict (`figures_refresh`); the city's figures are their sums.

A summary is stale once its subdistrict's data version (jinhai.caching: renewed by every write
there) differs from the one it was computed at; a save costs no extra query. A page that finds a
stale summary shows it, is not cached, and queues one refresh (`refresh_figures`, run by
`manage.py db_worker`; at most one per subdistrict per `REFRESH_DEBOUNCE` seconds). A
subdistrict with no summary yet is counted once while the page waits. `manage.py
refresh_figures` recomputes them all.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from communities.models import Subdistrict
from orgs.models import AnnualInspection
from self_governance.fund.models import FundAllocation

from .caching import subdistrict_versions
from .figures import (
    FIGURE_FIELDS,
    Facts,
    Years,
    _as_date,
    _choose,
    _years_with_data,
    facts_for,
)
from .models import FigureSummary
from .paging import CITY_ROWS
from .scoping import Scope

logger = logging.getLogger("jinhai.summaries")

STANDING = 0  # the year of the row that holds what no year decides
REFRESH_DEBOUNCE = 30  # seconds: a page queues a subdistrict's refresh at most this often
FUND_FIELDS = ("allocated", "approved", "spent")
COMMUNITY_FIELDS = tuple(f for f in FIGURE_FIELDS if f not in FUND_FIELDS)


def figures_refresh(*, subdistrict_id: int, year: int | None = None) -> int:
    """Count one subdistrict's figures again: every year (the years with data here or anywhere in
    the city, and this year), or only `year`; returns how many summaries were written."""
    # Read before counting: a write while this runs leaves the summary stale, to be redone.
    version = subdistrict_versions([subdistrict_id])[subdistrict_id]
    scope = Scope(subdistrict_id=subdistrict_id)
    own_fund = set(_years_with_data(scope.filter(FundAllocation.objects.all())))
    own_inspection = set(_years_with_data(scope.filter(AnnualInspection.objects.all())))
    if year is None:
        years = (
            own_fund
            | own_inspection
            | set(_years_with_data(FundAllocation.objects.all()))
            | set(_years_with_data(AnnualInspection.objects.all()))
            | {datetime.date.today().year}
        )
    else:
        years = {year}
    now = timezone.now()
    rows = {}
    for each in sorted(years, reverse=True):
        facts = facts_for(scope, Years(each, [], each, []))
        if STANDING not in rows:
            rows[STANDING] = (False, False, _standing(facts))
        rows[each] = (each in own_fund, each in own_inspection, _of_year(facts))
    with transaction.atomic():
        for each, (has_fund, has_inspection, payload) in rows.items():
            FigureSummary.objects.update_or_create(
                subdistrict_id=subdistrict_id,
                year=each,
                defaults={
                    "has_fund": has_fund,
                    "has_inspection": has_inspection,
                    "payload": payload,
                    "versions": version,
                    "computed_at": now,
                },
            )
        if year is None:
            FigureSummary.objects.filter(subdistrict_id=subdistrict_id).exclude(
                year__in=rows
            ).delete()
    return len(rows)


def _standing(facts: Facts) -> dict:
    return {
        "communities": [
            {k: row[k] for k in ("pk", "name", "sort_order", *COMMUNITY_FIELDS)}
            for row in facts.communities
        ],
        "hours": [[m.isoformat(), v] for m, v in sorted(facts.hours.items())],
        "gained": [[m.isoformat(), v] for m, v in sorted(facts.gained.items())],
        "spent": [[m.isoformat(), v] for m, v in sorted(facts.spent.items())],
    }


def _of_year(facts: Facts) -> dict:
    return {
        "fund": {str(row["pk"]): [row[k] for k in FUND_FIELDS] for row in facts.communities},
        "inspections": facts.inspections,
    }


@dataclass(frozen=True)
class Read:
    years: Years
    facts: Facts
    fresh: bool  # False: some summary is stale (a refresh is queued); do not cache the page


def read(*, subdistrict_id: int | None = None, fund=None, inspection=None) -> Read:
    """The figures of one subdistrict, or of the city (the sum of its subdistricts), from the
    summaries: two queries however much data, and the asked years as `Years.pick` picks them.
    The city's per-community figures become one row per subdistrict past `CITY_ROWS`
    communities (600 would make a page of half a megabyte); each subdistrict's page has them."""
    subdistricts = Subdistrict.objects.order_by("pk")
    if subdistrict_id is not None:
        subdistricts = subdistricts.filter(pk=subdistrict_id)
    names = dict(subdistricts.values_list("pk", "name"))
    ids = list(names)
    rows = list(FigureSummary.objects.filter(subdistrict__in=subdistricts))
    missing = set(ids) - {r.subdistrict_id for r in rows if r.year == STANDING}
    if missing:
        for pk in sorted(missing):
            figures_refresh(subdistrict_id=pk)
        rows = list(FigureSummary.objects.filter(subdistrict__in=subdistricts))
    fund_choices = sorted({r.year for r in rows if r.has_fund}, reverse=True)
    inspection_choices = sorted({r.year for r in rows if r.has_inspection}, reverse=True)
    this_year = datetime.date.today().year
    years = Years(
        fund=_choose(fund, fund_choices, this_year),
        fund_choices=fund_choices,
        inspection=_choose(inspection, inspection_choices, this_year),
        inspection_choices=inspection_choices,
    )
    by_place = {(r.subdistrict_id, r.year): r for r in rows}
    # A subdistrict deleted while its summary was being counted is simply not there.
    ids = [pk for pk in ids if (pk, STANDING) in by_place]
    versions = subdistrict_versions(ids)
    stale = [
        pk
        for pk in ids
        if by_place[pk, STANDING].versions != versions[pk]
        or (pk, years.fund) not in by_place
        or (pk, years.inspection) not in by_place
    ]
    if stale:
        _queue_refresh(stale)
    facts = _sum(ids, by_place, years)
    if subdistrict_id is None and len(names) > 1 and len(facts.communities) > CITY_ROWS:
        facts = per_subdistrict(facts, {pk: names[pk] for pk in ids})
    return Read(years=years, facts=facts, fresh=not stale)


def per_subdistrict(facts: Facts, names: dict[int, str]) -> Facts:
    """The same figures with one row per subdistrict (`names`: pk -> name, in their order),
    each the sum of its communities' rows: every per-community figure is a count or a sum."""
    rows = {
        pk: {"pk": pk, "name": name, "sort_order": n, **dict.fromkeys(FIGURE_FIELDS, 0)}
        for n, (pk, name) in enumerate(names.items())
    }
    for community in facts.communities:
        row = rows[community["subdistrict_id"]]
        for field in FIGURE_FIELDS:
            row[field] += community[field]
    return dataclasses.replace(facts, communities=list(rows.values()), place="街道")


def _sum(ids, by_place, years: Years) -> Facts:
    communities, hours, gained, spent, inspections = [], {}, {}, {}, {}
    for pk in ids:
        standing = by_place[pk, STANDING].payload
        fund_row = by_place.get((pk, years.fund))
        fund = fund_row.payload["fund"] if fund_row else {}
        for row in standing["communities"]:
            amounts = fund.get(str(row["pk"]), [0] * len(FUND_FIELDS))
            communities.append(
                {
                    **row,
                    **{k: Decimal(str(v)) for k, v in zip(FUND_FIELDS, amounts, strict=True)},
                    "subdistrict_id": pk,
                }
            )
        for total, series, number in (
            (hours, standing["hours"], Decimal),
            (gained, standing["gained"], int),
            (spent, standing["spent"], int),
        ):
            for month, value in series:
                month = _as_date(datetime.date.fromisoformat(month))
                total[month] = total.get(month, 0) + number(str(value))
        inspection_row = by_place.get((pk, years.inspection))
        for kind, results in (
            inspection_row.payload["inspections"] if inspection_row else {}
        ).items():
            table = inspections.setdefault(kind, {})
            for result, n in results.items():
                table[result] = table.get(result, 0) + n
    communities.sort(key=lambda row: (row["sort_order"], row["pk"]))
    return Facts(communities, hours, gained, spent, inspections)


def _queue_refresh(subdistrict_ids) -> None:
    due = [
        pk
        for pk in subdistrict_ids
        if cache.add(f"jinhai:figures-refresh:{pk}", 1, REFRESH_DEBOUNCE)
    ]
    if not due:
        return
    try:
        refresh_figures.enqueue(due)
    except Exception:
        # The page still shows the summaries it has; the next request, or the command, retries.
        logger.exception("could not queue the figures refresh of subdistricts %s", due)
        cache.delete_many([f"jinhai:figures-refresh:{pk}" for pk in due])


def refresh_all(*, subdistrict_id: int | None = None):
    """Refresh every subdistrict's summaries (or one's): yields (name, summaries written)."""
    subdistricts = Subdistrict.objects.order_by("pk")
    if subdistrict_id is not None:
        subdistricts = subdistricts.filter(pk=subdistrict_id)
    for pk, name in subdistricts.values_list("pk", "name"):
        yield name, figures_refresh(subdistrict_id=pk)


@task()
def refresh_figures(subdistrict_ids: list[int]) -> str:
    """The background refresh a page queues for the subdistricts whose summaries are stale."""
    written = 0
    for pk in subdistrict_ids:
        if Subdistrict.objects.filter(pk=pk).exists():
            written += figures_refresh(subdistrict_id=pk)
    return f"{written} 条统计"
