"""Writes that touch several rows: appointing, replacing and ending leaders; recording service.

The admin, the imports and the demo call these, so the rules live here once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from jinhai.caching import data_changed

from .models import Appointment, LeaderKind, Participation


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


@transaction.atomic
def appointment_replace(*, unit, volunteer, start, selected_on=None, reason="换人") -> Appointment:
    """End the unit's current leader (kept as history) and appoint `volunteer` from `start`."""
    fields = _unit_fields(unit)
    unit_filter = {k: v for k, v in fields.items() if k != "kind" and v is not None}
    current = Appointment.objects.select_for_update().current().filter(**unit_filter).first()
    if current is not None:
        if current.volunteer_id == volunteer.pk:
            raise ValidationError(f"{volunteer}已是该处的在任{current.get_kind_display()}。")
        appointment_end(
            appointment=current,
            end=max(start - datetime.timedelta(days=1), current.start),
            reason=reason,
        )
    return appointment_start(volunteer=volunteer, unit=unit, start=start, selected_on=selected_on)


@transaction.atomic
def participation_add_many(*, activity, volunteers, hours) -> tuple[int, int]:
    """Record `hours` of service for each volunteer at `activity`; returns (created, updated).

    Staff tick many people at once; someone already recorded gets the new hours.
    """
    existing = {
        p.volunteer_id: p
        for p in Participation.objects.select_for_update().filter(
            activity=activity, volunteer__in=volunteers
        )
    }
    new, changed = [], []
    for volunteer in volunteers:
        record = existing.get(volunteer.pk)
        if record is None:
            record = Participation(activity=activity, volunteer=volunteer, hours=hours)
            record.full_clean(exclude=["activity", "volunteer"], validate_constraints=False)
            new.append(record)
        elif record.hours != hours:
            record.hours = hours
            changed.append(record)
    if new or changed:
        # The hours check is the same for every row: one validation stands for all.
        (new or changed)[0].validate_constraints(exclude=["activity", "volunteer"])
    Participation.objects.bulk_create(new)
    Participation.objects.bulk_update(changed, ["hours"])
    data_changed()  # bulk writes send no post_save
    return len(new), len(changed)
