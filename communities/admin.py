from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from jinhai.admin import (
    ReadOnlyAdminMixin,
    ScopedAdmin,
    ScopedExportAdmin,
    ScopedInline,
    related_only,
)
from jinhai.imports.admin import ScopedImportExportAdmin

from . import codes_admin
from .models import (
    BuildingGroup,
    CommitteeMember,
    Community,
    Compound,
    Election,
    Household,
    HouseholdSession,
    Role,
    StaffProfile,
    StreetZone,
    Subdistrict,
    check_seats,
)
from .resources import PlacesResource

# Roles are four fixed choices: checkboxes read better than a multi-select list.
role_checkboxes = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}


@admin.register(Subdistrict)
class SubdistrictAdmin(ScopedAdmin):
    list_display = ["name", "district", "city", "office_phone"]
    search_fields = ["name", "district"]


class CompoundInline(ScopedInline, admin.TabularInline):
    model = Compound
    max_rows = 50
    fields = ["name", "households", "address"]
    extra = 0
    show_change_link = True


class StreetZoneInline(ScopedInline, admin.TabularInline):
    model = StreetZone
    max_rows = 50
    fields = ["name", "extent", "shops"]
    extra = 0


@admin.register(Community)
class CommunityAdmin(ScopedExportAdmin):
    list_display = [
        "name",
        "subdistrict",
        "kind",
        "office_phone",
        "compound_count",
        "building_group_count",
        "street_zone_count",
    ]
    list_filter = ["kind", ("subdistrict", related_only)]
    list_select_related = ["subdistrict"]
    search_fields = ["name", "office_address"]
    inlines = [CompoundInline, StreetZoneInline]
    fieldsets = [
        (None, {"fields": ["subdistrict", "name", "kind", "sort_order"]}),
        ("居委会办公", {"fields": ["office_address", "office_phone", "office_hours"]}),
        ("公开简介", {"fields": ["introduction"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_counts()

    @admin.display(description="小区数", ordering="n_compounds")
    def compound_count(self, obj):
        return obj.n_compounds

    @admin.display(description="楼组数", ordering="n_building_groups")
    def building_group_count(self, obj):
        return obj.n_building_groups

    @admin.display(description="街面数", ordering="n_street_zones")
    def street_zone_count(self, obj):
        return obj.n_street_zones


class BuildingGroupInline(ScopedInline, admin.TabularInline):
    model = BuildingGroup
    max_rows = 50
    fields = ["name", "households", "address"]
    extra = 0


@admin.register(Compound)
class CompoundAdmin(ScopedExportAdmin):
    list_display = ["name", "community", "households", "building_group_count", "address"]
    list_filter = [("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["name", "community__name", "address"]
    autocomplete_fields = ["community"]
    inlines = [BuildingGroupInline]
    actions = [codes_admin.for_compounds]

    def get_queryset(self, request):
        return super().get_queryset(request).with_counts()

    @admin.display(description="楼组数", ordering="n_building_groups")
    def building_group_count(self, obj):
        return obj.n_building_groups


@admin.register(BuildingGroup)
class BuildingGroupAdmin(ScopedImportExportAdmin):
    resource_classes = [PlacesResource]
    list_display = ["name", "compound", "community_name", "households", "address"]
    list_filter = [("compound__community", related_only)]
    list_select_related = ["compound__community"]
    search_fields = ["name", "compound__name", "compound__community__name"]
    autocomplete_fields = ["compound"]
    actions = [codes_admin.for_groups]

    @admin.display(description="社区", ordering="compound__community__name")
    def community_name(self, obj):
        return obj.compound.community.name


@admin.register(StreetZone)
class StreetZoneAdmin(ScopedExportAdmin):
    list_display = ["name", "community", "extent", "shops"]
    list_filter = [("community", related_only)]
    list_select_related = ["community"]
    search_fields = ["name", "extent", "community__name"]
    autocomplete_fields = ["community"]
    actions = [codes_admin.for_zones]


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ["__str__", "kind", "community", "code_issued_at"]
    # By indexed columns of its own: the model's order goes through places' names and pinyin
    # keys, a sort of every row (half a million at a tenth of a city) for each page.
    ordering = ["building_group_id", "room", "street_zone_id", "shop_name", "pk"]
    list_filter = ["kind", ("community", related_only)]
    actions = [codes_admin.for_households]
    list_select_related = ["community", "building_group__compound", "street_zone"]
    search_fields = [
        "room",
        "shop_name",
        "building_group__name",
        "building_group__compound__name",
        "street_zone__name",
    ]
    autocomplete_fields = ["building_group", "street_zone"]
    fields = ["kind", "building_group", "room", "street_zone", "shop_name"]

    def has_delete_permission(self, request, obj=None):
        # Accounts, pets and what the household wrote hang on it; PROTECT would refuse anyway.
        return False


@admin.register(HouseholdSession)
class HouseholdSessionAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Read-only: who opened a household's page, and when it ended."""

    list_display = ["household", "opened_at", "ended_at"]
    list_filter = [("household__community", related_only)]
    list_select_related = ["household__building_group__compound", "household__street_zone"]
    search_fields = ["household__room", "household__shop_name", "household__building_group__name"]


class SeatsFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.has_changed() or f.instance.pk
            if not (self.can_delete and self._should_delete_form(f))
        ]
        check_seats(self.instance, len(kept))


class CommitteeMemberInline(ScopedInline, admin.StackedInline):
    model = CommitteeMember
    formset = SeatsFormSet
    formfield_overrides = role_checkboxes
    fields = [
        ("name", "gender"),
        "roles",
        ("term_start", "term_end"),
        ("photo", "photo_public"),
        "sort_order",
    ]
    extra = 0


@admin.register(Election)
class ElectionAdmin(ScopedAdmin):
    list_display = ["__str__", "community", "date", "seats", "member_count", "turnout_display"]
    list_filter = [("community", related_only), "date"]
    list_select_related = ["community"]
    search_fields = ["community__name"]
    autocomplete_fields = ["community"]
    date_hierarchy = "date"
    inlines = [CommitteeMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description="成员数", ordering="n_members")
    def member_count(self, obj):
        return obj.n_members

    @admin.display(description="参选率")
    def turnout_display(self, obj):
        return "—" if obj.turnout is None else f"{obj.turnout:.1%}"


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ScopedAdmin):
    list_display = ["name", "community_name", "role_list", "term_start", "term_end"]
    list_filter = [("election__community", related_only), "roles"]
    list_select_related = ["election__community"]
    search_fields = ["name", "election__community__name"]
    autocomplete_fields = ["election"]
    formfield_overrides = role_checkboxes
    fields = [
        "election",
        ("name", "gender"),
        "roles",
        ("term_start", "term_end"),
        ("photo", "photo_public"),
        "sort_order",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description="社区", ordering="election__community__name")
    def community_name(self, obj):
        return obj.election.community.name

    @admin.display(description="职务")
    def role_list(self, obj):
        return obj.role_labels()


@admin.register(Role)
class RoleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The four roles are fixed (a data migration makes them)."""

    list_display = ["__str__", "rank"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    max_num = 1
    # A city's 600 communities are searched, not listed (twice: the form and its template).
    autocomplete_fields = ["subdistrict", "community"]
    verbose_name = "工作归属"
    verbose_name_plural = "工作归属"


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "is_staff", "is_active", "place"]
    list_select_related = ["staff_profile__community", "staff_profile__subdistrict"]

    @admin.display(description="归属")
    def place(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return str(profile.community or profile.subdistrict) if profile else "—"
