"""Tick-list screens: a training's attendance and an activity's service hours, for many people in
one page and one POST.

A form posts one field per ticked person (and, for hours, one per person shown), never a
formset of several fields per row: 500 invited leaders fit in one request under
DATA_UPLOAD_MAX_NUMBER_FIELDS. Who was shown travels as one comma-separated field, so that a
leader appointed while the page was open is not marked absent without having been seen.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from jinhai.scoping import Scope

from . import selectors, services
from .models import Attendance

STALE = "名单已有变化(有人新任或离任),请重新打开本页再登记。"


def _ids(values) -> set[int]:
    try:
        return {int(v) for v in values if str(v).strip()}
    except (TypeError, ValueError):
        raise ValidationError("提交的名单有误,请重新打开本页。") from None


def _listed(request, roster_ids) -> set[int]:
    listed = _ids(request.POST.get("listed", "").split(","))
    if not listed <= roster_ids:
        raise ValidationError(STALE)
    return listed


def _hours(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace("小时", ""))
    except InvalidOperation:
        raise ValidationError(f"“{text}”不是时长,请填写小时数,如 2.5。") from None
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError(f"时长最多一位小数:{text}。")
    return value


def _keep_posted(request, groups) -> None:
    """After a refused POST, show what the user ticked and typed, not what is saved."""
    ticked = set(request.POST.getlist("ticked"))
    for tick in (t for g in groups for t in g.people):
        tick.ticked = str(tick.volunteer_id) in ticked
        tick.hours = request.POST.get(f"hours_{tick.volunteer_id}", tick.hours)


def _render(model_admin, request, *, obj, title, groups, with_hours, back):
    people = [tick for group in groups for tick in group.people]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "original": obj,
        "groups": groups,
        "listed": ",".join(str(t.volunteer_id) for t in people),
        "n_people": len(people),
        "n_ticked": sum(t.ticked for t in people),
        "with_hours": with_hours,
        "back": back,
    }
    return TemplateResponse(request, "admin/volunteers/ticks.html", context)


def _save(model_admin, request, obj, groups, write):
    """A tick list's POST: who was listed and who ticked, checked against the roster, handed to
    `write(listed, ticked)`, which returns the message to show. A refusal changes nothing and
    shows the page again as the user left it; a save is logged on the training or activity."""
    roster = {t.volunteer_id for g in groups for t in g.people}
    try:
        listed = _listed(request, roster)
        ticked = _ids(request.POST.getlist("ticked"))
        if not ticked <= listed:
            raise ValidationError(STALE)
        message = write(listed, ticked)
    except ValidationError as exc:
        model_admin.message_user(request, ";".join(exc.messages), messages.ERROR)
        _keep_posted(request, groups)
        return None
    model_admin.log_change(request, obj, message)
    model_admin.message_user(request, message)
    opts = obj._meta
    return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)


def attendance_view(model_admin, request, pk):
    """签到: the training's invited leaders (应到) as ticks; a tick is 出席."""
    training = model_admin.get_object(request, str(pk))
    attendance_admin = model_admin.admin_site._registry[Attendance]
    if not (
        model_admin.has_view_permission(request, training)
        and attendance_admin.has_add_permission(request)
        and attendance_admin.has_change_permission(request)
    ):
        raise PermissionDenied
    groups = selectors.training_roster(training, Scope.for_user(request.user))

    def write(invited, present):
        created, changed = services.attendance_record(
            training=training, invited=invited, attended=present
        )
        return (
            f"已登记签到:应到 {len(invited)} 人,出席 {len(present)} 人"
            f"(新增 {created} 条,修改 {changed} 条)。"
        )

    if request.method == "POST" and (saved := _save(model_admin, request, training, groups, write)):
        return saved
    return _render(
        model_admin,
        request,
        obj=training,
        title=f"登记签到:{training}",
        groups=groups,
        with_hours=False,
        back="admin:volunteers_training_change",
    )


def hours_view(model_admin, request, pk):
    """服务时长: the activity's community's volunteers as ticks, each with their hours."""
    activity = model_admin.get_object(request, str(pk))
    if not model_admin.has_change_permission(request, activity):
        raise PermissionDenied
    groups = selectors.activity_roster(activity, Scope.for_user(request.user))

    def write(listed, served):
        fill = request.POST.get("fill", "").strip()
        hours = {}
        for volunteer_id in served:
            text = request.POST.get(f"hours_{volunteer_id}", "").strip() or fill
            if not text:
                raise ValidationError("勾选的人须填写时长,或在“每人时长”中填一个统一的时长。")
            hours[volunteer_id] = _hours(text)
        created, changed, removed = services.participation_record(
            activity=activity, listed=listed, hours=hours
        )
        return (
            f"已登记服务:{len(served)} 人(新增 {created} 条,修改 {changed} 条,取消 {removed} 条)。"
        )

    if request.method == "POST" and (saved := _save(model_admin, request, activity, groups, write)):
        return saved
    return _render(
        model_admin,
        request,
        obj=activity,
        title=f"登记服务时长:{activity}",
        groups=groups,
        with_hours=True,
        back="admin:volunteers_activity_change",
    )
