"""The admin of households' sign-ups (报名), one base for every app's sign-up model: staff see who
is coming and how many, and after the event record who came. Households make and cancel sign-ups
on 我的; staff do not add them."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from jinhai.admin import ScopedAdmin, related_only

from . import signups

# What `place` reads, joined into the list's query.
HOUSEHOLD_JOINS = ("household__building_group__compound", "household__street_zone", "household")


class SignupAdmin(ScopedAdmin):
    list_display = ["created_at", "event_display", "household", "people", "state", "attended"]
    list_filter = ["attended", ("cancelled_at", admin.EmptyFieldListFilter)]
    search_fields = ["household__room", "household__shop_name"]
    actions = ["mark_attended", "mark_absent"]
    readonly_fields = ["household", "people", "created_at", "cancelled_at"]

    def get_list_filter(self, request):
        event = self.model.event_field
        return [(event, related_only), *self.list_filter]

    def get_list_select_related(self, request):
        return [f"{self.model.event_field}__community", *HOUSEHOLD_JOINS]

    def get_fields(self, request, obj=None):
        return [self.model.event_field, *self.readonly_fields, "attended"]

    def get_readonly_fields(self, request, obj=None):
        return [self.model.event_field, *self.readonly_fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="会议或活动")
    def event_display(self, obj):
        return str(obj.event)

    @admin.display(description="状态")
    def state(self, obj):
        return "已取消" if obj.cancelled_at else "已报名"

    def _record(self, request, queryset, attended):
        try:
            done = signups.attendance_record(queryset=queryset, attended=attended)
        except ValidationError as exc:
            self.message_user(request, ";".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, f"已登记 {done} 户{'到场' if attended else '未到场'}。")

    @admin.action(description="登记所选住户到场", permissions=["change"])
    def mark_attended(self, request, queryset):
        self._record(request, queryset, True)

    @admin.action(description="登记所选住户未到场", permissions=["change"])
    def mark_absent(self, request, queryset):
        self._record(request, queryset, False)


class TakesSignupsAdminMixin:
    """An event's admin: the list's 报名 column (people signed up, linking to their list), counted
    in the list's own query."""

    signup_model = None

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(n_signed_up=signups.signed_up(self.signup_model))
        )

    @admin.display(description="报名人数", ordering="n_signed_up")
    def signups_display(self, obj):
        if not obj.signup_open and not obj.n_signed_up:
            return "—"
        opts = self.signup_model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return format_html(
            '<a href="{}?{}__id__exact={}">{}</a>',
            url,
            self.signup_model.event_field,
            obj.pk,
            f"{obj.n_signed_up}" + (f" / {obj.capacity}" if obj.capacity else ""),
        )
