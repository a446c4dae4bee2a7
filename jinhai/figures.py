"""The portal's figures as charts, for the staff dashboard (scoped) and the public figures page.

Every number comes from the apps' selectors, so the dashboard, the public page and the apps' own
pages cannot disagree. A `Scope` decides which rows count: a staff user's own, or
`Scope(everything=True)` for the public page, which shows only totals (no person, no household).

The queries are fixed whatever the data size: two for the years, one for every per-community
figure at once, and one per monthly or per-type series. The public page does not run them per
request: it reads the per-subdistrict summaries that `jinhai.summaries` keeps of the same `Facts`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from communities.models import Community, Subdistrict
from orgs.models import AnnualInspection, InspectionResult, OrganizationKind, SocialOrganization
from orgs.selectors import results_by_kind
from self_governance.agreements.models import MonthlyPoints, Redemption
from self_governance.fund.models import FundAllocation
from self_governance.fund.selectors import community_fund_figures
from volunteers.models import Participation
from volunteers.selectors import (
    attendance_by_community,
    coverage_by_community,
    hours_by_community,
    hours_by_month,
)

from .charts import Chart, ChartKind, Series
from .paging import CITY_ROWS
from .scoping import Scope

NO_RECORD = "未提交"


@dataclass(frozen=True)
class Years:
    """The years the page shows: asked for, or the latest with data, or this year."""

    fund: int
    fund_choices: list[int]
    inspection: int
    inspection_choices: list[int]

    @classmethod
    def pick(cls, scope: Scope, *, fund=None, inspection=None) -> Years:
        fund_choices = _years_with_data(scope.filter(FundAllocation.objects.all()))
        inspection_choices = _years_with_data(scope.filter(AnnualInspection.objects.all()))
        this_year = datetime.date.today().year
        return cls(
            fund=_choose(fund, fund_choices, this_year),
            fund_choices=fund_choices,
            inspection=_choose(inspection, inspection_choices, this_year),
            inspection_choices=inspection_choices,
        )


def _years_with_data(rows) -> list[int]:
    """The distinct `year`s of these rows, newest first."""
    return list(rows.order_by("-year").values_list("year", flat=True).distinct())


def _choose(asked, choices, fallback) -> int:
    """The asked year if it is one with data; otherwise the latest such year."""
    try:
        asked = int(asked)
    except (TypeError, ValueError):
        asked = None
    if asked in choices:
        return asked
    return choices[0] if choices else fallback


def month_label(month: datetime.date) -> str:
    return f"{month.year}年{month.month}月"


@dataclass
class Facts:
    """The numbers behind the charts, before they are drawn: what a figure summary keeps."""

    communities: list  # rows with name, sort_order, pk and the per-community counts and sums
    hours: dict  # month -> service hours
    gained: dict  # month -> points given (awards less deductions)
    spent: dict  # month -> points redeemed
    inspections: dict  # kind -> {result or "": organizations}
    # What a row of `communities` is: 社区, or 街道 where a city's figures sum each subdistrict's
    # communities into one row (jinhai.summaries), so that the page does not grow with the city.
    place: str = "社区"


FIGURE_FIELDS = (
    "n_groups",
    "n_groups_led",
    "n_zones",
    "n_zones_led",
    "n_invited",
    "n_attended",
    "allocated",
    "approved",
    "spent",
)


def facts_for(scope: Scope, years: Years) -> Facts:
    """Every number the charts show for `scope`: one query for the per-community figures, one
    per monthly series and one for the inspections."""
    communities = scope.filter(Community.objects.order_by("sort_order", "pk"))
    communities = list(
        community_fund_figures(
            hours_by_community(attendance_by_community(coverage_by_community(communities))),
            years.fund,
        ).values("pk", "name", "sort_order", *FIGURE_FIELDS)
    )
    return Facts(
        communities=communities,
        hours={
            _as_date(month): hours or 0
            for month, hours, _ in hours_by_month(scope.filter(Participation.objects.all()))
        },
        gained=points_by_month(scope.filter(MonthlyPoints.objects.all())),
        spent=redeemed_by_month(scope.filter(Redemption.objects.all())),
        inspections=results_by_kind(
            scope.filter(SocialOrganization.objects.all()), years.inspection
        ),
    )


@dataclass(frozen=True)
class DashboardScope:
    scope: Scope  # what the dashboard counts
    picker: list  # [(pk, name)] of the subdistricts to choose from, or [] (the user's own scope)
    subdistrict_pk: int | None  # the one chosen


def dashboard_scope(user, params) -> DashboardScope:
    """What a staff dashboard (数据看板, 两长工作台) counts: the user's own scope, except that a
    superuser's over more than CITY_ROWS communities is one subdistrict at a time (`subdistrict`
    in `params`, else the first), so that the page, and its counting, are those of one street
    office's and do not grow with the city. One more query (the subdistricts) past the bound."""
    scope = Scope.for_user(user)
    if not scope.everything or Community.objects.count() <= CITY_ROWS:
        return DashboardScope(scope, [], None)
    picker = list(Subdistrict.objects.order_by("pk").values_list("pk", "name"))
    try:
        asked = int(params.get("subdistrict"))
    except (TypeError, ValueError):
        asked = None
    pk = asked if asked in {pk for pk, _ in picker} else picker[0][0]
    return DashboardScope(Scope(subdistrict_id=pk), picker, pk)


def portal_charts(scope: Scope, years: Years) -> list[Chart]:
    return charts_from(facts_for(scope, years), years)


def charts_from(facts: Facts, years: Years) -> list[Chart]:
    communities = [SimpleNamespace(**row) for row in facts.communities]
    return [
        leader_coverage(communities, facts.place),
        training_attendance(communities, facts.place),
        hours_per_month(facts.hours),
        points_per_month(facts.gained, facts.spent),
        fund_by_community(communities, years.fund, facts.place),
        inspection_status(facts.inspections, years.inspection),
    ]


def points_by_month(monthly) -> dict:
    return dict(
        monthly.order_by()
        .values("month")
        .annotate(points=Sum("points"))
        .values_list("month", "points")
    )


def redeemed_by_month(redemptions) -> dict:
    spent = (
        redemptions.annotate(month=TruncMonth("date"))
        .order_by()
        .values("month")
        .annotate(points=Sum("points"))
        .values_list("month", "points")
    )
    # TruncMonth gives a datetime on some backends and a date on others.
    return {_as_date(month): points for month, points in spent}


def leader_coverage(communities, place="社区") -> Chart:
    names = [c.name for c in communities]
    return Chart(
        key="leader-coverage",
        title=f"各{place}楼组长覆盖",
        label_header=place,
        labels=names,
        series=[
            Series("有在任楼组长的楼组", [c.n_groups_led for c in communities], stack="楼组"),
            Series(
                "尚无楼组长的楼组", [c.n_groups - c.n_groups_led for c in communities], stack="楼组"
            ),
            Series("有在任街面长的街面", [c.n_zones_led for c in communities], stack="街面"),
            Series(
                "尚无街面长的街面", [c.n_zones - c.n_zones_led for c in communities], stack="街面"
            ),
        ],
        unit="个",
        stacked=True,
        horizontal=True,
        permission="volunteers.view_appointment",
    )


def training_attendance(communities, place="社区") -> Chart:
    rows = [c for c in communities if c.n_invited]
    return Chart(
        key="training-attendance",
        title="两长培训出席率",
        label_header=place,
        labels=[c.name for c in rows],
        series=[
            Series("应到", [c.n_invited for c in rows], plotted=False, unit="人次"),
            Series("实到", [c.n_attended for c in rows], plotted=False, unit="人次"),
            Series("出席率", [round(100 * c.n_attended / c.n_invited, 1) for c in rows]),
        ],
        unit="%",
        horizontal=True,
        note="出席率 = 实到人次 ÷ 应到人次;街道统一组织的培训计入参训人所在社区。",
        permission="volunteers.view_attendance",
    )


def hours_per_month(hours: dict) -> Chart:
    months = sorted(hours.items())
    return Chart(
        key="service-hours",
        title="每月志愿服务时长",
        label_header="月份",
        labels=[month_label(m) for m, _ in months],
        series=[Series("服务时长", [hours or 0 for _, hours in months])],
        unit="小时",
        kind=ChartKind.LINE,
        permission="volunteers.view_participation",
    )


def points_per_month(gained: dict, spent: dict) -> Chart:
    months = sorted(set(gained) | set(spent))
    return Chart(
        key="points",
        title="美丽约定每月积分",
        label_header="月份",
        labels=[month_label(m) for m in months],
        series=[
            Series("发放积分(加分−扣分)", [gained.get(m, 0) for m in months]),
            Series("兑换消耗积分", [spent.get(m, 0) for m in months]),
        ],
        unit="分",
        note="发放积分为当月加分与扣分、冲正相抵后的合计;兑换为居民用积分兑换礼品消耗的积分。",
        permission="self_governance.view_pointentry",
    )


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def fund_by_community(communities, year: int, place="社区") -> Chart:
    rows = [c for c in communities if c.allocated or c.approved or c.spent]
    return Chart(
        key="fund",
        title=f"{year}年各{place}自治金",
        label_header=place,
        labels=[c.name for c in rows],
        series=[
            Series("下达额度", [c.allocated for c in rows]),
            Series("已批准", [c.approved for c in rows]),
            Series("已支出", [c.spent for c in rows]),
        ],
        unit="元",
        note="已批准为立项及以后各阶段项目的批准金额之和;已支出为已登记的支出。",
        permission="self_governance.view_fundproject",
    )


def inspection_status(table: dict, year: int) -> Chart:
    kinds = [(value, label) for value, label in OrganizationKind.choices if value in table]
    results = [(value, label) for value, label in InspectionResult.choices] + [("", NO_RECORD)]
    return Chart(
        key="inspections",
        title=f"{year}年度社会组织年检",
        label_header="类型",
        labels=[label for _, label in kinds],
        series=[
            Series(label, [table[kind].get(value, 0) for kind, _ in kinds])
            for value, label in results
        ],
        unit="家",
        stacked=True,
        note=f"应参检的组织:正常状态、{year}年底前登记。{NO_RECORD}:没有该年度的年检记录。",
        permission="orgs.view_annualinspection",
    )
