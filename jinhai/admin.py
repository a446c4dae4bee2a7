"""The admin side of community scoping: every ModelAdmin and inline of the portal uses these.

`Scope` (jinhai.scoping) decides; this module applies it to change lists, search, autocomplete,
foreign-key and many-to-many choices, object pages, saves, deletes and exports.
"""

from auditlog.registry import auditlog
from auditlog.signals import accessed
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from import_export.admin import ExportMixin

from jinhai.imports.formats import EXPORT_FORMATS
from jinhai.models import ImportLog
from jinhai.scoping import Scope, is_scoped_model, log_cross_scope_attempt

OUT_OF_SCOPE = "只能管理本社区(本街道)的数据。"


class ScopedFieldsMixin:
    """Choices offered for foreign keys and many-to-many fields come from the user's scope."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if is_scoped_model(related):
            base = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = Scope.for_user(request.user).filter(base)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if is_scoped_model(related):
            base = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = Scope.for_user(request.user).filter(base)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _in_scope(self, request, obj) -> bool:
        return obj is None or Scope.for_user(request.user).allows(obj)

    def has_view_permission(self, request, obj=None):
        visible = obj is None or Scope.for_user(request.user).can_see(obj)
        return super().has_view_permission(request, obj) and visible

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


class ScopedAdmin(ScopedFieldsMixin, admin.ModelAdmin):
    """Base of every ModelAdmin in the portal."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Forms check what they can; a service may still refuse at write time (another user
        # spent the points a moment ago). Its ValidationError rolled the transaction back:
        # say why and show the form again, never a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, ";".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Looking at a person's record is itself recorded (PIPL: know who looked at it).
        if obj is not None and auditlog.contains(type(obj)):
            accessed.send(sender=type(obj), instance=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # The admin's default is a redirect with "perhaps it was deleted"; a row of another
            # community is simply not there for this user.
            if self._exists_outside_scope(object_id, from_field):
                log_cross_scope_attempt(request, self.model, object_id)
            raise Http404("没有找到该记录,或您无权访问。")
        return obj

    def _exists_outside_scope(self, object_id, from_field):
        field = self.model._meta.get_field(from_field) if from_field else self.model._meta.pk
        try:
            value = field.to_python(object_id)
        except Exception:
            return False
        return self.model._default_manager.filter(**{field.attname: value}).exists()

    def save_model(self, request, obj, form, change):
        # The form's choices are scoped already; this is the last line if a choice slipped by.
        check_in_scope(request, obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        scope = Scope.for_user(request.user)
        for inline_form in formset.forms:
            instance = inline_form.instance
            if inline_form.has_changed() and not scope.allows(instance):
                raise PermissionDenied(OUT_OF_SCOPE)
        super().save_formset(request, form, formset, change)


def check_in_scope(request, obj) -> None:
    """The last line before a write: the row (as it would be saved) is the user's to write."""
    if not Scope.for_user(request.user).allows(obj):
        raise PermissionDenied(OUT_OF_SCOPE)


class ReadOnlyAdminMixin:
    """Rows that code writes (a service's history, a trigger's figures): pages to read only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AppendOnlyAdminMixin:
    """Rows added through a service and never changed or deleted (the points ledger): the add
    form's values go to `record()`, which returns the saved row."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        check_in_scope(request, obj)
        obj.pk = self.record(request, obj).pk

    def record(self, request, obj):
        raise NotImplementedError


class ScopedInline(ScopedFieldsMixin):
    """Mixin for TabularInline/StackedInline of the portal."""

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request))


class ScopedExportAdmin(ExportMixin, ScopedAdmin):
    """A scoped admin with spreadsheet export; the export queryset is the scoped change list."""

    # Formula-safe formats, and CSV in UTF-8 with BOM so that Excel shows Chinese correctly.
    export_formats = EXPORT_FORMATS
    to_encoding = "utf-8-sig"

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # The library keeps numbers and dates native only for its own binary format classes
        # (an exact type check); ours are subclasses, so say it here.
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        export_data = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        if not file_format.is_binary() and encoding:
            export_data = export_data.encode(encoding)
        return export_data

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # A long change list is exported by a background job (jobs.handlers.export), which
        # replays this very request in the worker; a short one answers at once.
        job = getattr(request, "jinhai_job", None)
        if job is None and _more_than(queryset, settings.JOB_EXPORT_ROWS):
            from jobs.handlers import start_export

            url = start_export(self, request)
            self.message_user(
                request,
                f"超过 {settings.JOB_EXPORT_ROWS:,} 行,已转为后台任务:完成后在本页下载文件。",
                messages.INFO,
            )
            return HttpResponseRedirect(url)
        if job is not None:
            job.export_total = queryset.count()
        return super()._do_file_export(file_format, request, queryset, export_form)

    def choose_export_resource_class(self, form, request):
        chosen = super().choose_export_resource_class(form, request)
        job = getattr(request, "jinhai_job", None)
        if job is None:
            return chosen
        from jobs.handlers import counting_resource

        return counting_resource(chosen, job, job.export_total)


def _more_than(queryset, rows: int) -> bool:
    # Counts at most rows + 1 of them, however long the list.
    return queryset.order_by()[: rows + 1].count() > rows


@admin.register(ImportLog)
class ImportLogAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Read-only: an import's record is written by the import itself; staff see their own."""

    list_display = ["at", "user", "resource", "file_name", "rows", "created", "updated"]
    list_filter = ["resource"]
    list_select_related = ["user"]
    search_fields = ["file_name", "user__username"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user=request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
