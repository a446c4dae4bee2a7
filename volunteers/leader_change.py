"""更换楼组长/街面长 in one step, and errors that name the leader in the way: the admin side of
`services.leader_replace` (AppointmentAdmin's `replace/` page and its form)."""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.forms import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from communities.models import BuildingGroup, StreetZone
from jinhai.scoping import Scope

from . import services
from .models import Appointment, LeaderKind, Volunteer, in_the_way_message


def in_the_way_html(other) -> SafeString:
    """The model's message naming the leader in the way, with links to that appointment and to
    the one-step replacement of the unit."""
    unit = (
        {"building_group": other.building_group_id}
        if other.kind == LeaderKind.BUILDING
        else {"street_zone": other.street_zone_id}
    )
    ((key, pk),) = unit.items()
    return format_html(
        '{} <a href="{}">查看该任职</a> · <a href="{}?{}={}">更换{}</a>',
        in_the_way_message(other),
        reverse("admin:volunteers_appointment_change", args=[other.pk]),
        reverse("admin:volunteers_appointment_replace"),
        key,
        pk,
        other.get_kind_display(),
    )


class AppointmentForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()
        other = self.instance.leader_in_the_way() if NON_FIELD_ERRORS in self._errors else None
        if other is not None:
            plain = in_the_way_message(other)
            self._errors[NON_FIELD_ERRORS] = self.error_class(
                [
                    in_the_way_html(other) if str(e) == plain else e
                    for e in self._errors[NON_FIELD_ERRORS]
                ],
                error_class="nonfield",
            )


class ReplaceLeaderForm(forms.Form):
    """更换楼组长/街面长: the new person (an existing volunteer, or a name and a mobile) and the
    date; the unit comes from the address."""

    volunteer = forms.ModelChoiceField(
        queryset=Volunteer.objects.none(),
        required=False,
        label="已有志愿者",
        help_text="输入姓名或手机号查找本社区已登记的志愿者;没有登记过的人请填写下面的姓名和手机号。",
    )
    name = forms.CharField(label="新任姓名", max_length=30, required=False)
    mobile = forms.CharField(label="新任手机号", max_length=20, required=False)
    start = forms.DateField(label="新任开始日期", widget=AdminDateWidget)
    old_end = forms.ChoiceField(
        label="原任结束于",
        choices=[("before", "新任开始的前一天"), ("same", "新任开始当天")],
        initial="before",
        widget=forms.RadioSelect,
    )
    selected_on = forms.DateField(label="推选日期", required=False, widget=AdminDateWidget)
    reason = forms.CharField(label="原任离任原因", max_length=100, initial="换人")

    def __init__(self, *args, volunteers, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["volunteer"]
        field.widget = AutocompleteSelect(Appointment._meta.get_field("volunteer"), admin_site)
        field.queryset = volunteers  # after the widget: this hands the widget its choices

    def clean(self):
        data = super().clean()
        if not data.get("volunteer") and not (data.get("name") and data.get("mobile")):
            raise forms.ValidationError("请选择一位已有志愿者,或填写新任的姓名和手机号。")
        return data


def _unit_lookup(unit) -> dict:
    if isinstance(unit, BuildingGroup):
        return {"building_group": unit}
    return {"street_zone": unit}


def _unit_from(params, scope):
    """The building group or street zone the address names, within the user's scope, or None."""
    for key, model in (("building_group", BuildingGroup), ("street_zone", StreetZone)):
        value = params.get(key, "")
        if value:
            if not value.isdigit():
                raise Http404("没有找到该楼组或街面。")
            rows = model.objects.select_related(
                "compound__community" if model is BuildingGroup else "community"
            )
            return get_object_or_404(scope.filter(rows), pk=value)
    return None


class UnitPickForm(forms.Form):
    building_group = forms.ModelChoiceField(
        queryset=BuildingGroup.objects.none(), required=False, label="楼组"
    )
    street_zone = forms.ModelChoiceField(
        queryset=StreetZone.objects.none(), required=False, label="街面"
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("building_group", "street_zone"):
            field = self.fields[name]
            field.widget = AutocompleteSelect(Appointment._meta.get_field(name), admin_site)
            field.queryset = field.queryset  # hands the new widget its choices


def replace_view(model_admin, request):
    """更换楼组长/街面长 in one step: the unit (?building_group= or ?street_zone=, picked on
    this page when missing), its current leader, the new person and the date."""
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    scope = Scope.for_user(request.user)
    unit = _unit_from(request.GET, scope)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "更换楼组长/街面长",
        "opts": model_admin.model._meta,
        "unit": unit,
    }
    if unit is None:
        context["pick"] = UnitPickForm(request.GET or None, admin_site=model_admin.admin_site)
        context["media"] = model_admin.media + context["pick"].media
        return TemplateResponse(request, "admin/volunteers/appointment/replace.html", context)
    community_id = services.unit_community_id(unit)
    volunteers = scope.filter(Volunteer.objects.filter(community_id=community_id))
    form = ReplaceLeaderForm(
        request.POST or None,
        initial={"start": timezone.localdate()},
        volunteers=volunteers,
        admin_site=model_admin.admin_site,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                new = services.leader_replace(
                    unit=unit,
                    start=data["start"],
                    volunteer=data["volunteer"],
                    name=data["name"],
                    mobile=data["mobile"],
                    selected_on=data["selected_on"],
                    reason=data["reason"],
                    old_ends_same_day=data["old_end"] == "same",
                )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            model_admin.message_user(
                request,
                f"{unit}的{new.get_kind_display()}已更换为{new.volunteer.name}"
                f"({new.start:%Y-%m-%d} 起)。",
            )
            return redirect("admin:volunteers_appointment_change", new.pk)
    context.update(
        form=form,
        current=Appointment.objects.current()
        .filter(**_unit_lookup(unit))
        .select_related("volunteer")
        .first(),
        media=model_admin.media + form.media,
    )
    return TemplateResponse(request, "admin/volunteers/appointment/replace.html", context)
