from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from jinhai.admin import (
    ScopedAdmin,
    ScopedInline,
    related_only,
    street_level,
)
from jinhai.caching import data_changed
from jinhai.imports.admin import ScopedImportExportAdmin
from jinhai.scoping import Scope

from . import selectors, services
from .models import (
    ActivityPhoto,
    AnnualInspection,
    InfoReport,
    InspectionResult,
    OrganizationKind,
    PublicWelfareActivity,
    ReportPhoto,
    ServiceField,
    SocialOrganization,
    SocialWorkStation,
)
from .resources import InspectionsResource, OrganizationsResource


class StreetAddMixin:
    """Rows of a whole subdistrict: community staff read them (Scope), only street staff add."""

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and street_level(request)


class SubdistrictInitialMixin:
    """A new row starts in the street staff's own subdistrict."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        subdistrict_id = Scope.for_user(request.user).subdistrict_id
        if subdistrict_id is not None:
            initial.setdefault("subdistrict", subdistrict_id)
        return initial


@admin.register(ServiceField)
class ServiceFieldAdmin(ScopedAdmin):
    """One list for every subdistrict: street staff keep it, everyone reads it."""

    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and street_level(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and street_level(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and street_level(request)


class InspectionInline(StreetAddMixin, ScopedInline, admin.TabularInline):
    model = AnnualInspection
    max_rows = 50
    fields = [
        "year",
        "submitted_on",
        "result",
        "returned_for_correction",
        "correction_deadline",
        "corrected_on",
    ]
    extra = 0
    show_change_link = True
    ordering = ["-year"]


class SocialOrganizationForm(forms.ModelForm):
    class Meta:
        model = SocialOrganization
        fields = [
            "subdistrict", "name", "credit_code", "kind", "status", "registration_authority",
            "registered_on", "legal_representative", "office_phone", "contact_mobile", "address",
            "service_fields", "communities", "introduction",
        ]  # fmt: skip
        widgets = {"service_fields": forms.CheckboxSelectMultiple}

    def clean(self):
        cleaned = super().clean()
        subdistrict = cleaned.get("subdistrict") or getattr(self.instance, "subdistrict", None)
        communities = cleaned.get("communities")
        if subdistrict is not None and communities:
            try:
                services.check_communities(subdistrict_id=subdistrict.pk, communities=communities)
            except ValidationError as exc:
                self.add_error("communities", exc)
        return cleaned


@admin.register(SocialOrganization)
class SocialOrganizationAdmin(SubdistrictInitialMixin, StreetAddMixin, ScopedImportExportAdmin):
    form = SocialOrganizationForm
    resource_classes = [OrganizationsResource]
    list_display = [
        "name",
        "kind",
        "credit_code",
        "legal_representative",
        "office_phone",
        "field_names",
        "status",
    ]
    list_filter = [
        "kind",
        "status",
        ("service_fields", related_only),
        ("communities", related_only),
        ("subdistrict", related_only),
    ]
    list_select_related = ["subdistrict"]
    search_fields = ["name", "credit_code", "legal_representative", "address"]
    autocomplete_fields = ["subdistrict", "communities"]
    inlines = [InspectionInline]
    change_list_template = "orgs/admin/organization_change_list.html"
    fieldsets = [
        (None, {"fields": ["subdistrict", "name", "credit_code", "kind", "status"]}),
        ("登记", {"fields": ["registration_authority", "registered_on", "legal_representative"]}),
        ("联系方式", {"fields": ["office_phone", "contact_mobile", "address"]}),
        ("服务", {"fields": ["service_fields", "communities", "introduction"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("service_fields")

    def get_readonly_fields(self, request, obj=None):
        # Where it is registered: fixed once registered (its inspections and reports follow it).
        return ["subdistrict"] if obj is not None else []

    def get_export_queryset(self, request):
        return (
            super().get_export_queryset(request).prefetch_related("service_fields", "communities")
        )

    @admin.display(description="服务领域")
    def field_names(self, obj):
        return "、".join(f.name for f in obj.service_fields.all()) or "—"

    def get_urls(self):
        return [
            path(
                "inspections/",
                self.admin_site.admin_view(self.inspection_year_view),
                name="orgs_inspection_year",
            )
        ] + super().get_urls()

    def inspection_year_view(self, request):
        """One inspection year: who has not submitted, who is overdue, results by type."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        scope = Scope.for_user(request.user)
        recorded = set(
            scope.filter(AnnualInspection.objects.order_by())
            .values_list("year", flat=True)
            .distinct()
        )
        # Without ?year=, the latest year on record (the one being inspected, usually).
        default = max(recorded, default=today.year - 1)
        year = _year_param(request.GET.get("year"), default=default, latest=today.year)
        organizations = scope.filter(SocialOrganization.objects.all())
        inspections = scope.filter(AnnualInspection.objects.filter(year=year))
        table = selectors.results_by_kind(organizations, year)
        results = [*InspectionResult.choices, ("", "未提交(无记录)")]
        rows = [
            (label, [table.get(kind, {}).get(r, 0) for r, _ in results])
            for kind, label in OrganizationKind.choices
        ]
        totals = [sum(row[1][i] for row in rows) for i in range(len(results))]
        years = sorted(recorded | {year, today.year - 1}, reverse=True)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{year} 年度年检",
            "opts": self.model._meta,
            "year": year,
            "years": years,
            "results": [label for _, label in results],
            "rows": rows,
            "totals": totals,
            "expected": sum(totals),
            "missing": list(selectors.not_submitted(organizations, year)),
            "overdue": list(selectors.overdue_corrections(inspections, today)),
            "today": today,
        }
        return TemplateResponse(request, "orgs/admin/inspection_year.html", context)


def _year_param(raw, *, default, latest):
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= latest else default


@admin.register(AnnualInspection)
class AnnualInspectionAdmin(StreetAddMixin, ScopedImportExportAdmin):
    resource_classes = [InspectionsResource]
    list_display = [
        "organization",
        "organization_kind",
        "year",
        "result",
        "submitted_on",
        "returned_for_correction",
        "correction_deadline",
        "corrected_on",
    ]
    list_filter = [
        "year",
        "result",
        "returned_for_correction",
        "organization__kind",
        ("organization", related_only),
    ]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__credit_code"]
    autocomplete_fields = ["organization"]
    actions = ["mark_corrected"]

    @admin.display(description="类型", ordering="organization__kind")
    def organization_kind(self, obj):
        return obj.organization.get_kind_display()

    @admin.action(description="整改完成(今天)", permissions=["change"])
    def mark_corrected(self, request, queryset):
        done = queryset.filter(returned_for_correction=True, corrected_on__isnull=True).update(
            corrected_on=timezone.localdate()
        )
        data_changed()  # update() sends no post_save
        self.message_user(request, f"已记录 {done} 个年检整改完成。")


class ReportPhotoInline(admin.TabularInline):
    model = ReportPhoto
    fields = ["image", "is_public", "caption", "sort_order"]
    extra = 0


@admin.register(InfoReport)
class InfoReportAdmin(SubdistrictInitialMixin, StreetAddMixin, ScopedAdmin):
    list_display = ["title", "date", "organization", "published"]
    list_filter = ["published", ("organization", related_only)]
    list_select_related = ["organization"]
    search_fields = ["title", "text", "organization__name"]
    autocomplete_fields = ["subdistrict", "organization"]
    date_hierarchy = "date"
    inlines = [ReportPhotoInline]


class ActivityPhotoInline(admin.TabularInline):
    model = ActivityPhoto
    fields = ["image", "is_public", "caption", "sort_order"]
    extra = 0


class PublicWelfareActivityForm(forms.ModelForm):
    class Meta:
        model = PublicWelfareActivity
        fields = [
            "subdistrict", "community", "title", "date", "organizations", "place",
            "beneficiaries", "description",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        subdistrict = cleaned.get("subdistrict")
        strays = [
            o.name
            for o in cleaned.get("organizations") or []
            if subdistrict and o.subdistrict_id != subdistrict.pk
        ]
        if strays:
            self.add_error("organizations", f"须是所选街道的社会组织:{'、'.join(strays)}不是。")
        return cleaned


@admin.register(PublicWelfareActivity)
class PublicWelfareActivityAdmin(SubdistrictInitialMixin, ScopedAdmin):
    form = PublicWelfareActivityForm
    list_display = ["title", "date", "organised_in", "beneficiaries", "organization_names"]
    list_filter = [("community", related_only), ("organizations", related_only)]
    list_select_related = ["community"]
    search_fields = ["title", "place", "description", "organizations__name"]
    autocomplete_fields = ["subdistrict", "community", "organizations"]
    date_hierarchy = "date"
    inlines = [ActivityPhotoInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("organizations", queryset=SocialOrganization.objects.only("name"))
            )
        )

    @admin.display(description="社区", ordering="community__name")
    def organised_in(self, obj):
        return obj.community.name if obj.community_id else "街道"

    @admin.display(description="参与的社会组织")
    def organization_names(self, obj):
        return "、".join(o.name for o in obj.organizations.all()) or "—"


@admin.register(SocialWorkStation)
class SocialWorkStationAdmin(SubdistrictInitialMixin, ScopedAdmin):
    list_display = [
        "name",
        "level",
        "community",
        "hosting_organization",
        "opening_hours",
        "on_map",
    ]
    list_filter = ["level", ("community", related_only)]
    list_select_related = ["community", "hosting_organization"]
    search_fields = ["name", "address", "services", "hosting_organization__name"]
    autocomplete_fields = ["subdistrict", "community", "hosting_organization"]
    fieldsets = [
        (None, {"fields": ["subdistrict", "level", "name", "community", "hosting_organization"]}),
        ("位置", {"fields": ["address", ("latitude", "longitude")]}),
        ("服务", {"fields": ["services", "opening_hours", "phone", "opened_on", "sort_order"]}),
    ]

    @admin.display(description="地图", boolean=True)
    def on_map(self, obj):
        return obj.has_coordinates
