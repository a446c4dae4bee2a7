"""Demo data for the 和美楼组 creation, 2022: the 78 building groups of 金水苑 and 金水新苑 check
themselves and each other against the 三清三美, the street office checks them, findings are put
right (a few are still open past their deadline); the 比学赶超 contest picks 9 of 33 entries over
two rounds.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from communities.models import BuildingGroup, Community, Subdistrict

from . import services
from .models import (
    Campaign,
    CampaignStandard,
    Contest,
    ContestEntry,
    ContestRound,
    Enrollment,
    Inspection,
    InspectionKind,
    InspectionScore,
    Rectification,
    RectificationStatus,
    RoundScore,
)

STANDARDS = [
    # name, requirement, full marks
    ("清堆物", "楼道、地下室、公共部位无乱堆乱放", 15),
    ("清小广告", "楼道、电梯、门禁无小广告", 15),
    ("清卫生死角", "楼道、绿化带、屋顶无垃圾和卫生死角", 15),
    ("楼道美", "楼道整洁明亮,宣传栏、扶手完好", 20),
    ("环境美", "楼组周边绿化整齐,垃圾分类到位", 20),
    ("邻里美", "有楼组公约,邻里和睦,参与议事和志愿服务", 15),
]
FINDINGS = {
    "清堆物": "楼道堆放纸箱、旧家具",
    "清小广告": "单元门、电梯内有小广告",
    "清卫生死角": "楼后绿化带有垃圾",
    "楼道美": "楼道宣传栏破损",
    "环境美": "垃圾未分类投放",
    "邻里美": "楼组公约未上墙",
}
CONTEST = "党建引领基层治理比学赶超争先夺星专场活动"
THEMES = [
    "两长聚力 楼组自治", "美丽约定 积分有礼", "自治金里的民生账", "破解停车难题", "文明养宠 杏好有你",
    "和美楼组 美美与共", "垃圾分类新时尚", "为老助餐 暖心服务", "平安小区 邻里守望", "说事会里说实事",
    "社区新基建 智慧治理",
]  # fmt: skip
INSPECTIONS = [
    (InspectionKind.SELF, datetime.date(2022, 9, 16), "楼组长自查"),
    (InspectionKind.MUTUAL, datetime.date(2022, 10, 21), "楼组长互查小组"),
    (InspectionKind.STREET, datetime.date(2022, 11, 18), "金海街道社区自治办"),
]


def load(stdout=None):
    rng = random.Random(20221118)
    subdistrict = Subdistrict.objects.get(name="金海街道")
    campaign, _ = Campaign.objects.get_or_create(
        subdistrict=subdistrict,
        year=2022,
        name="“和美楼组”创建",
        defaults={
            "description": (
                "“两个和美”第二轮创建收官之年。金水苑和金水新苑共 78 个楼组参与“和美楼组”创建,"
                "按照“三清三美”的标准开展自查互查,并及时对问题作出整改。"
            )
        },
    )
    standards = _standards(campaign)
    groups = list(
        BuildingGroup.objects.filter(
            compound__community__subdistrict=subdistrict, compound__name__in=["金水苑", "金水新苑"]
        ).order_by("compound__name", "pk")
    )
    enrolled = set(campaign.enrollments.values_list("building_group_id", flat=True))
    Enrollment.objects.bulk_create(
        [
            Enrollment(campaign=campaign, building_group=g, enrolled_on=datetime.date(2022, 8, 20))
            for g in groups
            if g.pk not in enrolled
        ]
    )
    if not Inspection.objects.filter(enrollment__campaign=campaign).exists():
        _inspections(campaign, standards, rng)
    contest = _contest(campaign, rng)
    _this_year(subdistrict, rng)
    if stdout:
        stdout.write(
            f"  和美楼组参创 {campaign.enrollments.count()} 个,检查 "
            f"{Inspection.objects.filter(enrollment__campaign=campaign).count()} 次,整改 "
            f"{Rectification.objects.filter(inspection__enrollment__campaign=campaign).count()} 项;"
            f"比学赶超 {contest.entries.count()} 个节目,入围 "
            f"{contest.entries.filter(shortlisted=True).count()} 个"
        )


def _standards(campaign):
    """The 三清三美 items of a campaign, made where missing."""
    standards = []
    for order, (name, requirement, full) in enumerate(STANDARDS, start=1):
        standard, _ = CampaignStandard.objects.get_or_create(
            campaign=campaign,
            name=name,
            defaults={"description": requirement, "max_score": full, "sort_order": order},
        )
        standards.append(standard)
    return standards


def _inspections(campaign, standards, rng):
    enrollments = list(campaign.enrollments.select_related("building_group__compound"))
    Inspection.objects.bulk_create(
        [
            Inspection(
                enrollment=e,
                kind=kind,
                date=date,
                inspector=inspector,
                findings="",
            )
            for e in enrollments
            for kind, date, inspector in INSPECTIONS
        ]
    )
    inspections = list(
        Inspection.objects.filter(enrollment__campaign=campaign).order_by("enrollment_id", "date")
    )
    scores, fixes = [], []
    for index, inspection in enumerate(inspections):
        # Each round a little better than the last: the point of checking and fixing.
        floor = {InspectionKind.SELF: 0.6, InspectionKind.MUTUAL: 0.65, InspectionKind.STREET: 0.7}
        for standard in standards:
            share = rng.uniform(floor[inspection.kind], 1.0)
            score = Decimal(round(standard.max_score * share * 2) / 2).quantize(Decimal("0.1"))
            scores.append(InspectionScore(inspection=inspection, standard=standard, score=score))
            if share < 0.7 and inspection.kind != InspectionKind.SELF:
                deadline = inspection.date + datetime.timedelta(days=30)
                draw = (index + standard.sort_order) % 7
                done = draw != 0
                fixes.append(
                    Rectification(
                        inspection=inspection,
                        finding=FINDINGS[standard.name],
                        deadline=deadline,
                        status=RectificationStatus.DONE
                        if done
                        else (
                            RectificationStatus.IN_PROGRESS
                            if index % 2
                            else RectificationStatus.PENDING
                        ),
                        done_on=inspection.date + datetime.timedelta(days=8 + draw)
                        if done
                        else None,
                    )
                )
    InspectionScore.objects.bulk_create(scores)
    found = {}
    for fix in fixes:
        found.setdefault(fix.inspection_id, []).append(fix.finding)
    for inspection in inspections:
        if inspection.pk in found:
            inspection.findings = ";".join(found[inspection.pk])
    Inspection.objects.bulk_update([i for i in inspections if i.pk in found], ["findings"])
    Rectification.objects.bulk_create(fixes)


def _contest(campaign, rng):
    contest, created = Contest.objects.get_or_create(
        campaign=campaign,
        name=CONTEST,
        defaults={"date": datetime.date(2022, 12, 20), "published": True},
    )
    if not created:
        return contest
    communities = list(
        Community.objects.filter(subdistrict=campaign.subdistrict_id).order_by("sort_order", "name")
    )
    entries = [
        ContestEntry.objects.create(
            contest=contest,
            title=f"{communities[i % len(communities)].name}·{THEMES[i % len(THEMES)]}",
            community=communities[i % len(communities)],
        )
        for i in range(33)
    ]
    first = ContestRound.objects.create(contest=contest, name="初赛", order=1)
    final = ContestRound.objects.create(contest=contest, name="展示评选", order=2)
    # Distinct scores: a tie at the cut would (rightly) stop the shortlist.
    marks = rng.sample(range(7000, 9600), len(entries))
    RoundScore.objects.bulk_create(
        [
            RoundScore(round=first, entry=e, score=Decimal(m) / 100)
            for e, m in zip(entries, marks, strict=True)
        ]
    )
    shortlisted = services.contest_shortlist(contest=contest, contest_round=first, count=9)
    marks = rng.sample(range(8500, 9900), len(shortlisted))
    RoundScore.objects.bulk_create(
        [
            RoundScore(round=final, entry=e, score=Decimal(m) / 100)
            for e, m in zip(shortlisted, marks, strict=True)
        ]
    )
    services.contest_rank(contest=contest, contest_round=final)
    return contest


def _this_year(subdistrict, rng):
    """This year's round, under way: 正学苑's building groups enrolled, checked by themselves and
    by the street office a few weeks ago, two findings already past their deadline. Dates are
    counted back from the first load; a later load finds the rows and changes nothing."""
    today = timezone.localdate()
    campaign, _ = Campaign.objects.get_or_create(
        subdistrict=subdistrict,
        year=today.year,
        name="“和美楼组”创建",
        defaults={
            "description": "新一轮“和美楼组”创建:正学社区正学苑的楼组参与,按照“三清三美”自查,"
            "街道检查,问题限期整改。"
        },
    )
    standards = _standards(campaign)
    groups = BuildingGroup.objects.filter(
        compound__community__subdistrict=subdistrict, compound__name="正学苑"
    ).order_by("pk")[:8]
    enrolled_on = max(today - datetime.timedelta(days=60), datetime.date(today.year, 1, 1))
    for group in groups:
        Enrollment.objects.get_or_create(
            campaign=campaign, building_group=group, defaults={"enrolled_on": enrolled_on}
        )
    if Inspection.objects.filter(enrollment__campaign=campaign).exists():
        return
    self_on = max(today - datetime.timedelta(days=30), enrolled_on)
    street_on = max(today - datetime.timedelta(days=15), self_on + datetime.timedelta(days=1))
    street_on = min(street_on, today)
    fixes = []
    for n, enrollment in enumerate(campaign.enrollments.order_by("pk")):
        for kind, date, inspector in (
            (InspectionKind.SELF, self_on, "楼组长自查"),
            (InspectionKind.STREET, street_on, "金海街道社区自治办"),
        ):
            inspection = Inspection.objects.create(
                enrollment=enrollment, kind=kind, date=date, inspector=inspector
            )
            InspectionScore.objects.bulk_create(
                [
                    InspectionScore(
                        inspection=inspection,
                        standard=s,
                        score=Decimal(round(s.max_score * rng.uniform(0.65, 1.0) * 2) / 2),
                    )
                    for s in standards
                ]
            )
            if kind == InspectionKind.STREET and n < 4:
                standard = standards[n % len(standards)]
                # Two already past their deadline, two due soon.
                days = (-3, -1, 7, 14)[n]
                fixes.append(
                    Rectification(
                        inspection=inspection,
                        finding=FINDINGS[standard.name],
                        deadline=max(today + datetime.timedelta(days=days), street_on),
                        status=RectificationStatus.PENDING,
                    )
                )
                inspection.findings = FINDINGS[standard.name]
                inspection.save(update_fields=["findings"])
    Rectification.objects.bulk_create(fixes)
