"""Demo data for 自治金, 2022: every community's allocation and projects in every state, each
walked through `services.project_move` (and paid through `services.expenditure_add`) so that the
demo obeys the same rules as staff. A project that exists already is left alone: loading twice
changes nothing.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from communities.models import Community, Compound

from . import services
from .models import (
    NOTICE_DAYS,
    PROJECT_PATH,
    DiscussionMeeting,
    Expenditure,
    FundAllocation,
    FundProject,
    ProjectCategory,
    ProjectMove,
    ProjectStatus,
)

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


def load(stdout=None):
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
    _this_year(communities, compounds)
    if stdout:
        stdout.write(
            f"  自治金项目 {FundProject.objects.filter(year=FUND_YEAR).count()} 个"
            f"(今年 {FundProject.objects.filter(year=timezone.localdate().year).count()} 个),"
            f"讨论会 {DiscussionMeeting.objects.count()} 次,"
            f"支出 {Expenditure.objects.count()} 笔"
        )


def _move_on(project, step, approved, at):
    """One move through the service, as staff make it, then dated when it happened."""
    today = timezone.localdate()
    if step == ProjectStatus.APPROVED and project.notice_until >= today:
        # Steps dated back to the year's first day (early in January) can leave the notice
        # still running: the demo's notice ends the day before, as it would have.
        yesterday = today - datetime.timedelta(days=1)
        project.notice_from = min(project.notice_from, yesterday)
        project.notice_until = yesterday
        project.save(update_fields=["notice_from", "notice_until"])
    move = services.project_move(
        project=project,
        to=step,
        by=None,
        note=MOVE_NOTES[step],
        approved_amount=Decimal(approved) if step == ProjectStatus.APPROVED else None,
    )
    ProjectMove.objects.filter(pk=move.pk).update(at=at)
    if step == ProjectStatus.PUBLICISING:
        start = timezone.localdate(at)
        project.notice_from = start
        project.notice_until = start + datetime.timedelta(days=NOTICE_DAYS - 1)
        project.save(update_fields=["notice_from", "notice_until"])


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
        _move_on(project, step, approved, _at(*STEP_DATES[step]))
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


# This year's fund, under way. community, compound, title, category, requested, approved, where it
# stands, and how many days before the first load each step happened (a meeting at "meeting").
THIS_YEAR = [
    ("正学社区", "正学苑", "正学苑楼道扶手加装", ProjectCategory.ELDERLY, 36000, None,
     {"discussing": 20, "meeting": 12, "publicising": 2}, [],
     "为老人多的楼道加装扶手,方便上下楼。"),
    ("正学社区", "正学西苑", "正学西苑电动自行车充电棚", ProjectCategory.PARKING, 58000, None,
     {"discussing": 6}, [], "电瓶车上楼充电有火灾隐患,在小区空地建充电棚。"),
    ("金水社区", "金水苑", "金水苑健身角翻新", ProjectCategory.ENVIRONMENT, 42000, None,
     {"discussing": 30, "meeting": 25, "publicising": 12}, [], "更换老化的健身器材,铺设塑胶地面。"),
    ("龙潭社区", "龙潭苑", "龙潭苑楼道灯节能改造", ProjectCategory.STAIRWAY, 30000, 28000,
     {"discussing": 70, "meeting": 62, "publicising": 55, "approved": 45, "implementing": 40},
     [("LED 感应灯 120 套", 5, 16800)], "楼道灯换成节能感应灯。"),
]  # fmt: skip


def _this_year(communities, compounds):
    today = timezone.localdate()
    for name, amount in ALLOCATIONS.items():
        FundAllocation.objects.get_or_create(
            community=communities[name], year=today.year, defaults={"amount": amount}
        )
    for (
        community_name, compound_name, title, category, requested, approved, steps, paid,
        description,
    ) in THIS_YEAR:  # fmt: skip
        community = communities[community_name]
        project, created = FundProject.objects.get_or_create(
            community=community,
            year=today.year,
            title=title,
            defaults={
                "compound": compounds.get((community.pk, compound_name)),
                "category": category,
                "proposer": "居民自治小组",
                "description": description,
                "amount_requested": Decimal(requested),
            },
        )
        if created:
            _walk_back(project, today, steps, approved, paid)
    _coming(communities, today)


# Meetings ahead that households may sign up for (报名): community, topic, project title or
# None, days from the first load, place, capacity.
COMING_MEETINGS = [
    ("正学社区", "说事会:小区电瓶车充电怎么管", None, 6, "正学社区居委会议室", 40),
    ("正学社区", "自治金参与式讨论会:正学西苑电动自行车充电棚", "正学西苑电动自行车充电棚", 9,
     "正学西苑睦邻点", 30),
]  # fmt: skip


def _coming(communities, today):
    for community_name, topic, title, days, place, capacity in COMING_MEETINGS:
        community = communities[community_name]
        DiscussionMeeting.objects.get_or_create(
            community=community,
            topic=topic,
            defaults={
                "project": FundProject.objects.filter(
                    community=community, year=today.year, title=title
                ).first()
                if title
                else None,
                "date": today + datetime.timedelta(days=days),
                "place": place,
                "signup_open": True,
                "capacity": capacity,
            },
        )


def _walk_back(project, today, steps, approved, paid):
    """Walk a new project through its steps, each dated `steps[step]` days before today (never
    before this year began)."""

    def ago(days):
        return max(today - datetime.timedelta(days=days), datetime.date(today.year, 1, 1))

    for step in [s for s in PROJECT_PATH[1:] if s in steps]:
        if step == ProjectStatus.PUBLICISING:
            DiscussionMeeting.objects.create(
                community_id=project.community_id,
                project=project,
                topic=f"自治金参与式讨论会:{project.title}",
                date=ago(steps["meeting"]),
                place="居委会议室",
                participants=21,
                minutes="居民代表、楼组长和物业代表讨论项目内容、预算和实施方式。",
                decision="同意进入公示。",
            )
        at = timezone.make_aware(datetime.datetime.combine(ago(steps[step]), datetime.time(10)))
        _move_on(project, step, approved, at)
    for purpose, days, amount in paid:
        services.expenditure_add(
            project=project,
            date=ago(days),
            amount=Decimal(amount),
            payee="施工及供货单位(演示)",
            purpose=purpose,
            by=None,
        )
