"""Grow the portal's database toward a city: the generator behind `bench/city_scale.py`.

Shanghai runs 6,077 residents' committees on one platform. At `size` 1.0 this makes 500
subdistricts shaped like a large one of ours (12 communities, 120 compounds, 1,000 building
groups, a leader for each, 20,000 ledger entries per community ...), so that 0.1 gives the figures
of issue 17: 50 subdistricts, 600 communities, 6,000 compounds, 50,000 building groups, 50,000
leaders with history and 500,000 service rows, 2,000 schemes with 500,000 accounts and 10,000,000
point entries, 20,000 fund projects and 6,000 organizations.

Rows go in with COPY on PostgreSQL (INSERT on SQLite, for the tests) with ids assigned here, so
that each table is one stream; the ledger's real trigger moves every balance and monthly figure
as the entries arrive, and `check_ledger()` then verifies that each balance is the sum of its
entries. Growing is additive: `grow(plan)` adds subdistricts until there are `plan.subdistricts`
generated ones, so 0.01 and then 0.1 build on each other.
"""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from jinhai.sorting import stored_sort_key

PREFIX = "城"  # generated subdistricts are named 城001街道 …


@dataclass(frozen=True)
class Plan:
    """How many generated subdistricts, and what each holds."""

    subdistricts: int
    communities: int = 12  # per subdistrict
    compounds: int = 10  # per community
    groups: int = 8  # building groups per compound (a few get one more: 1,000 per subdistrict)
    zones: int = 3  # street zones per community
    past_leaders: float = 0.2  # building groups whose leader replaced an earlier one
    activities: int = 20  # per community
    participants: int = 42  # per activity
    trainings: int = 1  # per community, plus one street-wide training for every leader
    schemes: int = 3  # per community (and a fourth in every third community)
    accounts: int = 250  # per scheme
    entries: int = 20  # per account
    projects: int = 33  # fund projects per community (and a 34th in every third)
    organizations: int = 120  # per subdistrict
    campaign_groups: int = 100  # building groups enrolled in each subdistrict's campaign

    @classmethod
    def for_size(cls, size: float) -> Plan:
        return cls(subdistricts=max(1, round(size * 500)))


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力国俊峰云飞鹏亮宇晨欣怡佳琪"
PLACES = "金银丰乐和美新安康宁泰华兴盛春秋江海湖山河林园苑庭城阳光明景瑞祥福寿"
ROOMS = [f"{f}0{r}" for f in range(1, 19) for r in range(1, 5)]
YEAR = 2026


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _place(rng, n=2) -> str:
    return "".join(rng.choice(PLACES) for _ in range(n))


class Writer:
    """Rows into tables by COPY (PostgreSQL) or executemany (SQLite), with ids given here."""

    def __init__(self):
        self.next_ids = {}
        self.counts = {}

    def ids(self, model, n: int) -> range:
        table = model._meta.db_table
        if table not in self.next_ids:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                self.next_ids[table] = cursor.fetchone()[0] + 1
        start = self.next_ids[table]
        self.next_ids[table] = start + n
        return range(start, start + n)

    def write(self, model, columns: list[str], rows) -> int:
        if hasattr(model, "fill_sort_key") and "sort_key" not in columns:
            # The stored pinyin key (jinhai.fields.PinyinSorted), as save() would set it.
            source = columns.index(model.sort_key_source)
            person = model.sort_key_person
            columns = [*columns, "sort_key"]
            rows = ((*row, stored_sort_key(row[source] or "", person=person)) for row in rows)
        # Columns the generator leaves out get the model's own default, as save() would give
        # them (a field added later, e.g. a 公开展示 flag, must not break the generator).
        defaults = [
            (f.column, f.get_db_prep_save(f.get_default(), connection))
            for f in model._meta.concrete_fields
            if f.column not in columns and not f.primary_key and (f.has_default() or not f.null)
            and f.get_internal_type() not in ("JSONField", "ForeignKey")
        ]  # fmt: skip
        if defaults:
            columns = [*columns, *(column for column, _ in defaults)]
            values = tuple(value for _, value in defaults)
            rows = ((*row, *values) for row in rows)
        table = model._meta.db_table
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        n = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                marks = ", ".join(["%s"] * len(columns))
                for chunk in _chunks(rows, 5000):
                    cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", chunk)
                    n += len(chunk)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + n
        return n

    def reset_sequences(self, models):
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(_NoStyle(), models):
                cursor.execute(sql)


class _NoStyle:
    def __getattr__(self, name):
        return lambda text: text


def _chunks(rows, size):
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def generated_subdistricts() -> int:
    from communities.models import Subdistrict

    return Subdistrict.objects.filter(name__startswith=PREFIX).count()


def grow(plan: Plan, *, seed: int = 17, progress=print) -> dict[str, int]:
    """Add generated subdistricts until there are `plan.subdistricts`; returns rows written."""
    writer = Writer()
    have = generated_subdistricts()
    for number in range(have + 1, plan.subdistricts + 1):
        _subdistrict(writer, plan, number, random.Random(seed * 100_003 + number))
        if progress and (number % 5 == 0 or number == plan.subdistricts):
            progress(f"  {number}/{plan.subdistricts} subdistricts")
    writer.reset_sequences(_all_models())
    from jinhai.caching import data_changed

    data_changed()
    return writer.counts


def _all_models():
    from django.apps import apps

    return [
        m
        for label in ("communities", "volunteers", "self_governance", "orgs")
        for m in apps.get_app_config(label).get_models()
    ]


def _subdistrict(w: Writer, plan: Plan, number: int, rng: random.Random) -> None:
    from communities.models import (
        BuildingGroup,
        CommitteeMember,
        Community,
        Compound,
        Election,
        StreetZone,
        Subdistrict,
    )

    (sid,) = w.ids(Subdistrict, 1)
    w.write(
        Subdistrict,
        ["id", "name", "district", "city", "office_address", "office_phone", "introduction"],
        [(sid, f"{PREFIX}{number:03d}街道", f"第{(number - 1) // 20 + 1}区", "上海市", "", "", "")],
    )
    community_ids = list(w.ids(Community, plan.communities))
    w.write(
        Community,
        ["id", "subdistrict_id", "name", "kind", "office_address", "office_phone",
         "office_hours", "introduction", "sort_order"],
        [(cid, sid, f"{_place(rng)}{i + 1}社区", "commodity", "", "", "", "", i)
         for i, cid in enumerate(community_ids)],
    )  # fmt: skip
    compounds = {}  # community id -> [compound ids]
    rows = []
    for cid in community_ids:
        ids = list(w.ids(Compound, plan.compounds))
        compounds[cid] = ids
        rows += [(x, cid, f"{_place(rng)}苑{j + 1}", "", None) for j, x in enumerate(ids)]
    w.write(Compound, ["id", "community_id", "name", "address", "households"], rows)
    groups = {}  # compound id -> [group ids]
    rows = []
    for k, xid in enumerate(x for ids in compounds.values() for x in ids):
        n = plan.groups + (1 if k % 5 == 0 else 0)
        ids = list(w.ids(BuildingGroup, n))
        groups[xid] = ids
        rows += [(g, xid, f"{j + 1}号楼", "", 60) for j, g in enumerate(ids)]
    w.write(BuildingGroup, ["id", "compound_id", "name", "address", "households"], rows)
    zones = {}
    rows = []
    for cid in community_ids:
        ids = list(w.ids(StreetZone, plan.zones))
        zones[cid] = ids
        rows += [(z, cid, f"{_place(rng)}路沿街商铺{j + 1}", "", 40) for j, z in enumerate(ids)]
    w.write(StreetZone, ["id", "community_id", "name", "extent", "shops"], rows)

    elections = dict(zip(community_ids, w.ids(Election, len(community_ids)), strict=True))
    w.write(
        Election,
        ["id", "community_id", "date", "seats", "eligible_voters", "ballots_cast", "notes"],
        [(e, c, datetime.date(2024, 6, 1), 7, 3000, 2400, "") for c, e in elections.items()],
    )
    members = []
    for e in elections.values():
        names = set()
        while len(names) < 7:  # one name once per election
            names.add(_name(rng))
        members += [
            (m, e, name, "", datetime.date(2024, 6, 1), None, "", j)
            for j, (m, name) in enumerate(
                zip(w.ids(CommitteeMember, 7), sorted(names), strict=True)
            )
        ]
    w.write(
        CommitteeMember,
        ["id", "election_id", "name", "gender", "term_start", "term_end", "photo", "sort_order"],
        members,
    )
    roles = CommitteeMember.roles.through
    w.write(
        roles,
        ["committeemember_id", "role_id"],
        [(m[0], "director" if m[7] == 0 else "member") for m in members],
    )

    leaders = _leaders(w, plan, rng, sid, community_ids, compounds, groups, zones)
    _service(w, plan, rng, sid, community_ids, leaders)
    _ledger(w, plan, rng, community_ids, compounds, groups, zones)
    _fund(w, plan, rng, community_ids, compounds)
    _orgs(w, plan, rng, sid, number, community_ids)
    _campaign(w, plan, rng, sid, community_ids, groups, compounds)


def _leaders(w, plan, rng, sid, community_ids, compounds, groups, zones):
    """A current leader for every unit; some groups with an earlier leader whose term ended."""
    from volunteers.models import Appointment, Volunteer

    people = []  # (volunteer id, community id)
    appointments = []
    selected = datetime.date(2022, 7, 15)
    for cid in community_ids:
        units = [("building", g, None) for x in compounds[cid] for g in groups[x]]
        units += [("street", None, z) for z in zones[cid]]
        past = [u for u in units if u[0] == "building" and rng.random() < plan.past_leaders]
        ids = iter(w.ids(Volunteer, len(units) + len(past)))
        for kind, group, zone in units:
            vid = next(ids)
            people.append((vid, cid))
            appointments.append((vid, kind, group, zone, selected, selected, None, ""))
        for kind, group, zone in past:
            vid = next(ids)
            people.append((vid, cid))
            start = datetime.date(2019, 7, 1)
            appointments.append((vid, kind, group, zone, start, start, selected, "迁出本楼组"))
    w.write(
        Volunteer,
        ["id", "community_id", "name", "gender", "mobile", "political_status", "photo", "notes"],
        # 19x numbers: no demo or test person has one.
        [(v, c, _name(rng), "", f"19{v:09d}", "", "", "") for v, c in people],
    )  # fmt: skip
    w.write(
        Appointment,
        ["id", "volunteer_id", "kind", "building_group_id", "street_zone_id", "selected_on",
         "start", "end", "end_reason"],
        [(a, *row) for a, row in zip(w.ids(Appointment, len(appointments)), appointments,
                                     strict=True)],
    )  # fmt: skip
    current = {}
    for (vid, _, _, _, _, _, end, _), (_, cid) in zip(appointments, people, strict=True):
        if end is None:
            current.setdefault(cid, []).append(vid)
    return current


def _service(w, plan, rng, sid, community_ids, leaders):
    from volunteers.models import Activity, Attendance, Participation, Training

    trainings = []
    attendance = []
    (street_wide,) = w.ids(Training, 1)
    trainings.append((street_wide, sid, None, "两长队伍能力建设培训班", datetime.date(YEAR, 3, 20)))
    everyone = [v for cid in community_ids for v in leaders[cid]]
    attendance += [(street_wide, v, rng.random() < 0.85, "") for v in everyone]
    for k, cid in enumerate(community_ids):
        for j, tid in enumerate(w.ids(Training, plan.trainings)):
            title = f"楼组长实地教学({k + 1}-{j + 1})"
            trainings.append((tid, sid, cid, title, datetime.date(YEAR, 5, 10)))
            attendance += [(tid, v, rng.random() < 0.8, "") for v in leaders[cid][:80]]
    w.write(
        Training,
        ["id", "subdistrict_id", "community_id", "title", "date", "mode", "organiser", "topics"],
        [(*t, "offline", "街道自治办", "") for t in trainings],
    )
    w.write(
        Attendance,
        ["id", "training_id", "volunteer_id", "attended", "note"],
        [(a, *row) for a, row in zip(w.ids(Attendance, len(attendance)), attendance, strict=True)],
    )
    activities, participations = [], []
    kinds = ["epidemic", "fire_drill", "deliberation", "compound", "other"]
    for cid in community_ids:
        for j, aid in enumerate(w.ids(Activity, plan.activities)):
            day = datetime.date(YEAR - 1 + j % 2, 1 + j % 12, 1 + j % 27)
            activities.append((aid, cid, f"小区志愿服务{j + 1}", kinds[j % 5], day, "", ""))
            for v in rng.sample(leaders[cid], min(plan.participants, len(leaders[cid]))):
                participations.append((aid, v, Decimal(rng.choice((1, 2, 3, 4))), ""))
    w.write(
        Activity,
        ["id", "community_id", "title", "kind", "date", "place", "description"],
        activities,
    )
    w.write(
        Participation,
        ["id", "activity_id", "volunteer_id", "hours", "note"],
        [(p, *row) for p, row in zip(w.ids(Participation, len(participations)), participations,
                                     strict=True)],
    )  # fmt: skip


def _ledger(w, plan, rng, community_ids, compounds, groups, zones):
    """Schemes with rules and rewards; household accounts; a year of entries in date order."""
    from communities.models import Household
    from self_governance.agreements.models import (
        Account,
        AgreementScheme,
        PointEntry,
        Reward,
        Rule,
    )

    schemes, rules, rewards, accounts = [], [], [], []
    scheme_rules = {}
    for k, cid in enumerate(community_ids):
        n = plan.schemes + (1 if k % 3 == 0 else 0)
        for j, scid in enumerate(w.ids(AgreementScheme, n)):
            start = datetime.date(YEAR - 1, 1, 1)
            schemes.append(
                (scid, cid, f"美丽约定积分制{j + 1}", "general", "约定全文", start, None, "active")
            )
            ids = list(w.ids(Rule, 5))
            scheme_rules[scid] = list(zip(ids, (2, 3, 5, 1, -3), strict=True))
            rules += [
                (r, scid, f"G0{i + 1}", f"细则{i + 1}", p, None, 1, True)
                for i, (r, p) in enumerate(scheme_rules[scid])
            ]
            rewards += [(x, scid, "环保购物袋", 10, 200) for x in w.ids(Reward, 1)]
            units = [g for x in compounds[cid] for g in groups[x]]
            for aid in w.ids(Account, plan.accounts):
                accounts.append((aid, scid, cid, rng.choice(units), rng.choice(ROOMS)))
    w.write(
        AgreementScheme,
        ["id", "community_id", "name", "kind", "text", "start", "end", "status"],
        schemes,
    )
    w.write(
        Rule,
        ["id", "scheme_id", "code", "description", "points", "monthly_cap", "version",
         "is_current"],
        rules,
    )  # fmt: skip
    w.write(Reward, ["id", "scheme_id", "name", "cost", "stock"], rewards)
    # A household is one account per scheme: duplicates of (group, room) get the next room; the
    # schemes of one community share their households.
    seen, homes = set(), {}
    unique = []
    for aid, scid, cid, group, room in accounts:
        while (scid, group, room) in seen:
            room = str(int(room) + 100)
        seen.add((scid, group, room))
        if (group, room) not in homes:
            homes[(group, room)] = (next(iter(w.ids(Household, 1))), cid, "household", group, room)
        unique.append((aid, scid, homes[(group, room)][0], 0))
    w.write(
        Household,
        ["id", "community_id", "kind", "building_group_id", "room", "street_zone_id",
         "shop_name"],
        [(*h, None, "") for h in homes.values()],
    )  # fmt: skip
    w.write(Account, ["id", "scheme_id", "household_id", "balance"], unique)
    recorded = timezone.now()

    def entries():
        for aid, scid, *_ in unique:
            balance = 0
            days = sorted(
                datetime.date(YEAR - 1, 1, 1) + datetime.timedelta(days=rng.randrange(700))
                for _ in range(plan.entries)
            )
            for day in days:
                rule, points = rng.choice(scheme_rules[scid])
                if balance + points < 0:
                    rule, points = scheme_rules[scid][0]
                balance += points
                kind = "award" if points > 0 else "deduction"
                yield (aid, kind, rule, points, day, None, recorded, None, None, "", "")

    columns = ["account_id", "kind", "rule_id", "points", "date", "recorded_by_id",
               "recorded_at", "reverses_id", "redemption_id", "evidence", "note"]  # fmt: skip
    rows = entries()
    n = plan.accounts * len(schemes) * plan.entries
    ids = w.ids(PointEntry, n)
    w.write(PointEntry, ["id", *columns], ((i, *row) for i, row in zip(ids, rows, strict=True)))


def _fund(w, plan, rng, community_ids, compounds):
    from self_governance.fund.models import (
        DiscussionMeeting,
        Expenditure,
        FundAllocation,
        FundProject,
        ProjectMove,
    )

    path = ["collecting", "discussing", "publicising", "approved", "implementing", "accepted",
            "closed"]  # fmt: skip
    allocations, projects, moves, meetings, payments = [], [], [], [], []
    now = timezone.now()
    for k, cid in enumerate(community_ids):
        for year in (YEAR - 1, YEAR):
            allocations += [(a, cid, year, Decimal(400_000), "") for a in w.ids(FundAllocation, 1)]
        n = plan.projects + (1 if k % 3 == 0 else 0)
        for j, pid in enumerate(w.ids(FundProject, n)):
            year = YEAR - 1 + j % 2
            final = path[j % len(path)]
            requested = Decimal(5000 + 500 * (j % 10))
            funded = path.index(final) >= path.index("approved")
            approved = requested if funded else None
            projects.append(
                (pid, cid, rng.choice(compounds[cid]), year, f"自治项目{j + 1}{_place(rng)}",
                 "environment", "", "项目内容", requested, approved, final, now)
            )  # fmt: skip
            for step in range(1, path.index(final) + 1):
                # After the year's meeting (1 March), before its payment (1 June): 立项 must
                # follow its meeting and no payment precede it.
                at = datetime.datetime(year, 3, 1 + step, 10, tzinfo=datetime.UTC)
                moves.append(
                    (pid, path[step - 1], path[step], None, at,
                     approved if path[step] == "approved" else None, "")
                )  # fmt: skip
            if path.index(final) >= 1:
                meetings.append(
                    (cid, pid, "自治金参与式讨论会", datetime.date(year, 3, 1), "", 20, "", "", "")
                )
            if final in ("implementing", "accepted", "closed"):
                payments.append(
                    (
                        pid,
                        datetime.date(year, 6, 1),
                        requested / 2,
                        "施工单位",
                        "材料",
                        "",
                        None,
                        now,
                    )
                )
    w.write(FundAllocation, ["id", "community_id", "year", "amount", "note"], allocations)
    w.write(
        FundProject,
        ["id", "community_id", "compound_id", "year", "title", "category", "proposer",
         "description", "amount_requested", "amount_approved", "status", "created_at"],
        projects,
    )  # fmt: skip
    w.write(
        ProjectMove,
        ["id", "project_id", "from_status", "to_status", "by_id", "at", "approved_amount", "note"],
        [(m, *row) for m, row in zip(w.ids(ProjectMove, len(moves)), moves, strict=True)],
    )
    w.write(
        DiscussionMeeting,
        ["id", "community_id", "project_id", "topic", "date", "place", "participants", "minutes",
         "decision", "photo"],
        [(m, *row) for m, row in zip(w.ids(DiscussionMeeting, len(meetings)), meetings,
                                     strict=True)],
    )  # fmt: skip
    w.write(
        Expenditure,
        ["id", "project_id", "date", "amount", "payee", "purpose", "receipt", "recorded_by_id",
         "recorded_at"],
        [(e, *row) for e, row in zip(w.ids(Expenditure, len(payments)), payments, strict=True)],
    )  # fmt: skip


def _orgs(w, plan, rng, sid, number, community_ids):
    from orgs.models import (
        AnnualInspection,
        InfoReport,
        PublicWelfareActivity,
        SocialOrganization,
        SocialWorkStation,
    )
    from orgs.validators import with_check_character

    organizations, inspections, served = [], [], []
    ids = list(w.ids(SocialOrganization, plan.organizations))
    for j, oid in enumerate(ids):
        kind = "service" if j % 7 else "group"
        # Division 310000: no demo organization (Fengxian, 310120) can have the same code.
        code = with_check_character(f"5{'2' if kind == 'service' else '1'}310000MJ{oid:07d}")
        organizations.append(
            (oid, sid, f"{_place(rng, 3)}社会服务中心{j + 1}", code, kind, "上海市民政局",
             datetime.date(2015 + j % 10, 1 + j % 12, 1), _name(rng), "", "", "", "active", "")
        )  # fmt: skip
        for year in (YEAR - 2, YEAR - 1):
            inspections.append((oid, year, datetime.date(year + 1, 4, 1), "passed", False))
        served.append((oid, community_ids[j % len(community_ids)]))
    w.write(
        SocialOrganization,
        ["id", "subdistrict_id", "name", "credit_code", "kind", "registration_authority",
         "registered_on", "legal_representative", "contact_mobile", "office_phone", "address",
         "status", "introduction"],
        organizations,
    )  # fmt: skip
    w.write(
        AnnualInspection,
        ["id", "organization_id", "year", "submitted_on", "result", "returned_for_correction",
         "correction_deadline", "corrected_on", "guidance"],
        [(i, *row, None, None, "") for i, row in zip(w.ids(AnnualInspection, len(inspections)),
                                                     inspections, strict=True)],
    )  # fmt: skip
    w.write(
        SocialOrganization.communities.through,
        ["socialorganization_id", "community_id"],
        served,
    )
    reports = [
        (
            r,
            sid,
            ids[j % len(ids)],
            f"信息报道{j + 1}",
            datetime.date(YEAR, 1 + j % 12, 5),
            "正文",
            True,
        )
        for j, r in enumerate(w.ids(InfoReport, 40))
    ]
    w.write(
        InfoReport,
        ["id", "subdistrict_id", "organization_id", "title", "date", "text", "published"],
        reports,
    )
    activities = [
        (a, sid, community_ids[j % len(community_ids)], f"公益活动{j + 1}",
         datetime.date(YEAR, 1 + j % 12, 9), "", 50, "")
        for j, a in enumerate(w.ids(PublicWelfareActivity, 40))
    ]  # fmt: skip
    w.write(
        PublicWelfareActivity,
        ["id", "subdistrict_id", "community_id", "title", "date", "place", "beneficiaries",
         "description"],
        activities,
    )  # fmt: skip
    w.write(
        PublicWelfareActivity.organizations.through,
        ["publicwelfareactivity_id", "socialorganization_id"],
        [(a[0], ids[(j * 3 + k) % len(ids)]) for j, a in enumerate(activities) for k in range(3)],
    )
    lat = 30.9 + (number % 40) * 0.01
    stations = [("1", None, f"{PREFIX}{number:03d}街道社工站", 0)]
    stations += [("N", None, f"专项社工站{j + 1}", j + 1) for j in range(4)]
    stations += [("X", c, f"社区社工站{j + 1}", j + 5) for j, c in enumerate(community_ids)]
    w.write(
        SocialWorkStation,
        ["id", "subdistrict_id", "level", "name", "community_id", "hosting_organization_id",
         "address", "latitude", "longitude", "services", "opening_hours", "phone", "opened_on",
         "sort_order"],
        [(s, sid, level, name, c, None, "", Decimal(f"{lat + j * 0.001:.6f}"),
          Decimal(f"{121.4 + j * 0.001:.6f}"), "", "工作日 9:00-17:00", "", None, order)
         for j, (s, (level, c, name, order)) in enumerate(
             zip(w.ids(SocialWorkStation, len(stations)), stations, strict=True))],
    )  # fmt: skip


def _campaign(w, plan, rng, sid, community_ids, groups, compounds):
    from self_governance.campaign.models import (
        Campaign,
        CampaignStandard,
        Enrollment,
        Inspection,
        InspectionScore,
        Rectification,
    )

    (campaign,) = w.ids(Campaign, 1)
    w.write(
        Campaign,
        ["id", "subdistrict_id", "community_id", "year", "name", "description"],
        [(campaign, sid, None, YEAR, "“和美楼组”创建", "")],
    )
    standards = list(w.ids(CampaignStandard, 6))
    w.write(
        CampaignStandard,
        ["id", "campaign_id", "name", "description", "max_score", "sort_order"],
        [(s, campaign, f"标准{j + 1}", "", 15, j) for j, s in enumerate(standards)],
    )
    every_group = [g for cid in community_ids for x in compounds[cid] for g in groups[x]]
    chosen = rng.sample(every_group, min(plan.campaign_groups, len(every_group)))
    enrollments = list(zip(w.ids(Enrollment, len(chosen)), chosen, strict=True))
    w.write(
        Enrollment,
        ["id", "campaign_id", "building_group_id", "enrolled_on"],
        [(e, campaign, g, datetime.date(YEAR, 3, 1)) for e, g in enrollments],
    )
    inspections, scores, fixes = [], [], []
    for e, _ in enrollments:
        for k, kind in enumerate(("self", "mutual", "street")):
            (i,) = w.ids(Inspection, 1)
            day = datetime.date(YEAR, 4 + k, 10)
            inspections.append((i, e, kind, day, "检查组", ""))
            scores += [(i, s, Decimal(rng.randrange(8, 16))) for s in standards]
            if kind == "street" and rng.random() < 0.5:
                late = rng.random() < 0.3
                fixes.append(
                    (i, "楼道堆物", day + datetime.timedelta(days=30),
                     "pending" if late else "done", None if late else day + datetime.timedelta(20))
                )  # fmt: skip
    w.write(
        Inspection, ["id", "enrollment_id", "kind", "date", "inspector", "findings"], inspections
    )
    w.write(
        InspectionScore,
        ["id", "inspection_id", "standard_id", "score"],
        [(s, *row) for s, row in zip(w.ids(InspectionScore, len(scores)), scores, strict=True)],
    )
    w.write(
        Rectification,
        ["id", "inspection_id", "finding", "deadline", "status", "done_on", "before_photo",
         "after_photo", "note"],
        [(r, *row, "", "", "") for r, row in zip(w.ids(Rectification, len(fixes)), fixes,
                                                 strict=True)],
    )  # fmt: skip


def check_ledger() -> dict[str, int]:
    """Accounts whose balance is not the sum of their entries, and monthly rows that disagree
    with the entries of their month: both must be 0."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(*) FROM self_governance_account a
            LEFT JOIN (SELECT account_id, SUM(points) AS total FROM self_governance_pointentry
                       GROUP BY account_id) s ON s.account_id = a.id
            WHERE a.balance <> COALESCE(s.total, 0)
            """
        )
        balances = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(SUM(points), 0) FROM self_governance_pointentry "
                       "WHERE kind <> 'redemption'")  # fmt: skip
        entries = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(SUM(points), 0) FROM self_governance_monthlypoints")
        months = cursor.fetchone()[0]
    return {"accounts_off": balances, "monthly_off": abs(entries - months)}
