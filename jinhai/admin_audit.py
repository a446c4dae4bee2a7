"""The audit trail in the admin, in Chinese: 查阅记录 for street staff, the raw log for superusers.

查阅记录 (`AccessRecord`) lists who opened which person's record and when, for the records the
user's `Scope` reaches, filterable by staff member, by record and by date. It is the street
office's oversight of how personal data is used, so the permission to read it
(`jinhai.view_accessrecord`) goes to 街道工作人员 only (communities/roles.py): community staff are
the people it watches, and what their colleagues looked at, when, is not theirs to browse. Were
a community account given the permission by hand, it would still see only its own community.

The raw log (django-auditlog's own admin, every create/update/delete/access of every model)
stays a superuser's, relabelled in Chinese here.
"""

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from jinhai.admin import BoundedPaginator, ReadOnlyAdminMixin, ScopedAdmin
from jinhai.admin_lists import bound_change_list
from jinhai.audit import change_rows, personal_models, viewed_in_scope
from jinhai.models import AccessRecord
from jinhai.scoping import Scope, is_scoped_model


def user_name(user) -> str:
    if user is None:
        return "系统"
    full = f"{user.last_name}{user.first_name}".strip()
    return f"{full}({user.username})" if full else user.username


def kind_of(entry) -> str:
    model = entry.content_type.model_class()
    return str(capfirst(model._meta.verbose_name)) if model else entry.content_type.model


class KindFilter(admin.SimpleListFilter):
    """By kind of record, named in Chinese (django-auditlog lists model codes)."""

    title = "记录类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        everything = Scope.for_user(request.user).everything
        return [
            (model._meta.label_lower, capfirst(model._meta.verbose_name))
            for model in personal_models()
            if everything or is_scoped_model(model)
        ]

    def queryset(self, request, queryset):
        if not self.value() or "." not in self.value():
            return queryset
        app_label, model_name = self.value().split(".", 1)
        return queryset.filter(content_type__app_label=app_label, content_type__model=model_name)


class AllKindsFilter(KindFilter):
    """The raw log's filter: every model that has entries, not only personal ones."""

    def lookups(self, request, model_admin):
        from django.contrib.contenttypes.models import ContentType

        used = model_admin.get_queryset(request).values("content_type").distinct()
        kinds = []
        for content_type in ContentType.objects.filter(pk__in=used):
            model = content_type.model_class()
            name = capfirst(model._meta.verbose_name) if model else content_type.model
            kinds.append((f"{content_type.app_label}.{content_type.model}", name))
        return sorted(kinds, key=lambda kind: str(kind[1]))


class ActorFilter(admin.SimpleListFilter):
    """By the staff member who looked: those who looked at anything this user may see."""

    title = "查阅人"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        actors = model_admin.get_queryset(request).exclude(actor=None).values("actor").distinct()
        users = get_user_model().objects.filter(pk__in=actors).order_by("username")
        return [(str(user.pk), user_name(user)) for user in users]

    def queryset(self, request, queryset):
        return queryset.filter(actor_id=self.value()) if self.value() else queryset


class RecordFilter(admin.SimpleListFilter):
    """By the record that was looked at (``kind:pk``). Too many people to list: a record's name
    in the list links here, and the filter shows the one chosen."""

    title = "被查阅的记录"
    parameter_name = "record"

    def _parts(self):
        app_model, _, pk = (self.value() or "").partition(":")
        app_label, _, model_name = app_model.partition(".")
        return app_label, model_name, pk

    def has_output(self):
        # Django applies only the filters it shows: this one shows whenever it is chosen, even
        # when it names nothing the user may see (which then lists nothing).
        return bool(self.value())

    def lookups(self, request, model_admin):
        app_label, model_name, pk = self._parts()
        entry = None
        if pk.isdigit():
            entry = (
                model_admin.get_queryset(request)
                .filter(content_type__app_label=app_label, content_type__model=model_name)
                .filter(object_id=int(pk))
                .only("object_repr")
                .first()
            )
        return [(self.value(), entry.object_repr if entry else "(没有查阅记录)")]

    def queryset(self, request, queryset):
        app_label, model_name, pk = self._parts()
        if not self.value():
            return queryset
        if not pk.isdigit():
            return queryset.none()
        return queryset.filter(
            content_type__app_label=app_label,
            content_type__model=model_name,
            object_id=int(pk),
        )


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["timestamp", "who", "kind", "record", "remote_addr"]
    list_display_links = None
    list_filter = [ActorFilter, KindFilter, RecordFilter, "timestamp"]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "actor__username", "actor__first_name", "actor__last_name"]
    search_help_text = "按被查阅的姓名或记录,或查阅人的用户名、姓名搜索。"
    date_hierarchy = "timestamp"
    list_per_page = 50
    fields = readonly_fields = ["timestamp", "who", "kind", "record", "remote_addr"]

    def get_queryset(self, request):
        return viewed_in_scope(super().get_queryset(request), Scope.for_user(request.user))

    def has_view_permission(self, request, obj=None):
        allowed = request.user.has_perm("jinhai.view_accessrecord")
        return allowed and Scope.for_user(request.user).reaches_anything

    def get_object(self, request, object_id, from_field=None):
        # Without the permission the answer is "not yours to read", whichever row it names
        # (Django's pages look the row up first, and one outside the scope is a 404).
        if not self.has_view_permission(request):
            raise PermissionDenied
        return super().get_object(request, object_id, from_field)

    @admin.display(description="查阅人", ordering="actor__username")
    def who(self, entry):
        return user_name(entry.actor)

    @admin.display(description="记录类型")
    def kind(self, entry):
        return kind_of(entry)

    @admin.display(description="被查阅的记录", ordering="object_repr")
    def record(self, entry):
        value = f"{entry.content_type.app_label}.{entry.content_type.model}:{entry.object_id}"
        return format_html(
            '<a href="?record={}" title="只看这条记录被谁查阅">{}</a>', value, entry.object_repr
        )

    @admin.display(description="IP 地址")
    def remote_addr(self, entry):
        return entry.remote_addr or "—"


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogAdmin(LogEntryAdmin):
    """django-auditlog's own admin (superusers only), with its English made Chinese."""

    list_filter = ["action", AllKindsFilter, CIDFilter]
    # Every save writes here: in a city it becomes the biggest table of all. As for the ledger:
    # a bounded count (twice a full COUNT otherwise), and no date drill-down, whose year links
    # read every entry's timestamp; the newest first come off the timestamp's index.
    paginator = BoundedPaginator
    show_full_result_count = False
    date_hierarchy = None

    @admin.display(description="改动")
    def msg_short(self, entry):
        if entry.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        names = [row[0] for row in change_rows(entry)]
        shown = "、".join(names[:6]) + ("…" if len(names) > 6 else "")
        return f"改动 {len(names)} 项:{shown}"

    @admin.display(description="改动")
    def msg(self, entry):
        rows = change_rows(entry)
        if not rows:
            return ""
        header = format_html("<tr><th>{}</th><th>{}</th><th>{}</th></tr>", "字段", "原值", "新值")
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table>{}{}</table>", header, body)

    @admin.display(description="操作人")
    def user_url(self, entry):
        return super().user_url(entry) if entry.actor else "系统"

    @admin.display(description="关联 ID")
    def cid_url(self, entry):
        return super().cid_url(entry)

    @admin.display(description="记录")
    def resource_url(self, entry):
        model = entry.content_type.model_class()
        try:
            url = reverse(
                f"admin:{entry.content_type.app_label}_{entry.content_type.model}_change",
                args=[entry.object_id or entry.object_pk],
            )
        except NoReverseMatch:
            return f"{kind_of(entry)}:{entry.object_repr}"
        if model is None:
            return entry.object_repr
        return format_html('<a href="{}">{}:{}</a>', url, kind_of(entry), entry.object_repr)


# Logs of other packages that grow with every login attempt and every background task.
for _label in (
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    "django_tasks_database.DBTaskResult",
):
    bound_change_list(admin.site._registry[apps.get_model(_label)])
