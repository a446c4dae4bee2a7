"""Demo data for 美丽约定: the schemes the article names, their rules, accounts and a few months
of entries. 少湖 has a shop version, 文杏 a civilised pet-keeping version; 金水苑, 金水新苑, 金水和苑
and 龙潭 run a points system.

Entries are loaded in bulk the first time (a scheme that already has entries is left alone); the
ledger's trigger moves balances and monthly figures with them.
"""

import datetime
import random
from collections import defaultdict

from django.utils import timezone

from communities import services as places
from communities.models import BuildingGroup, Community, Compound, StreetZone

from .models import (
    Account,
    AgreementScheme,
    EntryKind,
    Pet,
    PetKind,
    PointEntry,
    Reward,
    Rule,
    SchemeKind,
    SchemeStatus,
)

GENERAL_RULES = [
    ("G01", "垃圾分类投放到位", 2, 8),
    ("G02", "参加楼组议事、说事会", 3, None),
    ("G03", "参加小区志愿服务", 5, 20),
    ("G04", "楼道堆物经劝导不清理", -3, None),
    ("G05", "高空抛物", -10, None),
]
SHOP_RULES = [
    ("S01", "门前三包落实到位", 5, 10),
    ("S02", "参加商户议事会", 3, None),
    ("S03", "垃圾分类、定时定点投放", 2, 8),
    ("S04", "占道经营经劝导不改", -5, None),
]
PET_RULES = [
    ("P01", "犬只登记并按时免疫", 10, 10),
    ("P02", "文明遛犬、出门牵绳", 2, 10),
    ("P03", "及时清理宠物粪便", 2, 10),
    ("P04", "宠物扰民被投诉核实", -5, None),
]
REWARDS = [("环保购物袋", 10, 200), ("毛巾", 15, 150), ("洗衣液", 20, 120), ("家庭急救包", 50, 30)]

TEXT = {
    SchemeKind.GENERAL: (
        "一、垃圾分类,定时定点投放;\n二、楼道整洁,不堆物、不飞线充电;\n"
        "三、邻里和睦,有事好商量,参加楼组议事;\n四、热心公益,参加小区志愿服务;\n"
        "五、爱护公共设施,杜绝高空抛物。"
    ),
    SchemeKind.SHOP: (
        "一、落实门前三包,店招整洁;\n二、不占道经营,不乱堆乱放;\n"
        "三、垃圾分类,定时定点投放;\n四、参加商户议事会,共同参与社区治理。"
    ),
    SchemeKind.PET: (
        "一、犬只依法登记、按时免疫;\n二、出门牵绳,主动避让老人和儿童;\n"
        "三、及时清理宠物粪便;\n四、不让宠物扰民,做文明养宠人。"
    ),
}

SCHEMES = [
    # name, community, compounds, kind, rules
    ("少湖社区商铺版美丽约定", "少湖社区", [], SchemeKind.SHOP, SHOP_RULES),
    ("文杏社区文明养宠美丽约定专项版", "文杏社区", ["文杏苑"], SchemeKind.PET, PET_RULES),
    (
        "金水苑、金水新苑美丽约定积分制",
        "金水社区",
        ["金水苑", "金水新苑"],
        SchemeKind.GENERAL,
        GENERAL_RULES,
    ),
    ("金水和苑美丽约定积分制", "金和社区", ["金水和苑"], SchemeKind.GENERAL, GENERAL_RULES),
    (
        "龙潭社区美丽约定积分制",
        "龙潭社区",
        ["龙潭苑", "龙潭新苑"],
        SchemeKind.GENERAL,
        GENERAL_RULES,
    ),
]
START = datetime.date(2022, 8, 1)
MONTHS = [datetime.date(2022, m, 1) for m in (8, 9, 10, 11, 12)]
# This year's ongoing work: 正学社区 takes up the points scheme in its three compounds.
ZHENGXUE = ("正学社区美丽约定积分制", "正学社区", ["正学苑", "正学东苑", "正学西苑"])


def this_year_months(today):
    """The first days of this year's months up to today's (at most five)."""
    return [
        datetime.date(today.year, m, 1) for m in range(max(1, today.month - 4), today.month + 1)
    ]


def load(stdout=None):
    rng = random.Random(20220801)
    totals = defaultdict(int)
    today = timezone.localdate()
    zhengxue = (*ZHENGXUE, SchemeKind.GENERAL, GENERAL_RULES)
    for name, community_name, compound_names, kind, rules in [*SCHEMES, zhengxue]:
        community = Community.objects.get(name=community_name, subdistrict__name="金海街道")
        current = name == ZHENGXUE[0]
        # get_or_create: the start of this year's scheme is the year it was first loaded.
        scheme, _ = AgreementScheme.objects.get_or_create(
            community=community,
            name=name,
            defaults={
                "kind": kind,
                "text": TEXT[kind],
                "start": datetime.date(today.year, 1, 1) if current else START,
                "status": SchemeStatus.ACTIVE,
            },
        )
        scheme.compounds.set(Compound.objects.filter(community=community, name__in=compound_names))
        rule_objs = []
        for code, description, points, cap in rules:
            rule = Rule.objects.current().filter(scheme=scheme, code=code).first()
            if rule is None:
                rule = Rule.objects.create(
                    scheme=scheme,
                    code=code,
                    description=description,
                    points=points,
                    monthly_cap=cap,
                )
            rule_objs.append(rule)
        for reward, cost, stock in REWARDS:
            Reward.objects.get_or_create(
                scheme=scheme, name=reward, defaults={"cost": cost, "stock": stock}
            )
        accounts = _accounts(scheme, community, compound_names, kind)
        if not PointEntry.objects.filter(account__scheme=scheme).exists():
            months = this_year_months(today) if current else MONTHS
            _entries(scheme, accounts, rule_objs, rng, months=months, today=today)
        totals["schemes"] += 1
        totals["accounts"] += len(accounts)
    if stdout:
        stdout.write(
            f"  美丽约定 {totals['schemes']} 个,积分账户 {totals['accounts']} 个,"
            f"积分明细 {PointEntry.objects.count()} 条"
        )


def _accounts(scheme, community, compound_names, kind):
    if kind == SchemeKind.SHOP:
        zones = list(StreetZone.objects.filter(community=community).order_by("name"))
        wanted = [
            (zone, f"{zone.name.removesuffix('沿街商铺').removesuffix('商圈')}{shop}")
            for zone in zones
            for shop in ("便利店", "面馆", "水果店", "理发店", "药房")
        ]
        index = places.household_index(community_ids=[community.pk])
        found = [places.household_for_shop(index, zone, shop) for zone, shop in wanted]
    else:
        groups = list(
            BuildingGroup.objects.filter(
                compound__community=community, compound__name__in=compound_names
            )
            .select_related("compound")
            .order_by("compound__name", "pk")[:40]
        )
        index = places.household_index(community_ids=[community.pk])
        found = [
            places.household_for_room(index, g, f"{floor}0{door}")
            for g in groups
            for floor, door in ((1, 1), (3, 2), (5, 1))
        ]
    places.households_save(households=found)
    existing = set(Account.objects.filter(scheme=scheme).values_list("household_id", flat=True))
    Account.objects.bulk_create(
        [Account(scheme=scheme, household=h) for h in found if h.pk not in existing]
    )
    accounts = list(Account.objects.filter(scheme=scheme).order_by("pk"))
    if (
        kind == SchemeKind.PET
        and not Pet.objects.filter(household__accounts__scheme=scheme).exists()
    ):
        Pet.objects.bulk_create(
            [
                Pet(
                    household_id=account.household_id,
                    name=name,
                    kind=PetKind.DOG if i % 3 else PetKind.CAT,
                    registered_on=datetime.date(2022, 3, 1) if i % 3 else None,
                    vaccinated_on=datetime.date(2022, 6, 15),
                )
                for i, (account, name) in enumerate(
                    zip(
                        accounts[::2],
                        ["豆豆", "旺财", "咪咪", "小白", "球球", "乐乐"] * 20,
                        strict=False,
                    )
                )
            ]
        )
    return accounts


def _entries(scheme, accounts, rules, rng, *, months, today):
    """Several months of entries, respecting caps and never taking a balance below zero."""
    awards = [r for r in rules if r.points > 0]
    deductions = [r for r in rules if r.points < 0]
    balance = defaultdict(int)
    earned = defaultdict(int)
    entries = []
    for month in months:
        for account in accounts:
            for _ in range(rng.randint(1, 5)):
                rule = rng.choice(awards) if rng.random() < 0.88 else rng.choice(deductions)
                day = min(month.replace(day=rng.randint(1, 28)), today)  # never in the future
                if (
                    rule.monthly_cap
                    and earned[(account.pk, rule.pk, month)] + rule.points > rule.monthly_cap
                ):
                    continue
                if balance[account.pk] + rule.points < 0:
                    continue
                earned[(account.pk, rule.pk, month)] += rule.points
                balance[account.pk] += rule.points
                entries.append(
                    PointEntry(
                        account=account,
                        rule=rule,
                        kind=EntryKind.AWARD if rule.points > 0 else EntryKind.DEDUCTION,
                        points=rule.points,
                        date=day,
                    )
                )
    # The ledger trigger moves balances and monthly figures as the rows go in.
    PointEntry.objects.bulk_create(entries)
