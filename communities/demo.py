"""Demo data: Jinhai Subdistrict as the January 2023 article describes it.

Names and figures the article gives are used as given (正学 and 丰乐 elected in 2022, 丰乐 the
city's first committee in an affordable-rental estate, 22 compounds, 17 street zones, 507 building
groups, 78 of them in 金水苑 and 金水新苑); everything else is plausible and generated from a
fixed seed, so that loading twice yields the same rows.
"""

import datetime
import random

from .models import (
    BuildingGroup,
    CommitteeMember,
    Community,
    CommunityKind,
    Compound,
    Election,
    Gender,
    Role,
    RoleCode,
    StreetZone,
    Subdistrict,
)

SUBDISTRICT = {
    "name": "金海街道",
    "district": "奉贤区",
    "city": "上海市",
    "office_address": "上海市奉贤区金海公路 6055 号",
    "office_phone": "021-57180000",
    "introduction": (
        "金海街道以“贤人”“贤法”实现“贤城贤治”,健全共建共治共享的社区治理制度,"
        "建设人人有责、人人尽责、人人享有的社区治理共同体。"
    ),
}

# community: (kind, compounds with building-group counts, street zones)
COMMUNITIES = {
    "正学社区": (
        CommunityKind.COMMODITY,
        [("正学苑", 28), ("正学东苑", 24), ("正学西苑", 22)],
        ["正学路沿街商铺", "解放东路商圈"],
    ),
    "丰乐社区": (
        CommunityKind.RENTAL,
        [("丰乐苑", 26), ("丰乐馨苑", 18)],
        ["丰乐苑沿街商铺"],
    ),
    "少湖社区": (
        CommunityKind.RESETTLEMENT,
        [("少湖苑", 25), ("少湖新村", 21), ("少湖佳苑", 19)],
        ["少湖路沿街商铺", "金海路商圈", "湖畔商业街", "少湖菜场周边"],
    ),
    "文杏社区": (
        CommunityKind.COMMODITY,
        [("文杏苑", 24), ("文杏雅苑", 20), ("文杏嘉园", 18)],
        ["文杏路沿街商铺", "杏林商圈"],
    ),
    "龙潭社区": (
        CommunityKind.RESETTLEMENT,
        [("龙潭苑", 27), ("龙潭新苑", 23), ("龙潭花园", 17)],
        ["龙潭路沿街商铺", "望园路商圈"],
    ),
    "金水社区": (
        CommunityKind.RESETTLEMENT,
        [("金水苑", 42), ("金水新苑", 36)],
        ["金水路沿街商铺", "金水苑商圈"],
    ),
    "金和社区": (
        CommunityKind.MIXED,
        [("金水和苑", 30), ("金和佳苑", 16)],
        ["金和路沿街商铺", "和苑商圈"],
    ),
    "望园社区": (
        CommunityKind.COMMODITY,
        [("望园小区", 20), ("望园新村", 18), ("贤林苑", 19), ("贤园", 14)],
        ["望园南路沿街商铺", "贤林商圈"],
    ),
}

# The two committees the article names: elected in 2022, secretary and director in one person.
ELECTIONS_2022 = {"正学社区": datetime.date(2022, 6, 18), "丰乐社区": datetime.date(2022, 9, 24)}
# The subdistrict's other committees came out of the city-wide general election of 2021.
GENERAL_ELECTION = datetime.date(2021, 11, 20)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红梅建国志文海燕辉波斌宇晨颖佳琳俊凯婷雪慧欣怡浩然子涵思远雨欣嘉诚"  # noqa: E501


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def load(stdout=None):
    rng = random.Random(20230120)
    subdistrict, _ = Subdistrict.objects.update_or_create(
        name=SUBDISTRICT["name"], defaults={k: v for k, v in SUBDISTRICT.items() if k != "name"}
    )
    roles = {role.code: role for role in Role.objects.all()}
    for order, (name, (kind, compounds, zones)) in enumerate(COMMUNITIES.items(), start=1):
        community, _ = Community.objects.update_or_create(
            subdistrict=subdistrict,
            name=name,
            defaults={
                "kind": kind,
                "sort_order": order,
                "office_address": f"奉贤区{name.removesuffix('社区')}路 {100 + order * 37} 号",
                "office_phone": f"021-5718{1000 + order * 11:04d}",
                "office_hours": "工作日 8:30-11:30,13:30-17:00",
                "introduction": _introduction(name, kind),
            },
        )
        for compound_name, groups in compounds:
            compound, _ = Compound.objects.update_or_create(
                community=community,
                name=compound_name,
                defaults={"households": groups * 24, "address": f"{compound_name}(奉贤区)"},
            )
            for number in range(1, groups + 1):
                BuildingGroup.objects.update_or_create(
                    compound=compound,
                    name=f"{number}号楼",
                    defaults={"households": 18 + (number * 7) % 18},
                )
        for zone_name in zones:
            StreetZone.objects.update_or_create(
                community=community,
                name=zone_name,
                defaults={"shops": 12 + len(zone_name) * 3, "extent": f"{zone_name}沿线"},
            )
        _load_committee(community, rng, roles)
    if stdout:
        stdout.write(
            f"  {subdistrict.name}:{len(COMMUNITIES)} 个社区,"
            f"{Compound.objects.filter(community__subdistrict=subdistrict).count()} 个小区,"
            f"{BuildingGroup.objects.filter(compound__community__subdistrict=subdistrict).count()}"
            f" 个楼组,{StreetZone.objects.filter(community__subdistrict=subdistrict).count()}"
            " 个街面"
        )


def _introduction(name, kind):
    if kind == CommunityKind.RENTAL:
        return f"{name}是上海市首个成立居委会的保障性租赁住房(保租房)小区,2022年完成居委会选举。"
    return f"{name}居民委员会服务辖区居民和沿街商户。"


def _load_committee(community, rng, roles):
    named = community.name in ELECTIONS_2022
    date = ELECTIONS_2022.get(community.name, GENERAL_ELECTION)
    # 正学 and 丰乐 together: 2 directors, 2 deputies, 8 members (article); others generated.
    plan = [
        [RoleCode.SECRETARY, RoleCode.DIRECTOR],
        [RoleCode.DEPUTY],
        [RoleCode.MEMBER],
        [RoleCode.MEMBER],
        [RoleCode.MEMBER],
        [RoleCode.MEMBER],
    ]
    if not named:
        extra = rng.randint(0, 1)
        plan = plan[: 5 + extra]
        if rng.random() < 0.4:
            plan[0:1] = [[RoleCode.SECRETARY], [RoleCode.DIRECTOR]]
    eligible = rng.randint(1800, 5200)
    election, _ = Election.objects.update_or_create(
        community=community,
        date=date,
        defaults={
            "seats": len(plan),
            "eligible_voters": eligible,
            "ballots_cast": int(eligible * rng.uniform(0.86, 0.97)),
            "notes": "本届居委会实现书记、主任“一肩挑”。" if named else "",
        },
    )
    for order, role_codes in enumerate(plan):
        member, _ = CommitteeMember.objects.update_or_create(
            election=election,
            sort_order=order,
            defaults={
                "name": person_name(rng),
                "gender": rng.choice([Gender.MALE, Gender.FEMALE]),
                "term_start": date,
                "term_end": None,
            },
        )
        member.roles.set([roles[code] for code in role_codes])
