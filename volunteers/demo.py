"""Demo data for the 两长: the July 2022 selection (507 building-group leaders, 17 street leaders),
trainings with attendance, and volunteer service of the kinds the article shows.

Loading twice changes nothing: people are keyed by phone, appointments by unit, trainings by
title and date, activities by community, title and date.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from communities.demo import person_name
from communities.models import BuildingGroup, Community, Gender, StreetZone, Subdistrict

from . import services
from .models import (
    Activity,
    ActivityKind,
    Appointment,
    Attendance,
    LeaderKind,
    Participation,
    PoliticalStatus,
    Training,
    TrainingMode,
    Volunteer,
)

SELECTED = datetime.date(2022, 7, 15)

STREET_TRAININGS = [
    ("金海街道党建引领基层治理暨两长制工作推进大会", datetime.date(2022, 7, 28), TrainingMode.OFFLINE,
     "两长制工作部署;楼组长、街面长职责"),
    ("“两长”队伍能力建设培训班开班仪式", datetime.date(2022, 8, 12), TrainingMode.OFFLINE,
     "政治理论素养;社区治理能力;群众工作能力"),
    ("“两长”线上专题培训:社区治理与群众工作", datetime.date(2022, 9, 6), TrainingMode.ONLINE,
     "民主协商;矛盾化解;楼组自治"),
    ("“两长”实地教学:微型消防站与小区治理", datetime.date(2022, 10, 18), TrainingMode.FIELD,
     "微型消防站设施使用;小区巡查"),
]  # fmt: skip

ACTIVITIES = [
    ("疫情期间“两长”支援核酸大筛", ActivityKind.EPIDEMIC, datetime.date(2022, 11, 26), "小区核酸采样点"),
    ("街面长参与微型消防站消防演习", ActivityKind.FIRE_DRILL, datetime.date(2022, 11, 9), "社区微型消防站"),
    ("“两长”参与“说事会”:破解停车难题", ActivityKind.DELIBERATION, datetime.date(2022, 12, 8), "居委会议室"),
    ("小区环境整治志愿服务", ActivityKind.COMPOUND, datetime.date(2022, 10, 22), "小区公共区域"),
]  # fmt: skip


def load(stdout=None):
    rng = random.Random(20220715)
    subdistrict = Subdistrict.objects.get(name="金海街道")
    communities = list(Community.objects.filter(subdistrict=subdistrict).order_by("sort_order"))
    groups = list(
        BuildingGroup.objects.filter(compound__community__subdistrict=subdistrict)
        .select_related("compound")
        .order_by("compound__community__sort_order", "compound__name", "pk")
    )
    zones = list(
        StreetZone.objects.filter(community__subdistrict=subdistrict).order_by(
            "community__sort_order", "name"
        )
    )
    units = [(LeaderKind.BUILDING, g, g.compound.community_id) for g in groups] + [
        (LeaderKind.STREET, z, z.community_id) for z in zones
    ]
    # One leader a unit; phones are fictitious (the 139 0000 block) and stable between runs.
    plan = [
        (kind, unit, community_id, f"1390000{index:04d}", person_name(rng), rng.random())
        for index, (kind, unit, community_id) in enumerate(units, start=1)
    ]
    existing = set(
        Volunteer.objects.filter(mobile__in=[p[3] for p in plan]).values_list("mobile", flat=True)
    )
    statuses = [
        PoliticalStatus.PARTY,
        PoliticalStatus.MASSES,
        PoliticalStatus.MASSES,
        PoliticalStatus.PARTY,
    ]
    Volunteer.objects.bulk_create(
        [
            Volunteer(
                community_id=community_id,
                name=name,
                mobile=mobile,
                gender=Gender.FEMALE if draw < 0.58 else Gender.MALE,
                political_status=statuses[int(draw * 100) % len(statuses)],
            )
            for kind, unit, community_id, mobile, name, draw in plan
            if mobile not in existing
        ]
    )
    people = {v.mobile: v for v in Volunteer.objects.filter(mobile__in=[p[3] for p in plan])}
    # Units that ever had a leader keep their history: one whose leader has since left stays
    # vacant (this year's work below) rather than being given the 2022 person again.
    led = set(
        Appointment.objects.filter(volunteer__community__subdistrict=subdistrict).values_list(
            "kind", "building_group_id", "street_zone_id"
        )
    )
    Appointment.objects.bulk_create(
        [
            Appointment(
                volunteer=people[mobile],
                kind=kind,
                building_group=unit if kind == LeaderKind.BUILDING else None,
                street_zone=unit if kind == LeaderKind.STREET else None,
                selected_on=SELECTED,
                start=SELECTED,
            )
            for kind, unit, community_id, mobile, name, draw in plan
            if (
                kind,
                unit.pk if kind == LeaderKind.BUILDING else None,
                unit.pk if kind == LeaderKind.STREET else None,
            )
            not in led
        ]
    )
    leaders = [people[p[3]] for p in plan]
    _trainings(subdistrict, communities, leaders, random.Random(2022_08))
    _service(communities, leaders, random.Random(2022_11))
    _this_year(subdistrict)
    _coming(communities[0])
    if stdout:
        building = Appointment.objects.current().filter(kind=LeaderKind.BUILDING).count()
        street = Appointment.objects.current().filter(kind=LeaderKind.STREET).count()
        stdout.write(f"  在任楼组长 {building} 名,街面长 {street} 名")


def _trainings(subdistrict, communities, leaders, rng):
    trainings = []
    for title, date, mode, topics in STREET_TRAININGS:
        training, _ = Training.objects.get_or_create(
            subdistrict=subdistrict,
            title=title,
            date=date,
            defaults={"mode": mode, "topics": topics, "organiser": "金海街道社区自治办"},
        )
        trainings.append((training, leaders))
    for community in communities[:4]:
        training, _ = Training.objects.get_or_create(
            subdistrict=subdistrict,
            title=f"{community.name}居委“两长”培训",
            date=datetime.date(2022, 9, 20),
            defaults={
                "community": community,
                "mode": TrainingMode.OFFLINE,
                "organiser": f"{community.name}居委会",
                "topics": "楼组自治;美丽约定宣讲",
            },
        )
        trainings.append((training, [v for v in leaders if v.community_id == community.pk]))
    done = set(
        Attendance.objects.filter(training__in=[t for t, _ in trainings]).values_list(
            "training_id", "volunteer_id"
        )
    )
    draws = [
        (training, volunteer, rng.random() < 0.86)
        for training, invited in trainings
        for volunteer in invited
    ]
    Attendance.objects.bulk_create(
        [
            Attendance(training=training, volunteer=volunteer, attended=attended)
            for training, volunteer, attended in draws
            if (training.pk, volunteer.pk) not in done
        ]
    )


def _service(communities, leaders, rng):
    by_community = {}
    for volunteer in leaders:
        by_community.setdefault(volunteer.community_id, []).append(volunteer)
    for community in communities:
        for title, kind, date, place in ACTIVITIES:
            activity, _ = Activity.objects.get_or_create(
                community=community,
                title=title,
                date=date,
                defaults={"kind": kind, "place": place},
            )
            pool = by_community.get(community.pk, [])
            # Draw for everyone every time, so that a second run makes the same choices.
            chosen = [
                (v, Decimal(str(rng.choice([2, 2.5, 3, 4])))) for v in pool if rng.random() < 0.35
            ]
            done = set(activity.participations.values_list("volunteer_id", flat=True))
            Participation.objects.bulk_create(
                [
                    Participation(activity=activity, volunteer=v, hours=hours)
                    for v, hours in chosen
                    if v.pk not in done
                ]
            )


MOVED_AWAY = "搬离本楼组"


def _this_year(subdistrict):
    """This year's work, dated back from the first load: the leader of 正学苑's first building group moved away two
    weeks ago (the group waits for a new one), and 正学's own training and a clean-up last week
    have nothing recorded yet. All on the 待办 of both demo accounts."""
    today = timezone.localdate()
    zhengxue = Community.objects.get(subdistrict=subdistrict, name="正学社区")
    group = (
        BuildingGroup.objects.filter(compound__community=zhengxue, compound__name="正学苑")
        .order_by("pk")
        .first()
    )
    left = Appointment.objects.filter(building_group=group, end_reason=MOVED_AWAY).exists()
    current = Appointment.objects.current().filter(building_group=group).first()
    if group is not None and current is not None and not left:
        end = max(today - datetime.timedelta(days=14), current.start)
        services.appointment_end(appointment=current, end=end, reason=MOVED_AWAY)
    last_week = max(today - datetime.timedelta(days=7), datetime.date(today.year, 1, 1))
    Training.objects.get_or_create(
        subdistrict=subdistrict,
        title=f"{today.year}年正学社区楼组长培训",
        defaults={
            "community": zhengxue,
            "date": last_week,
            "mode": TrainingMode.OFFLINE,
            "organiser": "正学社区居委会",
            "topics": "美丽约定积分制;和美楼组创建",
        },
    )
    Activity.objects.get_or_create(
        community=zhengxue,
        title=f"{today.year}年正学苑楼道清理",
        defaults={"kind": ActivityKind.COMPOUND, "date": last_week, "place": "正学苑"},
    )


def _coming(community):
    """A volunteer activity ahead that households may sign up for (报名), dated from the first
    load; a later run finds it and changes nothing."""
    Activity.objects.get_or_create(
        community=community,
        title="小区环境整治志愿行动",
        defaults={
            "kind": ActivityKind.COMPOUND,
            "date": timezone.localdate() + datetime.timedelta(days=10),
            "place": f"{community.name}各小区",
            "description": "清理楼道堆物、宅间绿地捡拾垃圾,欢迎居民带家人一起参加。",
            "signup_open": True,
            "capacity": 60,
        },
    )
