"""Demo data for 美丽约定: the schemes the article names, their rules, accounts and a few months
of entries. 少湖 has a shop version, 文杏 a civilised pet-keeping version; 金水苑, 金水新苑, 金水和苑
and 龙潭 run a points system. Then the 2022 self-governance fund (自治金) and the 和美楼组 campaign
with its 33 -> 9 contest (see `load_fund` and `load_campaign`).

Entries are loaded in bulk the first time (a scheme that already has entries is left alone); the
ledger's trigger moves balances and monthly figures with them.
"""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from communities.models import BuildingGroup, Community, Compound, StreetZone, Subdistrict

from . import services
from .models import (
    PROJECT_PATH,
    Account,
    AccountKind,
    AgreementScheme,
    Campaign,
    CampaignStandard,
    Contest,
    ContestEntry,
    ContestRound,
    DiscussionMeeting,
    Enrollment,
    EntryKind,
    Expenditure,
    FundAllocation,
    FundProject,
    Inspection,
    InspectionKind,
    InspectionScore,
    Pet,
    PetKind,
    PointEntry,
    ProjectCategory,
    ProjectMove,
    ProjectStatus,
    Rectification,
    RectificationStatus,
    Reward,
    RoundScore,
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


def load(stdout=None):
    rng = random.Random(20220801)
    totals = defaultdict(int)
    for name, community_name, compound_names, kind, rules in SCHEMES:
        community = Community.objects.get(name=community_name, subdistrict__name="金海街道")
        scheme, _ = AgreementScheme.objects.update_or_create(
            community=community,
            name=name,
            defaults={
                "kind": kind,
                "text": TEXT[kind],
                "start": START,
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
            _entries(scheme, accounts, rule_objs, rng)
        totals["schemes"] += 1
        totals["accounts"] += len(accounts)
    if stdout:
        stdout.write(
            f"  美丽约定 {totals['schemes']} 个,积分账户 {totals['accounts']} 个,"
            f"积分明细 {PointEntry.objects.count()} 条"
        )
    load_fund(stdout)
    load_campaign(stdout)


def _accounts(scheme, community, compound_names, kind):
    if kind == SchemeKind.SHOP:
        zones = list(StreetZone.objects.filter(community=community).order_by("name"))
        wanted = [
            (zone, f"{zone.name.removesuffix('沿街商铺').removesuffix('商圈')}{shop}")
            for zone in zones
            for shop in ("便利店", "面馆", "水果店", "理发店", "药房")
        ]
        existing = {a.shop_name for a in Account.objects.filter(scheme=scheme)}
        Account.objects.bulk_create(
            [
                Account(scheme=scheme, kind=AccountKind.SHOP, street_zone=zone, shop_name=shop)
                for zone, shop in wanted
                if shop not in existing
            ]
        )
    else:
        groups = list(
            BuildingGroup.objects.filter(
                compound__community=community, compound__name__in=compound_names
            ).order_by("compound__name", "pk")[:40]
        )
        existing = {(a.building_group_id, a.room) for a in Account.objects.filter(scheme=scheme)}
        wanted = [
            (g, f"{floor}0{door}") for g in groups for floor, door in ((1, 1), (3, 2), (5, 1))
        ]
        Account.objects.bulk_create(
            [
                Account(scheme=scheme, kind=AccountKind.HOUSEHOLD, building_group=g, room=room)
                for g, room in wanted
                if (g.pk, room) not in existing
            ]
        )
    accounts = list(Account.objects.filter(scheme=scheme).order_by("pk"))
    if kind == SchemeKind.PET and not Pet.objects.filter(account__scheme=scheme).exists():
        Pet.objects.bulk_create(
            [
                Pet(
                    account=account,
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


def _entries(scheme, accounts, rules, rng):
    """Several months of entries, respecting caps and never taking a balance below zero."""
    awards = [r for r in rules if r.points > 0]
    deductions = [r for r in rules if r.points < 0]
    balance = defaultdict(int)
    earned = defaultdict(int)
    entries = []
    for month in MONTHS:
        for account in accounts:
            for _ in range(rng.randint(1, 5)):
                rule = rng.choice(awards) if rng.random() < 0.88 else rng.choice(deductions)
                day = month.replace(day=rng.randint(1, 28))
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


# 自治金, 2022: every community's allocation and projects in every state, each walked through
# `services.project_move` (and paid through `services.expenditure_add`) so that the demo obeys
# the same rules as staff. A project that exists already is left alone: loading twice changes
# nothing.

FUND_YEAR = 2022
ALLOCATIONS = {
    "正学社区": 200000, "丰乐社区": 150000, "少湖社区": 220000, "文杏社区": 180000,
    "龙潭社区": 200000, "金水社区": 300000, "金和社区": 180000, "望园社区": 160000,
}  # fmt: skip

# community, compound, title, category, proposer, requested, approved, final status, spent
# (amounts in yuan; `spent` is a list of (purpose, amount) paid while in 实施).
PROJECTS = [
    ("金水社区", "金水苑", "金水苑非机动车车棚扩建及充电桩改造", ProjectCategory.PARKING, "金水苑业委会",
     86000, 80000, ProjectStatus.CLOSED, [("车棚钢结构及顶棚材料", 52000), ("智能充电桩 12 台及安装", 26600)],
     "车棚不够用、电瓶车上楼充电有火灾隐患。扩建车棚 60 个车位并加装充电桩。"),
    ("金水社区", "金水新苑", "金水新苑机动车停车位挖潜与划线", ProjectCategory.PARKING, "金水新苑居民自治小组",
     120000, 110000, ProjectStatus.IMPLEMENTING, [("绿化带改造停车位土建", 48000), ("车位划线及标识", 17000)],
     "破解“停车难题”:利用边角空地新增 40 个车位,统一划线,夜间错峰停车。"),
    ("金水社区", "金水苑", "金水苑楼道堆物清理与墙面粉刷", ProjectCategory.STAIRWAY, "金水苑 12 号楼楼组",
     45000, 42000, ProjectStatus.ACCEPTED, [("楼道墙面粉刷", 30000), ("堆物清运", 12000)],
     "对照“三清三美”,清理楼道堆物,粉刷 20 个楼道墙面。"),
    ("金水社区", "金水新苑", "金水新苑“和美楼组”楼道微更新", ProjectCategory.STAIRWAY, "金水新苑楼组长联席会",
     38000, None, ProjectStatus.PUBLICISING, [], "楼道宣传栏、扶手和楼道灯的微更新。"),
    ("正学社区", "正学苑", "正学苑为老助餐点设备添置", ProjectCategory.ELDERLY, "正学社区睦邻点",
     50000, 48000, ProjectStatus.CLOSED, [("厨房设备及餐桌椅", 39200), ("保温送餐箱", 8000)],
     "为 80 岁以上独居老人提供午餐,添置厨房设备和送餐保温箱。"),
    ("正学社区", "正学东苑", "正学东苑绿化补种与宅间步道修缮", ProjectCategory.ENVIRONMENT, "正学东苑居民自治小组",
     60000, 56000, ProjectStatus.APPROVED, [], "补种宅间绿化,修缮破损步道,方便老人出行。"),
    ("正学社区", "正学西苑", "正学西苑夜间错峰停车", ProjectCategory.PARKING, "正学西苑楼组长",
     30000, None, ProjectStatus.DISCUSSING, [], "与周边单位协商夜间开放停车场,缓解小区停车难。"),
    ("丰乐社区", "丰乐苑", "丰乐苑青年议事角", ProjectCategory.OTHER, "丰乐苑租户代表",
     20000, None, ProjectStatus.COLLECTING, [], "保租房小区租户多为青年,设一个议事角,让租户参与小区治理。"),
    ("丰乐社区", "丰乐馨苑", "丰乐馨苑垃圾箱房改造", ProjectCategory.ENVIRONMENT, "丰乐馨苑居民自治小组",
     70000, 65000, ProjectStatus.IMPLEMENTING, [("垃圾箱房改造工程款(首付)", 30000)],
     "改造 2 处垃圾箱房,加装洗手池和除臭设备。"),
    ("少湖社区", None, "少湖沿街商铺门前三包标识牌", ProjectCategory.ENVIRONMENT, "少湖商户议事会",
     25000, 24000, ProjectStatus.ACCEPTED, [("门前三包标识牌 120 块", 24000)], "配合商铺版美丽约定,统一制作门前三包责任牌。"),
    ("少湖社区", "少湖新村", "少湖新村楼道灯更换", ProjectCategory.STAIRWAY, "少湖新村 5 号楼楼组",
     18000, None, ProjectStatus.REJECTED, [], "讨论会认为楼道灯属物业维修范围,已纳入物业维修计划,不使用自治金。"),
    ("文杏社区", "文杏苑", "文杏苑宠物便便箱与文明养宠宣传", ProjectCategory.PETS, "文杏苑养宠居民自治小组",
     32000, 30000, ProjectStatus.CLOSED, [("宠物便便箱 20 个", 16000), ("文明养宠宣传品", 12500)],
     "配合“文明养宠美丽约定专项版”,设置便便箱,开展宣传。"),
    ("文杏社区", "文杏雅苑", "文杏雅苑宠物友好角", ProjectCategory.PETS, "文杏雅苑居民",
     40000, None, ProjectStatus.DISCUSSING, [], "在小区一角设置宠物活动区,减少宠物扰民。"),
    ("龙潭社区", "龙潭苑", "龙潭苑老年活动室适老化改造", ProjectCategory.ELDERLY, "龙潭苑老年协会",
     65000, 60000, ProjectStatus.IMPLEMENTING, [("防滑地面及扶手", 28000)], "活动室地面防滑、加装扶手和呼叫铃。"),
    ("龙潭社区", "龙潭新苑", "龙潭新苑非机动车停放整治", ProjectCategory.PARKING, "龙潭新苑楼组长",
     28000, None, ProjectStatus.COLLECTING, [], "规范非机动车停放,清理僵尸车。"),
    ("金和社区", "金水和苑", "金水和苑美丽约定积分兑换点", ProjectCategory.OTHER, "金水和苑美丽约定积分小组",
     22000, 20000, ProjectStatus.APPROVED, [], "建设积分兑换点,激发居民参与自治的热情。"),
    ("望园社区", "望园小区", "望园小区雨污管道疏通", ProjectCategory.ENVIRONMENT, "望园小区居民自治小组",
     55000, None, ProjectStatus.PUBLICISING, [], "疏通老旧雨污管道,解决雨天积水。"),
]  # fmt: skip

# When each step happened (month, day) in 2022; a meeting is held during 讨论.
STEP_DATES = {
    ProjectStatus.DISCUSSING: (4, 8),
    ProjectStatus.PUBLICISING: (5, 10),
    ProjectStatus.APPROVED: (6, 6),
    ProjectStatus.IMPLEMENTING: (7, 1),
    ProjectStatus.ACCEPTED: (10, 20),
    ProjectStatus.CLOSED: (11, 25),
    ProjectStatus.REJECTED: (5, 10),
}
MOVE_NOTES = {
    ProjectStatus.DISCUSSING: "征集结束,提交自治金参与式讨论会",
    ProjectStatus.PUBLICISING: "讨论会通过,在小区公示栏公示 7 天",
    ProjectStatus.APPROVED: "公示无异议,居委会立项",
    ProjectStatus.IMPLEMENTING: "开工",
    ProjectStatus.ACCEPTED: "居民代表参与验收",
    ProjectStatus.CLOSED: "票据齐全,结项",
    ProjectStatus.REJECTED: "讨论会决定不使用自治金",
}
GENERAL_MEETINGS = [
    # community, topic, date, place, participants, decision
    ("金水社区", "说事会:破解“停车难题”", datetime.date(2022, 12, 8), "金水社区居委会议室", 36,
     "夜间错峰停车;边角空地挖潜新增车位,列入 2023 年度自治金项目征集。"),
    ("正学社区", "说事会:小区停车怎么管", datetime.date(2022, 9, 14), "正学苑睦邻点", 24,
     "成立停车自治小组,与周边单位协商夜间停车。"),
]  # fmt: skip


def _at(month, day):
    return timezone.make_aware(datetime.datetime(FUND_YEAR, month, day, 10, 0))


def load_fund(stdout=None):
    communities = {c.name: c for c in Community.objects.filter(subdistrict__name="金海街道")}
    for name, amount in ALLOCATIONS.items():
        FundAllocation.objects.get_or_create(
            community=communities[name], year=FUND_YEAR, defaults={"amount": amount}
        )
    compounds = {
        (c.community_id, c.name): c
        for c in Compound.objects.filter(community__in=communities.values())
    }
    for (
        community_name, compound_name, title, category, proposer, requested, approved, final, paid,
        description,
    ) in PROJECTS:  # fmt: skip
        community = communities[community_name]
        project, created = FundProject.objects.get_or_create(
            community=community,
            year=FUND_YEAR,
            title=title,
            defaults={
                "compound": compounds.get((community.pk, compound_name)),
                "category": category,
                "proposer": proposer,
                "description": description,
                "amount_requested": Decimal(requested),
            },
        )
        if created:
            _walk(project, final, approved, paid)
    for community_name, topic, date, place, participants, decision in GENERAL_MEETINGS:
        DiscussionMeeting.objects.get_or_create(
            community=communities[community_name],
            project=None,
            topic=topic,
            date=date,
            defaults={"place": place, "participants": participants, "decision": decision},
        )
    if stdout:
        stdout.write(
            f"  自治金项目 {FundProject.objects.filter(year=FUND_YEAR).count()} 个,"
            f"讨论会 {DiscussionMeeting.objects.count()} 次,"
            f"支出 {Expenditure.objects.count()} 笔"
        )


def _walk(project, final, approved, paid):
    """Move a new project step by step to `final`, as staff would."""
    if final == ProjectStatus.REJECTED:
        path = [ProjectStatus.DISCUSSING, ProjectStatus.REJECTED]
    else:
        path = PROJECT_PATH[1 : PROJECT_PATH.index(final) + 1]
    for step in path:
        if step == ProjectStatus.PUBLICISING or (
            step == ProjectStatus.REJECTED and not project.meetings.exists()
        ):
            month, day = STEP_DATES[ProjectStatus.DISCUSSING]
            DiscussionMeeting.objects.create(
                community_id=project.community_id,
                project=project,
                topic=f"自治金参与式讨论会:{project.title}",
                date=datetime.date(FUND_YEAR, month, day + 12),
                place="居委会议室",
                participants=18 + len(project.title) % 17,
                minutes="居民代表、楼组长、业委会和物业代表逐项讨论项目内容、预算和实施方式。",
                decision=(
                    "同意进入公示。" if step != ProjectStatus.REJECTED else project.description
                ),
            )
        move = services.project_move(
            project=project,
            to=step,
            by=None,
            note=MOVE_NOTES[step],
            approved_amount=Decimal(approved) if step == ProjectStatus.APPROVED else None,
        )
        ProjectMove.objects.filter(pk=move.pk).update(at=_at(*STEP_DATES[step]))
        if step == ProjectStatus.IMPLEMENTING:
            for n, (purpose, amount) in enumerate(paid):
                services.expenditure_add(
                    project=project,
                    date=datetime.date(FUND_YEAR, 7 + 2 * n, 15),
                    amount=Decimal(amount),
                    payee="施工及供货单位(演示)",
                    purpose=purpose,
                    by=None,
                )


# 和美楼组 creation, 2022: the 78 building groups of 金水苑 and 金水新苑 check themselves and each
# other against the 三清三美, the street office checks them, findings are put right (a few are
# still open past their deadline); the 比学赶超 contest picks 9 of 33 entries over two rounds.

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


def load_campaign(stdout=None):
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
    standards = []
    for order, (name, requirement, full) in enumerate(STANDARDS, start=1):
        standard, _ = CampaignStandard.objects.get_or_create(
            campaign=campaign,
            name=name,
            defaults={"description": requirement, "max_score": full, "sort_order": order},
        )
        standards.append(standard)
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
    if stdout:
        stdout.write(
            f"  和美楼组参创 {campaign.enrollments.count()} 个,检查 "
            f"{Inspection.objects.filter(enrollment__campaign=campaign).count()} 次,整改 "
            f"{Rectification.objects.filter(inspection__enrollment__campaign=campaign).count()} 项;"
            f"比学赶超 {contest.entries.count()} 个节目,入围 "
            f"{contest.entries.filter(shortlisted=True).count()} 个"
        )


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
            RoundScore(
                round=first, entry=e, score=Decimal(m) / 100, subdistrict_id=contest.subdistrict_id
            )
            for e, m in zip(entries, marks, strict=True)
        ]
    )
    shortlisted = services.contest_shortlist(contest=contest, contest_round=first, count=9)
    marks = rng.sample(range(8500, 9900), len(shortlisted))
    RoundScore.objects.bulk_create(
        [
            RoundScore(
                round=final, entry=e, score=Decimal(m) / 100, subdistrict_id=contest.subdistrict_id
            )
            for e, m in zip(shortlisted, marks, strict=True)
        ]
    )
    services.contest_rank(contest=contest, contest_round=final)
    return contest
