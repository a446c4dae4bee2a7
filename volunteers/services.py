"""Writes that touch several rows: appointing, replacing and ending leaders; recording service.

The admin, the imports and the demo call these, so the rules live here once.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from jinhai.caching import data_changed

from .models import Appointment, Attendance, LeaderKind, Participation, Volunteer


def _unit_fields(unit) -> dict:
    from communities.models import BuildingGroup

    if isinstance(unit, BuildingGroup):
        return {"kind": LeaderKind.BUILDING, "building_group": unit, "street_zone": None}
    return {"kind": LeaderKind.STREET, "street_zone": unit, "building_group": None}


def appointment_start(*, volunteer, unit, start, selected_on=None) -> Appointment:
    """Make `volunteer` the leader of `unit` (a building group or a street zone)."""
    appointment = Appointment(
        volunteer=volunteer, start=start, selected_on=selected_on, **_unit_fields(unit)
    )
    appointment.full_clean()
    appointment.save()
    return appointment


def appointment_end(*, appointment, end, reason="") -> Appointment:
    if appointment.end is not None:
        raise ValidationError("该任期已经结束。")
    appointment.end = end
    appointment.end_reason = reason
    appointment.full_clean()
    appointment.save(update_fields=["end", "end_reason"])
    return appointment


def unit_community_id(unit) -> int:
    return unit.compound.community_id if hasattr(unit, "compound_id") else unit.community_id


@transaction.atomic
def appointment_replace(
    *, unit, volunteer, start, selected_on=None, reason="换人", old_ends_same_day=False
) -> Appointment:
    """End the unit's current leader (kept as history) and appoint `volunteer` from `start`.

    The old term ends the day before `start`, or on `start` itself when the handover happened
    during that day (`old_ends_same_day`).
    """
    fields = _unit_fields(unit)
    unit_filter = {k: v for k, v in fields.items() if k != "kind" and v is not None}
    current = (
        Appointment.objects.select_for_update()
        .current()
        .filter(**unit_filter)
        .select_related("volunteer")
        .first()
    )
    if current is not None:
        if current.volunteer_id == volunteer.pk:
            raise ValidationError(f"{volunteer}已是该处的在任{current.get_kind_display()}。")
        end = start if old_ends_same_day else start - datetime.timedelta(days=1)
        if end < current.start:
            raise ValidationError(
                f"新任开始日期须晚于原任{current.volunteer}的任期开始日期"
                f"({current.start:%Y-%m-%d})。"
            )
        appointment_end(appointment=current, end=end, reason=reason)
    return appointment_start(volunteer=volunteer, unit=unit, start=start, selected_on=selected_on)


@transaction.atomic
def leader_replace(
    *,
    unit,
    start,
    volunteer=None,
    name="",
    mobile="",
    gender="",
    selected_on=None,
    reason="换人",
    old_ends_same_day=False,
) -> Appointment:
    """更换楼组长/街面长 in one step: the new leader is an existing volunteer of the unit's
    community, or a new one made here from a name and a mobile number; the old term ends and the
    new one starts in the same transaction, so a refusal leaves no half-made person behind."""
    community_id = unit_community_id(unit)
    if volunteer is None:
        volunteer = _new_volunteer(
            community_id=community_id, name=name, mobile=mobile, gender=gender
        )
    elif volunteer.community_id != community_id:
        raise ValidationError(f"{volunteer}不是该楼组或街面所在社区的志愿者。")
    return appointment_replace(
        unit=unit,
        volunteer=volunteer,
        start=start,
        selected_on=selected_on,
        reason=reason,
        old_ends_same_day=old_ends_same_day,
    )


def _new_volunteer(*, community_id, name, mobile, gender=""):
    name = (name or "").strip()
    if not name or not mobile:
        raise ValidationError("请选择一位已有志愿者,或填写新任的姓名和手机号。")
    volunteer = Volunteer(community_id=community_id, name=name, mobile=mobile, gender=gender)
    try:
        volunteer.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
    # Named only within the community (another community's people are not this user's to know).
    same = Volunteer.objects.filter(mobile=volunteer.mobile).first()
    if same is not None:
        if same.community_id == community_id:
            raise ValidationError(
                f"手机号 {volunteer.mobile} 已登记为本社区志愿者{same.name}:"
                "请在“已有志愿者”中选择此人。"
            )
        raise ValidationError("该手机号已登记为另一位志愿者。")
    volunteer.save()
    return volunteer


@transaction.atomic
def attendance_record(*, training, invited, attended) -> tuple[int, int]:
    """Record a training's attendance from its invited list: each invited volunteer (ids) gets
    a row, marked present if in `attended`, so that 应到 counts who was invited, not who came.
    Returns (rows created, rows changed). A handful of queries however many people."""
    invited, attended = set(invited), set(attended)
    if not attended <= invited:
        raise ValidationError("出席的人须在应到名单中。")
    existing = {
        row.volunteer_id: row
        for row in Attendance.objects.select_for_update().filter(
            training=training, volunteer__in=invited
        )
    }
    new = [
        Attendance(training=training, volunteer_id=v, attended=v in attended)
        for v in sorted(invited - existing.keys())
    ]
    changed = [row for v, row in existing.items() if row.attended != (v in attended)]
    for row in changed:
        row.attended = not row.attended
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["attended"])
    if new or changed:
        data_changed()  # bulk writes send no post_save
    return len(new), len(changed)


@transaction.atomic
def participation_record(*, activity, listed, hours) -> tuple[int, int, int]:
    """Make an activity's service records those of a tick list: `hours` maps each ticked
    volunteer id to their hours; a listed (shown) volunteer left unticked loses their record.
    Returns (created, changed, removed)."""
    hours = {v: Decimal(h) for v, h in hours.items()}
    if not hours.keys() <= set(listed):
        raise ValidationError("登记的人须在名单中。")
    if any(not 0 < h <= 24 for h in hours.values()):
        raise ValidationError("服务时长应大于 0、不超过 24 小时。")
    existing = {
        row.volunteer_id: row
        for row in Participation.objects.select_for_update().filter(
            activity=activity, volunteer__in=set(listed)
        )
    }
    new = [
        Participation(activity=activity, volunteer_id=v, hours=h)
        for v, h in sorted(hours.items())
        if v not in existing
    ]
    changed = []
    for v, row in existing.items():
        if v in hours and row.hours != hours[v]:
            row.hours = hours[v]
            changed.append(row)
    gone = [row.pk for v, row in existing.items() if v not in hours]
    Participation.objects.bulk_create(new)
    Participation.objects.bulk_update(changed, ["hours"])
    Participation.objects.filter(pk__in=gone).delete()
    if new or changed or gone:
        data_changed()
    return len(new), len(changed), len(gone)
