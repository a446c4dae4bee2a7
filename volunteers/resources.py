"""Spreadsheet resources of the leaders app: 两长名册 (`leaders`) and 培训签到 (`attendance`)."""

import datetime

from django.utils import timezone
from import_export import fields, widgets

from communities.models import BuildingGroup, Community, Compound, Gender, StreetZone
from communities.resources import (
    COMMUNITY,
    compound_names,
    resolve_communities,
    street_zone_names,
)
from jinhai.imports import cells
from jinhai.imports.base import Column, SheetResource
from jinhai.imports.instances import field_errors
from jinhai.masking import mask_phone

from .models import Appointment, Attendance, LeaderKind, PoliticalStatus, Training, Volunteer


def no_volunteer_message(phone):
    """A mobile nobody has and one held outside the user's scope get these same words."""
    return f"手机号 {mask_phone(phone)} 在本社区没有登记的志愿者"


def taken_message(phone):
    return (
        f"手机号 {mask_phone(phone)} 在本社区没有登记的志愿者,且已被使用,不能再登记为新志愿者;"
        "请核对手机号"
    )


class LeadersResource(SheetResource):
    """两长名册: people and their current appointments as building-group or street leaders."""

    key = "leaders"
    title = "两长名册"
    purpose = "新增楼组长、街面长,或更新文件中这些人的信息;文件中没有的在任者不受影响。"
    columns = [
        COMMUNITY,
        Column("类型", required=True, parse=cells.choice(LeaderKind.choices, "类型")),
        Column("姓名", required=True, parse=cells.person_name, field="name", example="张三"),
        Column(
            "手机号", required=True, parse=cells.phone, aliases=("手机", "手机号码", "联系电话")
        ),
        Column("小区", options=compound_names, hint="楼组长填写"),
        Column("楼组", example="1号楼", hint="楼组长填写:该小区中已有的楼组"),
        Column(
            "街面",
            aliases=("街面名称", "商圈"),
            options=street_zone_names,
            example="",
            hint="街面长填写(不填小区、楼组)",
        ),
        Column("性别", parse=cells.choice(Gender.choices, "性别")),
        Column("推选日期", parse=cells.date, field="selected_on"),
        Column("政治面貌", parse=cells.choice(PoliticalStatus.choices, "政治面貌")),
        Column("备注"),
    ]
    duplicate_column = "手机号"

    # Export: the roster of current leaders, full phone numbers (staff only).
    community = fields.Field(
        attribute="volunteer__community__name", column_name="社区", readonly=True
    )
    kind = fields.Field(attribute="get_kind_display", column_name="类型", readonly=True)
    name = fields.Field(attribute="volunteer__name", column_name="姓名", readonly=True)
    mobile = fields.Field(attribute="volunteer__mobile", column_name="手机号", readonly=True)
    compound = fields.Field(
        attribute="building_group__compound__name", column_name="小区", readonly=True
    )
    group = fields.Field(attribute="building_group__name", column_name="楼组", readonly=True)
    zone = fields.Field(attribute="street_zone__name", column_name="街面", readonly=True)
    gender = fields.Field(
        attribute="volunteer__get_gender_display", column_name="性别", readonly=True
    )
    selected_on = fields.Field(
        attribute="selected_on", column_name="推选日期", widget=widgets.DateWidget("%Y-%m-%d")
    )
    political = fields.Field(
        attribute="volunteer__get_political_status_display", column_name="政治面貌", readonly=True
    )

    class Meta:
        model = Appointment
        fields = (
            "community", "kind", "name", "mobile", "compound", "group", "zone", "gender",
            "selected_on", "political",
        )  # fmt: skip
        export_order = fields

    def resolve(self, records):
        found = resolve_communities(records, self.scoped(Community))
        community_ids = {c.pk for c in found.values()}
        compounds = {
            (c.community_id, cells.name_key(c.name)): c
            for c in self.scoped(Compound).filter(community_id__in=community_ids)
        }
        groups = {
            (g.compound_id, cells.name_key(g.name)): g
            for g in self.scoped(BuildingGroup).filter(compound__community_id__in=community_ids)
        }
        zones = {
            (z.community_id, cells.name_key(z.name)): z
            for z in self.scoped(StreetZone).filter(community_id__in=community_ids)
        }
        phones = {r.values["手机号"] for r in records if r.values.get("手机号")}
        people = {v.mobile: v for v in self.scoped(Volunteer).filter(mobile__in=phones)}
        # A mobile is one person across the portal: one held outside the scope cannot be
        # registered here again, and the row says so without saying whose it is.
        self.mobiles_taken = self.taken(Volunteer, "mobile", phones)
        current = {}
        for appointment in (
            self.scoped(Appointment.objects.current())
            .filter(volunteer__community_id__in=community_ids)
            .select_related("volunteer")
        ):
            unit = (
                ("building", appointment.building_group_id)
                if appointment.building_group_id
                else ("street", appointment.street_zone_id)
            )
            current[unit] = appointment
        self._leaving = {}  # 换届: current appointment pk -> (appointment, end)
        today = timezone.localdate()
        units_seen, people_made = {}, {}
        for record in records:
            community = found.get(record.number)
            unit = self._unit(record, community, compounds, groups, zones)
            if community is None or record.errors or unit is None:
                continue
            kind, unit_obj = unit
            unit_key = (kind, unit_obj.pk)
            if unit_key in units_seen:
                where = "楼组" if kind == LeaderKind.BUILDING else "街面"
                record.fail(
                    where,
                    f"与第 {units_seen[unit_key]} 行是同一个{where}:一处只能有一名在任负责人",
                )
                continue
            units_seen[unit_key] = record.number
            volunteer = self._volunteer(record, community, people, people_made)
            if volunteer is None:
                continue
            # One person may lead several building groups; the same person at the same place
            # twice is the duplicate (the place itself is checked above).
            record.key = (volunteer.mobile, unit_key)
            holder = current.get(unit_key)
            if holder is not None and holder.volunteer_id != volunteer.pk and self.renewal:
                if not self._leave(record, holder, record.values.get("推选日期")):
                    continue
                holder = None
            if holder is not None and holder.volunteer_id != volunteer.pk:
                label = "楼组长" if kind == LeaderKind.BUILDING else "街面长"
                record.fail(
                    "姓名",
                    f"该处已有在任{label}“{holder.volunteer.name}”({holder.start:%Y-%m-%d} 起);"
                    "如需更换,请用“更换楼组长/街面长”,整体换届请导入“两长换届名册”",
                )
                continue
            if holder is not None:
                record.instance = holder
                if volunteer.pk and getattr(volunteer, "_import_changed", False):
                    record.changed = True
                continue
            selected_on = record.values.get("推选日期")
            record.instance = Appointment(
                volunteer=volunteer,
                kind=kind,
                building_group=unit_obj if kind == LeaderKind.BUILDING else None,
                street_zone=unit_obj if kind == LeaderKind.STREET else None,
                selected_on=selected_on,
                start=selected_on or today,
            )
            record.instance.units_checked = True  # against `current` above, for the whole file
            record.is_new = True
        if self.renewal:
            self._leave_the_rest(records, found, current, units_seen)

    # 换届 (LeadersRenewalResource): the file is the communities' new roster.
    renewal = False

    def _leave(self, record, holder, end) -> bool:
        """The holder's term ends on the new 推选日期; False (and the row failed) if it cannot."""
        if end is None:
            record.fail("推选日期", "换届名册每行须填写推选日期:原任期在这一天结束")
            return False
        if end < holder.start:
            record.fail(
                "推选日期",
                f"早于原任“{holder.volunteer.name}”的任期开始日期({holder.start:%Y-%m-%d})",
            )
            return False
        self._leaving[holder.pk] = (holder, end)
        return True

    def _leave_the_rest(self, records, found, current, units_seen):
        """Leaders of the file's communities whose unit the file does not name leave too, on
        their community's 推选日期 (the latest in the file)."""
        dates = {}
        for record in records:
            community, date = found.get(record.number), record.values.get("推选日期")
            if community is not None and date is not None:
                dates[community.pk] = max(date, dates.get(community.pk, date))
        for unit_key, holder in current.items():
            end = dates.get(holder.volunteer.community_id)
            if unit_key in units_seen or holder.pk in self._leaving or end is None:
                continue
            self._leaving[holder.pk] = (holder, max(end, holder.start))

    def renewal_notes(self) -> list[str]:
        """Who leaves and who comes, for the preview (names and units, staff only)."""
        leaving = [f"{a.volunteer.name}({a.unit})" for a, _ in self._leaving.values()]
        if not self.renewal:
            return []
        return [
            f"换届:{len(leaving)} 人离任,原任期在推选日期结束:" + ("、".join(leaving) or "无"),
        ]

    def _unit(self, record, community, compounds, groups, zones):
        kind = record.values.get("类型")
        compound_name = record.values.get("小区", "")
        group_name = record.values.get("楼组", "")
        zone_name = record.values.get("街面", "")
        if kind == LeaderKind.BUILDING:
            if zone_name:
                record.fail("街面", "楼组长不填“街面”")
            if not compound_name:
                record.fail("小区", "楼组长须填写小区")
            if not group_name:
                record.fail("楼组", "楼组长须填写楼组")
            if record.errors or community is None:
                return None
            compound = compounds.get((community.pk, cells.name_key(compound_name)))
            if compound is None:
                record.fail("小区", f"{community.name}没有小区“{compound_name}”")
                return None
            group = groups.get((compound.pk, cells.name_key(group_name)))
            if group is None:
                record.fail("楼组", f"小区“{compound_name}”中没有楼组“{group_name}”")
                return None
            return kind, group
        if kind == LeaderKind.STREET:
            if compound_name or group_name:
                record.fail("楼组", "街面长不填“小区”“楼组”,请填写“街面”")
            if not zone_name:
                record.fail("街面", "街面长须填写街面")
            if record.errors or community is None:
                return None
            zone = zones.get((community.pk, cells.name_key(zone_name)))
            if zone is None:
                record.fail("街面", f"{community.name}没有街面“{zone_name}”")
                return None
            return kind, zone
        return None

    def _volunteer(self, record, community, people, people_made):
        phone = record.values["手机号"]
        name = record.values["姓名"]
        volunteer = people.get(phone) or people_made.get(phone)
        if phone in self.mobiles_taken:
            record.fail("手机号", taken_message(phone))
            return None
        if volunteer is not None and volunteer.community_id != community.pk:
            # Street staff: a volunteer of another of their own communities.
            record.fail(
                "手机号", f"手机号 {mask_phone(phone)} 登记的志愿者所在社区与本行的“社区”不同"
            )
            return None
        if volunteer is not None and cells.name_key(volunteer.name) != cells.name_key(name):
            record.fail("姓名", f"手机号 {mask_phone(phone)} 已登记为“{volunteer.name}”,与姓名不符")
            return None
        details = {
            "gender": record.values.get("性别", ""),
            "political_status": record.values.get("政治面貌", ""),
            "notes": record.values.get("备注", ""),
        }
        if volunteer is None:
            volunteer = Volunteer(community=community, name=name, mobile=phone, **details)
            for reason in field_errors(volunteer, exclude=["community"]):
                record.fail("姓名", reason)
            people_made[phone] = volunteer
            return None if record.errors else volunteer
        for field, value in details.items():
            if value and getattr(volunteer, field) != value:
                setattr(volunteer, field, value)
                volunteer._import_changed = True
        return volunteer

    def import_data_inner(self, dataset, dry_run, *args, **kwargs):
        result = super().import_data_inner(dataset, dry_run, *args, **kwargs)
        if not result.has_errors() and not result.has_validation_errors():
            result.notes.extend(self.renewal_notes())
            if self.renewal:
                result.notes.append(f"换届:{result.created} 人新任(见下表“新建”的行)。")
        return result

    def save_records(self, records):
        leaving = list(getattr(self, "_leaving", {}).values())
        for appointment, end in leaving:
            appointment.end, appointment.end_reason = end, "换届"
        # Ended first: the new leaders of the same units come in right after, in one transaction.
        Appointment.objects.bulk_update([a for a, _ in leaving], ["end", "end_reason"])
        volunteers = {}
        for record in records:
            volunteer = record.instance.volunteer
            volunteers[id(volunteer)] = volunteer
        Volunteer.objects.bulk_create(
            [v for v in volunteers.values() if v.pk is None], batch_size=self.batch_size
        )
        Volunteer.objects.bulk_update(
            [v for v in volunteers.values() if getattr(v, "_import_changed", False)],
            ["gender", "political_status", "notes"],
        )
        super().save_records([r for r in records if r.is_new])


# 请假 is an absence with a reason: stored as not attended, with 请假 as the note.
LEAVE = object()


def attendance_mark(value):
    if cells.name_key(value) in ("请假", "事假", "病假"):
        return LEAVE
    return cells.yes_no(value)


attendance_mark.labels = {LEAVE: "请假(缺席)"}
attendance_mark.choices = ("是", "否", "请假")


class LeadersRenewalResource(LeadersResource):
    """两长换届名册: a new roster replaces the old one for the communities in the file. Leaders
    the file names again stay; the others' terms end on the new 推选日期 (required), and the new
    leaders start on it. The preview lists who leaves; nothing is written before the confirm."""

    key = "leaders_renewal"
    title = "两长换届名册(替换原名册)"
    purpose = (
        "换届时使用:文件就是这些社区的新名册。文件中没有的在任楼组长、街面长,任期在推选日期结束;"
        "新人从推选日期起任职。预览会列出离任和新任的人,确认后才写入。"
    )
    renewal = True
    columns = [
        Column("推选日期", required=True, parse=cells.date, field="selected_on")
        if c.header == "推选日期"
        else c
        for c in LeadersResource.columns
    ]


class AttendanceResource(SheetResource):
    """培训签到: who came to which training."""

    key = "attendance"
    title = "培训签到"
    columns = [
        Column(
            "培训名称",
            required=True,
            aliases=("培训",),
            example="楼组长培训",
            hint="系统中已建立的培训,名称和日期都要一致",
        ),
        Column("日期", required=True, parse=cells.date),
        Column("姓名", required=True, parse=cells.person_name, example="张三"),
        Column(
            "手机号",
            required=True,
            parse=cells.phone,
            aliases=("手机", "手机号码"),
            hint="已登记的志愿者的手机号",
        ),
        Column("是否出席", parse=attendance_mark, aliases=("出席",), hint="不填为出席"),
        Column("备注", field="note"),
    ]
    update_fields = ["attended", "note"]
    duplicate_column = "手机号"
    scope_column = "手机号"

    training = fields.Field(attribute="training__title", column_name="培训名称", readonly=True)
    date = fields.Field(attribute="training__date", column_name="日期", readonly=True)
    name = fields.Field(attribute="volunteer__name", column_name="姓名", readonly=True)
    mobile = fields.Field(attribute="volunteer__mobile", column_name="手机号", readonly=True)
    attended = fields.Field(
        attribute="attended", column_name="是否出席", widget=widgets.BooleanWidget()
    )
    note = fields.Field(attribute="note", column_name="备注")

    class Meta:
        model = Attendance
        fields = ("training", "date", "name", "mobile", "attended", "note")
        export_order = fields

    def resolve(self, records):
        dates = {
            r.values["日期"] for r in records if isinstance(r.values.get("日期"), datetime.date)
        }
        trainings = {}
        for training in self.scoped(Training).filter(date__in=dates):
            trainings.setdefault((cells.name_key(training.title), training.date), training)
        phones = {r.values["手机号"] for r in records if r.values.get("手机号")}
        people = {v.mobile: v for v in self.scoped(Volunteer).filter(mobile__in=phones)}
        existing = {
            (a.training_id, a.volunteer_id): a
            for a in self.scoped(Attendance).filter(
                training__in=trainings.values(), volunteer__in=people.values()
            )
        }
        for record in records:
            values = record.values
            if record.errors:
                continue
            training = trainings.get((cells.name_key(values["培训名称"]), values["日期"]))
            if training is None:
                record.fail(
                    "培训名称",
                    f"{values['日期']:%Y-%m-%d} 没有名为“{values['培训名称']}”的培训,"
                    "请先在系统中建立该培训",
                )
            volunteer = people.get(values["手机号"])
            if volunteer is None:
                record.fail("手机号", no_volunteer_message(values["手机号"]))
            elif cells.name_key(volunteer.name) != cells.name_key(values["姓名"]):
                record.fail(
                    "姓名",
                    f"手机号 {mask_phone(values['手机号'])} 登记的是“{volunteer.name}”,与姓名不符",
                )
            if record.errors:
                continue
            record.key = (training.pk, volunteer.pk)
            attended = values.get("是否出席")
            attended = True if attended is None else attended
            note = values.get("备注", "")
            if attended is LEAVE:
                attended, note = False, note or "请假"
            attendance = existing.get(record.key)
            if attendance is None:
                record.instance = Attendance(
                    training=training, volunteer=volunteer, attended=attended, note=note
                )
                record.is_new = True
            else:
                record.changed = (attendance.attended, attendance.note) != (attended, note)
                attendance.attended, attendance.note = attended, note
                record.instance = attendance
