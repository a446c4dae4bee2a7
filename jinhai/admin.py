"""The admin side of community scoping: every ModelAdmin and inline of the portal uses these.

`Scope` (jinhai.scoping) decides; this module applies it to change lists, search, autocomplete,
foreign-key and many-to-many choices, object pages, saves, deletes and exports.
"""

from functools import cached_property

from auditlog.registry import auditlog
from auditlog.signals import accessed
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ERROR_FLAG, SEARCH_VAR
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Length
from django.http import Http404, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.text import capfirst, smart_split, unescape_string_literal
from import_export.admin import ExportMixin

from jinhai import exports, search

# The bounded count and the related filter are jinhai.admin_lists'; every app's admin imports them
# from here.
from jinhai.admin_lists import (  # noqa: F401
    COUNT_CAP,
    FILTER_CHOICES,
    BoundedPaginator,
    ScopedRelatedFilter,
    related_only,
)
from jinhai.admin_widgets import make_safe, read_chosen_once
from jinhai.imports.base import resource_titles
from jinhai.models import ImportLog
from jinhai.scoping import Scope, is_scoped_model, log_cross_scope_attempt

OUT_OF_SCOPE = "只能管理本社区(本街道)的数据。"


def street_level(request) -> bool:
    """Street staff and superusers: what only the street office may do (allocations, the
    street's own records), not a community's staff."""
    return Scope.for_user(request.user).is_street_level


class ScopedFieldsMixin:
    """Choices offered for foreign keys and many-to-many fields come from the user's scope."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, AdminFileWidget):
            formfield.widget.template_name = "jinhai/widgets/file_input.html"
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if is_scoped_model(related):
            base = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = Scope.for_user(request.user).filter(base)
        return make_safe(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if is_scoped_model(related):
            base = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = Scope.for_user(request.user).filter(base)
        return make_safe(super().formfield_for_manytomany(db_field, request, **kwargs))

    def _in_scope(self, request, obj) -> bool:
        return obj is None or Scope.for_user(request.user).allows(obj)

    def has_view_permission(self, request, obj=None):
        visible = obj is None or Scope.for_user(request.user).can_see(obj)
        return super().has_view_permission(request, obj) and visible

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


# The largest key a database column holds (a signed 64-bit integer), and the change-list
# parameters that are free text (an 18-digit ID number searched for is text, not a key).
MAX_KEY = 2**63 - 1
FREE_TEXT_PARAMS = {SEARCH_VAR}


class ScopedAdmin(ScopedFieldsMixin, admin.ModelAdmin):
    """Base of every ModelAdmin in the portal."""

    # Change lists count what they show, within a bound; never the whole table a second time.
    paginator = BoundedPaginator
    show_full_result_count = False

    def get_deleted_objects(self, objs, request):
        # Deleting a row deletes its many-to-many links too; Django lists them as English class
        # names ("CommitteeMember-role relationship: CommitteeMember_roles object (1)"). They are
        # not records anyone keeps: leave them out of what the confirmation page lists.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        links = [m._meta for m in apps.get_models(include_auto_created=True)]
        links = [opts for opts in links if opts.auto_created]
        prefixes = tuple(f"{capfirst(opts.verbose_name)}: " for opts in links)
        plurals = {str(opts.verbose_name_plural) for opts in links}
        model_count = {name: n for name, n in model_count.items() if str(name) not in plurals}
        return _without_links(to_delete, prefixes), model_count, perms_needed, protected

    def changelist_view(self, request, extra_context=None):
        # A filter value no database column can hold (a key of 30 digits) fails only when the
        # query runs, past the change list's own check of its parameters: refuse it first, the
        # way Django answers any lookup it cannot use (back to the list with ?e=1).
        if any(
            key not in FREE_TEXT_PARAMS
            and value.isascii()
            and value.isdigit()
            and int(value) > MAX_KEY
            for key, values in request.GET.lists()
            for value in values
        ):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)

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

    def get_search_results(self, request, queryset, search_term):
        # The public search's limits (jinhai.search), for the change lists and the autocomplete.
        search_term, cut = search.capped(search_term)
        match = getattr(request, "resolver_match", None)
        if cut and match is not None and match.url_name.endswith("_changelist"):
            self.message_user(
                request,
                f"搜索内容过长:只按前 {search.MAX_TERMS} 个词(共不超过 {search.MAX_LENGTH} 个字)"
                f"查找,即“{search_term}”。",
                messages.WARNING,
            )
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term and match is not None and match.url_name == "autocomplete":
            queryset = rank_matches(queryset, self.get_search_fields(request), search_term)
        return queryset, may_have_duplicates

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


def rank_matches(queryset, search_fields, search_term):
    """A picker's matches, best first: a name equal to the query (or to one of its words), then
    names starting with it, then the rest; shorter names first within each tier. Typing
    "正学苑 5号楼" puts 5号楼 before 15号楼 and 25号楼, so Enter picks the right one."""
    if not search_fields:
        return queryset
    primary = search_fields[0].lstrip("^=@")
    terms = [unescape_string_literal(t) if t[0] in "\"'" else t for t in smart_split(search_term)]
    terms = [search_term.strip(), *terms]
    exact, prefix = Q(), Q()
    for term in terms:
        exact |= Q(**{f"{primary}__iexact": term})
        prefix |= Q(**{f"{primary}__istartswith": term})
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    return queryset.annotate(
        picker_rank=Case(
            When(exact, then=Value(0)),
            When(prefix, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        picker_length=Length(primary),
    ).order_by("picker_rank", "picker_length", *ordering)


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """The pickers' JSON, each row labelled by its admin's `autocomplete_label(obj)` where it
    has one (a volunteer with their community and unit), else by str(obj)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = str(label(obj))
        return result


def _labelled_autocomplete_view(site, request):
    return LabelledAutocompleteJsonView.as_view(admin_site=site)(request)


# Instance attributes, like get_app_list below: they outlive urls.py's switch to OTPAdminSite.
admin.site.autocomplete_view = _labelled_autocomplete_view.__get__(admin.site)


def _without_links(nested, prefixes):
    kept = []
    for item in nested:
        if isinstance(item, list):
            inner = _without_links(item, prefixes)
            if inner:
                kept.append(inner)
        elif not str(item).startswith(prefixes):
            kept.append(item)
    return kept


def _boolean_icon(field_val):
    # Django writes the yes/no icons' text as Python's True/False/None in every language; a
    # screen reader reads that out. Same icons, Chinese text.
    icon = {True: "yes", False: "no", None: "unknown"}[field_val]
    text = {True: "是", False: "否", None: "未知"}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), text)


# Django's change lists, detail pages and read-only fields all take the icon from this module.
admin_list._boolean_icon = _boolean_icon


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
    """Mixin for TabularInline/StackedInline of the portal.

    An inline whose rows grow with the data (a compound's building groups, a contest's
    entries) sets `max_rows`: its page shows and posts at most that many, with a link to the
    full change list, so that neither the page nor its POST grows without bound. Rows that
    grow by the hundred (a training's attendance) get a bulk screen instead of an inline.
    """

    max_rows: int | None = None

    def __init__(self, parent_model, admin_site):
        super().__init__(parent_model, admin_site)
        if self.max_rows is not None and self.template.endswith(("/tabular.html", "/stacked.html")):
            # The same inline, and under it the note that says where the other rows are.
            self.template = self.template.replace(".html", "_bounded.html")

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request))

    def get_formset(self, request, obj=None, **kwargs):
        formset = with_parent_known(super().get_formset(request, obj, **kwargs))
        if self.max_rows is None:
            return formset
        return bounded_formset(formset, self.max_rows, self._all_rows_url(obj))

    def _all_rows_url(self, obj):
        opts = self.model._meta
        if obj is None or self.model not in self.admin_site._registry:
            return ""
        fk = next(f for f in opts.fields if f.is_relation and isinstance(obj, f.related_model))
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return f"{url}?{fk.name}__exact={obj.pk}"


def with_parent_known(formset):
    """An inline formset class whose rows know the object they belong to: a row's name often
    shows its parent (a building group is "金海苑 1号楼"), and Django's inline would read the
    parent again for every row, one query per row; and whose autocomplete fields read their
    chosen rows once for all the rows (jinhai.admin_widgets.read_chosen_once)."""

    class ParentKnownFormSet(formset):
        @cached_property
        def forms(self):
            forms = super().forms
            read_chosen_once(forms)
            return forms

        def _construct_form(self, i, **kwargs):
            form = super()._construct_form(i, **kwargs)
            row = form.instance
            if row.pk is not None and getattr(row, self.fk.attname) == self.instance.pk:
                setattr(row, self.fk.name, self.instance)
            return form

    return ParentKnownFormSet


def bounded_formset(formset, max_rows: int, all_url: str):
    """An inline formset class that edits at most `max_rows` existing rows: one more query
    (the first max_rows + 1 keys) and, past the bound, a count for the note under it."""

    class BoundedFormSet(formset):
        rows_max = max_rows
        rows_url = all_url
        rows_total = None

        def get_queryset(self):
            if not hasattr(self, "_queryset"):
                rows = super().get_queryset()
                keys = list(rows.values_list("pk", flat=True)[: max_rows + 1])
                if len(keys) > max_rows:
                    self.rows_total = rows.count()
                    self._queryset = rows.filter(pk__in=keys[:max_rows])
            return self._queryset

    return BoundedFormSet


class ScopedExportAdmin(ExportMixin, ScopedAdmin):
    """A scoped admin with spreadsheet export; the export queryset is the scoped change list.

    What the file looks like is `jinhai.exports`: a named sheet, column widths, a Chinese file
    name with the Shanghai date. The columns are those of the admin's import resource where it
    has one (`resource_classes`: the import's own headers, so an export can be edited and
    imported again), otherwise every field under its Chinese name (`exports.ExportResource`).
    """

    # Formula-safe formats, Excel first, and CSV in UTF-8 with BOM so that Excel shows Chinese.
    export_formats = exports.EXPORT_FORMATS
    export_form_class = exports.ExportForm
    to_encoding = "utf-8-sig"

    def get_export_resource_classes(self, request):
        # The first import variant is the one whose file an export reproduces (a 换届 is a way
        # of importing a roster, not another sheet).
        return list(self.resource_classes[:1]) or [exports.export_resource_for(self.model)]

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        return exports.export_queryset(self.model, queryset, self.admin_site)

    def get_export_filename(self, request, queryset, file_format):
        return exports.export_filename(self.model, file_format)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # The library keeps numbers and dates native only for its own binary format classes
        # (an exact type check); ours are subclasses, so say it here.
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        data.title = str(self.model._meta.verbose_name_plural)
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
            from jinhai.jobs.handlers import start_export

            url = start_export(self, request)
            self.message_user(
                request,
                f"超过 {settings.JOB_EXPORT_ROWS:,} 行,已转为后台任务:完成后在本页下载文件。",
                messages.INFO,
            )
            return HttpResponseRedirect(url)
        if job is not None:
            job.export_total = queryset.count()
        response = super()._do_file_export(file_format, request, queryset, export_form)
        # The library quotes the name as it is; a Chinese name needs RFC 6266's filename*.
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(request, queryset, file_format)
        )
        return response

    def choose_export_resource_class(self, form, request):
        chosen = super().choose_export_resource_class(form, request)
        job = getattr(request, "jinhai_job", None)
        if job is None:
            return chosen
        from jinhai.jobs.handlers import counting_resource

        return counting_resource(chosen, job, job.export_total)


def _more_than(queryset, rows: int) -> bool:
    # Counts at most rows + 1 of them, however long the list.
    return queryset.order_by()[: rows + 1].count() > rows


class ImportResourceFilter(admin.SimpleListFilter):
    title = "导入类型"
    parameter_name = "resource"

    def lookups(self, request, model_admin):
        return list(resource_titles().items())

    def queryset(self, request, queryset):
        return queryset.filter(resource=self.value()) if self.value() else queryset


@admin.register(ImportLog)
class ImportLogAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Read-only: an import's record is written by the import itself; staff see their own."""

    list_display = ["at", "user", "resource_title", "file_name", "rows", "created", "updated"]
    list_filter = [ImportResourceFilter]
    fields = readonly_fields = list_display
    list_select_related = ["user"]
    search_fields = ["file_name", "user__username"]
    date_hierarchy = "at"

    @admin.display(description="导入类型", ordering="resource")
    def resource_title(self, log):
        return resource_titles().get(log.resource, log.resource)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user=request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


# The index grouped by task (两长, 美丽约定 … 系统), set on admin.site when this loads.
from jinhai import admin_index  # noqa: E402, F401
