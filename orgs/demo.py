"""Demo data for social organizations and stations, as the January 2023 article gives them.

66 organizations (57 social service institutions, 9 social groups) with valid credit codes, their
2021 and 2022 annual inspections, the public-welfare activities the article names, and the
"1+N+X" stations: the comprehensive station (the district's first, January 2022), four specialised
ones and one in each community. Names other than the article's are plausible and generated from a
fixed seed; loading twice changes nothing (organizations are keyed by credit code, inspections by
organization and year, stations by name, activities and reports by title and date).
"""

import datetime
import json
import random
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from communities.demo import person_name
from communities.models import Community, Subdistrict

from . import services
from .models import (
    AnnualInspection,
    InfoReport,
    InspectionResult,
    OrganizationKind,
    PublicWelfareActivity,
    ServiceField,
    SocialOrganization,
    SocialWorkStation,
    StationLevel,
)
from .validators import CREDIT_CODE_ALPHABET, with_check_character

# Shanghai Fengxian District's administrative-division code; civil affairs issue codes starting
# with 5, then 1 (social group), 2 (social service institution) or 3 (foundation).
FENGXIAN = "310120"
KIND_DIGIT = {OrganizationKind.GROUP: "1", OrganizationKind.SERVICE: "2"}

HUB = "上海市奉贤区金海社会组织服务中心"
SOCIAL_WORK = "上海市奉贤区金海社会工作服务社"
CARE_HOME = "上海市奉贤区悦心颐养院"
WENZHOU = "上海市奉贤区温州企业协会"
FINANCE = "上海市奉贤区金融业联合会"

# name: service fields (the article's three, and the two that run the station network).
NAMED_SERVICE = {
    HUB: ["社区治理", "公益慈善"],
    SOCIAL_WORK: ["社区治理", "养老", "青少年"],
    CARE_HOME: ["养老", "卫生健康"],
}
GROUPS = {
    WENZHOU: ["公益慈善"],
    FINANCE: ["公益慈善"],
    "上海市奉贤区金海老年协会": ["养老", "文化"],
    "上海市奉贤区金海商会": ["社区治理"],
    "上海市奉贤区金海志愿者协会": ["公益慈善", "社区治理"],
    "上海市奉贤区金海书画协会": ["文化"],
    "上海市奉贤区金海摄影协会": ["文化"],
    "上海市奉贤区金海体育健身协会": ["文化", "卫生健康"],
    "上海市奉贤区金海社区文化促进会": ["文化"],
}
PREFIXES = [
    "金海", "正学", "丰乐", "少湖", "文杏", "龙潭", "金水", "金和", "望园", "贤林",
    "乐龄", "阳光", "启明", "暖阳", "同心", "益邻", "馨和", "恒爱", "善行", "晨曦",
]  # fmt: skip
# suffix: service fields
SUFFIXES = {
    "睦邻服务中心": ["社区治理"],
    "为老服务中心": ["养老"],
    "长者照护之家": ["养老", "卫生健康"],
    "助残服务社": ["助残"],
    "青少年发展中心": ["青少年"],
    "四点半课堂服务社": ["青少年"],
    "文化艺术中心": ["文化"],
    "公益发展中心": ["公益慈善"],
    "人民调解服务社": ["法律服务", "社区治理"],
    "健康服务中心": ["卫生健康"],
    "家庭服务中心": ["社区治理", "其他"],
    "心理咨询服务中心": ["卫生健康"],
}
N_SERVICE, N_GROUPS = 57, 9

YEARS = (2021, 2022)

ACTIVITIES = [
    # title, date, organizations, community, place, beneficiaries, description
    ("“爱在清晨”公益活动为城市唤醒人送上爱心福袋", datetime.date(2022, 12, 16),
     [HUB, SOCIAL_WORK, "上海市奉贤区金海志愿者协会"], None, "金海街道各环卫作业点", 120,
     "清晨六点,社会组织志愿者为环卫工人等“城市唤醒人”送上装有保暖用品和早餐的爱心福袋。"),
    ("上海市奉贤区温州企业协会为悦心颐养院的老人捐赠牛奶", datetime.date(2022, 12, 28),
     [WENZHOU, CARE_HOME], "金和社区", "悦心颐养院", 150,
     "温州企业协会向悦心颐养院的老人捐赠牛奶,并陪老人聊天。"),
    ("上海市奉贤区金融业联合会春节慰问活动", datetime.date(2023, 1, 10),
     [FINANCE, HUB], None, "金海街道各社区", 60,
     "春节前,金融业联合会走访慰问辖区困难家庭,送上慰问品和新春祝福。"),
    ("“喜迎新春——相框剪纸”活动", datetime.date(2023, 1, 12),
     ["上海市奉贤区金海文化艺术中心", "上海市奉贤区金海书画协会"], "正学社区", "正学社区活动室", 40,
     "居民和孩子们一起学剪窗花、装相框,把剪纸作品带回家迎新春。"),
]  # fmt: skip

REPORTS = [
    ("金海街道挂牌成立全区首个综合社工站", datetime.date(2022, 1, 18), HUB,
     "金海街道综合社工站依托社会组织服务中心挂牌成立,是奉贤区首个综合社工站。社工站致力于"
     "提供专业化、针对性的服务,打造“1(综合)+N(专项)+X(社区)”社会工作服务体系。"),
    ("街道社会组织2021年度年检工作顺利完成", datetime.date(2022, 7, 8), HUB,
     "社会组织服务中心逐家开展年检指导,对需整改的社会组织明确整改期限,跟踪整改到位。"),
    ("奉贤区社会工作服务站规范化建设试点成果验收暨工作推进会召开", datetime.date(2022, 12, 20), None,
     "会上展示了金海街道社工站分布图和“5+5+5”机制:落实“五项保障”,深耕“五大领域”,"
     "推进“五社联动”。"),
]  # fmt: skip

SPECIALISED = [
    # name, host, community it sits in, (lat, lon) offset from that community's centre, services
    ("金海街道为老服务专项社工站", CARE_HOME, "金和社区", (0.003, -0.002),
     "老年人能力评估\n独居老人关爱探访\n长者助餐协调"),
    ("金海街道青少年服务专项社工站", SOCIAL_WORK, "文杏社区", (0.003, 0.002),
     "四点半课堂\n青少年成长辅导\n假期托管"),
    ("金海街道助残服务专项社工站", "上海市奉贤区金海助残服务社", "龙潭社区", (-0.003, 0.002),
     "残疾人康复指导\n阳光就业对接\n家庭支持"),
    ("金海街道家庭与妇女儿童服务专项社工站", "上海市奉贤区金海家庭服务中心", "丰乐社区",
     (-0.003, -0.002), "家庭教育指导\n婚姻家庭调解\n妇女儿童权益维护"),
]  # fmt: skip

OUTLINE = Path(__file__).parent / "static" / "orgs" / "jinhai-outline.geojson"


def load(stdout=None):
    subdistrict = Subdistrict.objects.get(name="金海街道")
    communities = list(Community.objects.filter(subdistrict=subdistrict).order_by("sort_order"))
    by_community = {c.name: c for c in communities}
    fields = {f.name: f for f in ServiceField.objects.all()}
    organizations = _organizations(subdistrict, communities, fields, random.Random(20230120))
    _inspections(organizations, random.Random(2022_07))
    _activities(subdistrict, organizations, by_community)
    _reports(subdistrict, organizations)
    _stations(subdistrict, organizations, by_community)
    if stdout:
        active = SocialOrganization.objects.active().filter(subdistrict=subdistrict)
        stdout.write(
            f"  社会组织 {active.count()} 家(社会服务机构 "
            f"{active.filter(kind=OrganizationKind.SERVICE).count()} 家、社会团体 "
            f"{active.filter(kind=OrganizationKind.GROUP).count()} 家),社工站 "
            f"{SocialWorkStation.objects.filter(subdistrict=subdistrict).count()} 个"
        )


def _plan():
    """[(name, kind, field names)]: the article's organizations first, then generated ones."""
    plan = [(name, OrganizationKind.SERVICE, f) for name, f in NAMED_SERVICE.items()]
    plan += [(name, OrganizationKind.GROUP, f) for name, f in GROUPS.items()]
    rng = random.Random(57)
    combos = [(p, s) for s in SUFFIXES for p in PREFIXES]
    rng.shuffle(combos)
    # Every suffix at least once with the subdistrict's own name (the stations need some of them).
    combos = [("金海", s) for s in SUFFIXES] + [c for c in combos if c[0] != "金海"]
    for prefix, suffix in combos:
        if sum(1 for _, kind, _ in plan if kind == OrganizationKind.SERVICE) == N_SERVICE:
            break
        plan.append((f"上海市奉贤区{prefix}{suffix}", OrganizationKind.SERVICE, SUFFIXES[suffix]))
    return plan


def _credit_code(kind, serial):
    """A valid code as civil affairs issue them: 5, kind, division, MJ + 7 characters, check."""
    body = "".join(CREDIT_CODE_ALPHABET[(serial * 7 + i * 13) % 31] for i in range(2))
    first17 = f"5{KIND_DIGIT[kind]}{FENGXIAN}MJ{serial:05d}{body}"
    return with_check_character(first17)


def _organizations(subdistrict, communities, fields, rng):
    plan = _plan()
    assert len(plan) == N_SERVICE + N_GROUPS
    existing = {
        o.credit_code: o for o in SocialOrganization.objects.filter(subdistrict=subdistrict)
    }
    organizations = {}
    for serial, (name, kind, field_names) in enumerate(plan, start=1):
        code = _credit_code(kind, serial)
        # Draw everything every time, so that a second run makes the same choices.
        registered = datetime.date(2012, 1, 1) + datetime.timedelta(days=rng.randrange(0, 3650))
        representative = person_name(rng)
        served = rng.sample(communities, k=min(len(communities), rng.choice([1, 1, 2, 3])))
        if name in (HUB, SOCIAL_WORK) or kind == OrganizationKind.GROUP:
            served = communities
        values = {
            "subdistrict": subdistrict,
            "name": name,
            "kind": kind,
            "registered_on": registered,
            "legal_representative": representative,
            "office_phone": f"021-6719{serial:04d}",
            "contact_mobile": f"1370000{serial:04d}",  # fictitious block, staff-only
            "address": f"上海市奉贤区{served[0].name.removesuffix('社区')}路 {100 + serial * 3} 号",
            "introduction": f"{name}是在{subdistrict.name}登记的{kind.label},服务辖区居民。",
        }
        organization = existing.get(code)
        if organization is None:
            organization = SocialOrganization(credit_code=code, **values)
            services.organization_save(
                organization=organization,
                service_fields=[fields[f] for f in field_names],
                communities=served,
            )
        organizations[name] = organization
    return organizations


def _inspections(organizations, rng):
    """2021 and 2022 as the article's time had them, and the round under way now (last year's,
    held this year): most are in, some are not yet (they are on the street's 待办)."""
    today = timezone.localdate()
    current = today.year - 1
    years = (*YEARS, current) if current > YEARS[-1] else YEARS
    done = set(
        AnnualInspection.objects.filter(organization__in=organizations.values()).values_list(
            "organization_id", "year"
        )
    )
    new = []
    for year in years:
        for organization in organizations.values():
            draw = rng.random()
            if organization.registered_on.year > year or (organization.pk, year) in done:
                continue
            if year == 2022 and draw < 0.12:
                continue  # the 2022 inspection (submitted in 2023) is not in yet
            if year == current and year != 2022 and 0.5 < draw < 0.7:
                continue  # this round's stragglers
            if organization.name in (HUB, SOCIAL_WORK):
                draw = 0.0  # the centre and the station operator set the example
            result = (
                InspectionResult.PASSED
                if draw < 0.82
                else InspectionResult.BASICALLY_PASSED
                if draw < 0.92
                else InspectionResult.FAILED
                if draw < 0.96
                else InspectionResult.NOT_INSPECTED
            )
            submitted = None
            if result != InspectionResult.NOT_INSPECTED:
                submitted = datetime.date(year + 1, 3, 1) + datetime.timedelta(days=int(draw * 90))
                submitted = min(submitted, today)
            returned = result in (InspectionResult.BASICALLY_PASSED, InspectionResult.FAILED)
            deadline = datetime.date(year + 1, 9, 30) if returned else None
            # 2021's corrections are done; of 2022's, the failed ones are still open (overdue).
            corrected = (
                deadline - datetime.timedelta(days=20)
                if returned and (year == 2021 or result == InspectionResult.BASICALLY_PASSED)
                else None
            )
            new.append(
                AnnualInspection(
                    organization=organization,
                    year=year,
                    submitted_on=submitted,
                    result=result,
                    returned_for_correction=returned,
                    correction_deadline=deadline,
                    corrected_on=corrected,
                    guidance="财务报表需补充说明;按期完成整改。" if returned else "",
                )
            )
    AnnualInspection.objects.bulk_create(new)


def _activities(subdistrict, organizations, by_community):
    for title, date, names, community, place, beneficiaries, text in ACTIVITIES:
        activity, made = PublicWelfareActivity.objects.get_or_create(
            subdistrict=subdistrict,
            title=title,
            date=date,
            defaults={
                "community": by_community.get(community),
                "place": place,
                "beneficiaries": beneficiaries,
                "description": text,
            },
        )
        if made:
            activity.organizations.set([organizations[n] for n in names])


def _reports(subdistrict, organizations):
    for title, date, name, text in REPORTS:
        InfoReport.objects.get_or_create(
            subdistrict=subdistrict,
            title=title,
            date=date,
            defaults={"organization": organizations.get(name), "text": text},
        )


def community_centres():
    """{community name: (lat, lon)}: the middle of each community's shape in the shipped
    outline (a sketch for the demo, see static/js/stations-map.js)."""
    centres = {}
    for feature in json.loads(OUTLINE.read_text(encoding="utf-8"))["features"]:
        if feature["properties"]["kind"] == "community":
            ring = feature["geometry"]["coordinates"][0][:-1]
            centres[feature["properties"]["name"]] = (
                round(sum(p[1] for p in ring) / len(ring), 6),
                round(sum(p[0] for p in ring) / len(ring), 6),
            )
    return centres


def _stations(subdistrict, organizations, by_community):
    centres = community_centres()
    plan = [
        (
            "金海街道综合社工站",
            StationLevel.COMPREHENSIVE,
            None,
            HUB,
            (30.9262, 121.5085),
            "上海市奉贤区金海公路 6055 号(街道社会组织服务中心)",
            "社会组织孵化培育\n社会工作专业督导\n社工站网络统筹\n“五社联动”项目策划",
            datetime.date(2022, 1, 1),
        )
    ]
    for name, host, community, (dlat, dlon), text in SPECIALISED:
        lat, lon = centres[community]
        plan.append(
            (
                name,
                StationLevel.SPECIALISED,
                None,  # run by the street office: placed near a community, not belonging to it
                host,
                (round(lat + dlat, 6), round(lon + dlon, 6)),
                f"{community}活动中心二楼",
                text,
                datetime.date(2022, 6, 1),
            )
        )
    for community in by_community:
        lat, lon = centres[community]
        plan.append(
            (
                f"{community}社工站",
                StationLevel.COMMUNITY,
                community,
                SOCIAL_WORK,
                # A little south of the middle, where the map writes the community's name.
                (round(lat - 0.004, 6), lon),
                f"{community}党群服务站",
                "居民需求调研\n困难群众走访\n社区志愿者培育",
                datetime.date(2022, 9, 1),
            )
        )
    existing = set(
        SocialWorkStation.objects.filter(subdistrict=subdistrict).values_list("name", flat=True)
    )
    for order, (name, level, community, host, (lat, lon), address, text, opened) in enumerate(
        plan, start=1
    ):
        if name in existing:
            continue
        station = SocialWorkStation(
            subdistrict=subdistrict,
            level=level,
            name=name,
            community=by_community.get(community),
            hosting_organization=organizations[host],
            address=address,
            # Through str: a float would carry more decimal places than the field keeps.
            latitude=Decimal(str(round(lat, 6))),
            longitude=Decimal(str(round(lon, 6))),
            services=text,
            opening_hours="工作日 9:00-17:00"
            if level != StationLevel.COMMUNITY
            else "周一至周六 9:00-16:30",
            phone=f"021-5718{2000 + order:04d}",
            opened_on=opened,
            sort_order=order,
        )
        station.full_clean()
        station.save()
