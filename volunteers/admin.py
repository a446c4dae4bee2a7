from decimal import Decimal
from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from communities.models import Community, Compound
from communities.signup_admin import SignupAdmin, TakesSignupsAdminMixin
from jinhai.admin import (
    ScopedAdmin,
    ScopedExportAdmin,
    ScopedInline,
    related_only,
)
from jinhai.figures import dashboard_scope
from jinhai.imports.admin import ScopedImportExportAdmin

from . import bulk, leader_change, selectors, services
from .models import (
    Activity,
    ActivitySignup,
    Appointment,
    Attendance,
    Participation,
    Training,
    Volunteer,
)
from .resources import AttendanceResource, LeadersRenewalResource, LeadersResource


class CurrentFilter(admin.SimpleListFilter):
    title = "任职状态"
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", "在任"), ("no", "已离任")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(end__isnull=True)
        if self.value() == "no":
            return queryset.filter(end__isnull=False)
        return queryset


class AppointmentInline(ScopedInline, admin.TabularInline):
    model = Appointment
    fields = ["kind", "building_group", "street_zone", "selected_on", "start", "end", "end_reason"]
    autocomplete_fields = ["building_group", "street_zone"]
    extra = 0
    can_delete = False


@admin.register(Volunteer)
class VolunteerAdmin(ScopedAdmin):
    list_display = [
        "name",
        "community",
        "mobile",
        "political_status",
        "current_units",
        "attendance_rate",
        "service_hours",
    ]
    list_filter = [("community", related_only), "political_status", "gender"]
    list_select_related = ["community"]
    search_fields = ["name", "mobile"]
    autocomplete_fields = ["community"]
    inlines = [AppointmentInline]
    change_list_template = "admin/volunteers/volunteer/change_list.html"

    def get_queryset(self, request):
        current = Appointment.objects.current().select_related(
            "building_group__compound", "street_zone"
        )
        people = (
            super()
            .get_queryset(request)
            .select_related("community")
            .prefetch_related(Prefetch("appointments", queryset=current, to_attr="current"))
        )
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            return people  # a picker shows names and units, not the figures
        return selectors.hours_by_volunteer(selectors.attendance_by_volunteer(people))

    def autocomplete_label(self, obj):
        """张三(正学社区 · 楼组长 正学苑 5号楼): which 张三 this is."""
        units = "、".join(f"{a.get_kind_display()} {a.unit}" for a in obj.current)
        return f"{obj.name}({obj.community.name}{' · ' + units if units else ''})"

    @admin.display(description="培训出席", ordering="n_attended")
    def attendance_rate(self, obj):
        if not obj.n_invited:
            return "—"
        return f"{obj.n_attended}/{obj.n_invited}({obj.n_attended / obj.n_invited:.0%})"

    @admin.display(description="服务时长", ordering="hours")
    def service_hours(self, obj):
        # Databases give 3, 3.0 or Decimal("3.0"): show "3 小时" and "2.5 小时" either way.
        return f"{Decimal(str(obj.hours)).normalize():f} 小时" if obj.hours else "—"

    @admin.display(description="现任")
    def current_units(self, obj):
        return "、".join(f"{a.get_kind_display()}({a.unit})" for a in obj.current) or "—"

    def get_urls(self):
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="volunteers_dashboard",
            )
        ] + super().get_urls()

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        # A superuser's over a whole city: one subdistrict at a time, as on the 数据看板.
        picked = dashboard_scope(request.user, request.GET)
        scope = picked.scope
        communities = scope.filter(Community.objects.all())
        rows = list(
            selectors.attendance_by_community(
                selectors.hours_by_community(selectors.coverage_by_community(communities))
            )
        )
        compounds = list(selectors.coverage_by_compound(scope.filter(Compound.objects.all())))
        groups, zones = selectors.units_without_leader(communities)
        participations = scope.filter(Participation.objects.all())
        context = {
            **self.admin_site.each_context(request),
            "title": "两长工作台",
            "opts": self.model._meta,
            "picker": picked.picker,
            "subdistrict_pk": picked.subdistrict_pk,
            "communities": rows,
            "compounds": compounds,
            "totals": selectors.leader_totals(scope.filter(Appointment.objects.all())),
            "unled_groups": list(groups[:200]),
            "unled_group_count": groups.count(),
            "unled_zones": list(zones),
            "months": selectors.hours_by_month(participations),
            "total_hours": selectors.total_hours(participations),
        }
        return TemplateResponse(request, "admin/volunteers/dashboard.html", context)


@admin.register(Appointment)
class AppointmentAdmin(ScopedImportExportAdmin):
    # The import page offers both: the roster (add and update) and its 换届 (replace).
    resource_classes = [LeadersResource, LeadersRenewalResource]
    form = leader_change.AppointmentForm
    change_list_template = "admin/volunteers/appointment/change_list.html"
    list_display = [
        "volunteer",
        "kind",
        "unit_display",
        "community_name",
        "selected_on",
        "start",
        "end",
        "replace_link",
    ]
    list_filter = [CurrentFilter, "kind", ("volunteer__community", related_only)]
    list_select_related = [
        "volunteer__community",
        "building_group__compound",
        "street_zone",
    ]
    search_fields = [
        "volunteer__name",
        "volunteer__mobile",
        "building_group__name",
        "building_group__compound__name",
        "street_zone__name",
    ]
    autocomplete_fields = ["volunteer", "building_group", "street_zone"]
    date_hierarchy = "start"
    actions = ["end_today"]
    fields = [
        "volunteer",
        "kind",
        "building_group",
        "street_zone",
        "selected_on",
        ("start", "end"),
        "end_reason",
    ]

    def has_delete_permission(self, request, obj=None):
        # A leader's history is kept: a term is ended with an end date, never deleted.
        return False

    def get_urls(self):
        return [
            path(
                "replace/",
                self.admin_site.admin_view(self.replace_view),
                name="volunteers_appointment_replace",
            )
        ] + super().get_urls()

    def replace_view(self, request):
        return leader_change.replace_view(self, request)

    @admin.display(description="楼组/街面")
    def unit_display(self, obj):
        return obj.unit

    @admin.display(description="更换")
    def replace_link(self, obj):
        if not obj.is_current:
            return "—"
        key = "building_group" if obj.building_group_id else "street_zone"
        url = reverse("admin:volunteers_appointment_replace")
        return format_html(
            '<a href="{}?{}={}">更换{}</a>', url, key, obj.unit.pk, obj.get_kind_display()
        )

    @admin.display(description="社区", ordering="volunteer__community__name")
    def community_name(self, obj):
        return obj.volunteer.community.name

    @admin.action(description="结束所选任期(今天离任)", permissions=["change"])
    def end_today(self, request, queryset):
        today = timezone.localdate()
        ended = 0
        for appointment in queryset.current():
            try:
                services.appointment_end(
                    appointment=appointment, end=today, reason="工作人员结束任期"
                )
                ended += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{appointment}:{'；'.join(exc.messages)}", messages.ERROR
                )
        self.message_user(request, f"已结束 {ended} 个任期。")


@admin.register(Training)
class TrainingAdmin(ScopedAdmin):
    list_display = ["title", "date", "mode", "organised_by", "attended", "invited", "ticks_link"]
    list_filter = ["mode", ("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["title", "organiser", "topics"]
    autocomplete_fields = ["community"]
    date_hierarchy = "date"
    readonly_fields = ["attendance_summary"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_attendance()

    def get_urls(self):
        return [
            path(
                "<int:pk>/attendance/",
                self.admin_site.admin_view(partial(bulk.attendance_view, self)),
                name="volunteers_training_attendance",
            )
        ] + super().get_urls()

    @admin.display(description="签到")
    def attendance_summary(self, obj):
        # A street-wide training invites hundreds: the rows live on their own screen, not in
        # an inline that would list (and post) every one of them.
        if obj.pk is None:
            return "保存培训后即可登记签到。"
        url = reverse("admin:volunteers_training_attendance", args=[obj.pk])
        return format_html(
            '应到 {} 人,出席 {} 人 · <a href="{}">登记签到</a>',
            obj.n_invited,
            obj.n_attended,
            url,
        )

    @admin.display(description="组织", ordering="community__name")
    def organised_by(self, obj):
        return obj.community.name if obj.community_id else "街道"

    @admin.display(description="出席", ordering="n_attended")
    def attended(self, obj):
        return obj.n_attended

    @admin.display(description="应到", ordering="n_invited")
    def invited(self, obj):
        return obj.n_invited

    @admin.display(description="签到")
    def ticks_link(self, obj):
        url = reverse("admin:volunteers_training_attendance", args=[obj.pk])
        return format_html('<a href="{}">登记签到</a>', url)


@admin.register(Attendance)
class AttendanceAdmin(ScopedImportExportAdmin):
    resource_classes = [AttendanceResource]
    list_display = ["volunteer", "training", "attended", "note"]
    # By indexed columns of its own: the model's order goes through trainings' dates and
    # people's pinyin keys, a sort of every row (half a million at a tenth of a city) for each page.
    ordering = ["-training_id", "-volunteer_id"]
    list_filter = ["attended", ("training", related_only), ("volunteer__community", related_only)]
    list_select_related = ["volunteer", "training"]
    search_fields = ["volunteer__name", "volunteer__mobile", "training__title"]
    autocomplete_fields = ["training", "volunteer"]


@admin.register(Activity)
class ActivityAdmin(TakesSignupsAdminMixin, ScopedAdmin):
    signup_model = ActivitySignup
    list_display = [
        "title", "kind", "date", "community", "participants", "hours", "signups_display",
        "batch_link",
    ]  # fmt: skip
    list_filter = ["kind", ("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["title", "place", "description"]
    autocomplete_fields = ["community"]
    date_hierarchy = "date"
    readonly_fields = ["service_summary"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    @admin.display(description="人数", ordering="n_participants")
    def participants(self, obj):
        return obj.n_participants

    @admin.display(description="总时长", ordering="total_hours")
    def hours(self, obj):
        return obj.total_hours

    @admin.display(description="批量登记")
    def batch_link(self, obj):
        url = reverse("admin:volunteers_activity_participants", args=[obj.pk])
        return format_html('<a href="{}">勾选参加人员</a>', url)

    @admin.display(description="服务记录")
    def service_summary(self, obj):
        if obj.pk is None:
            return "保存活动后即可登记参加人员和时长。"
        url = reverse("admin:volunteers_activity_participants", args=[obj.pk])
        return format_html(
            '{} 人,共 {} 小时 · <a href="{}">登记参加人员和时长</a>',
            obj.n_participants,
            obj.total_hours or 0,
            url,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/participants/",
                self.admin_site.admin_view(partial(bulk.hours_view, self)),
                name="volunteers_activity_participants",
            )
        ] + super().get_urls()


@admin.register(Participation)
class ParticipationAdmin(ScopedExportAdmin):
    list_display = ["volunteer", "activity", "hours", "note"]
    # By indexed columns of its own: the model's order goes through activities' dates and
    # people's pinyin keys, a sort of every row (half a million at a tenth of a city) for each page.
    ordering = ["-activity_id", "-volunteer_id"]
    list_filter = [("activity__community", related_only), "activity__kind"]
    list_select_related = ["volunteer", "activity"]
    search_fields = ["volunteer__name", "activity__title"]
    autocomplete_fields = ["activity", "volunteer"]


@admin.register(ActivitySignup)
class ActivitySignupAdmin(SignupAdmin):
    """Who signed up for an activity (报名) and, after it, who came."""
