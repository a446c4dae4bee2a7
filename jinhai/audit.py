"""The audit trail of personal data (django-auditlog): who changed or looked at whose record.

Each app registers its models that hold personal data from its AppConfig.ready() through
`register_personal`, so that what is logged and what is masked is decided next to the model.
Values that identify a person beyond need (a phone number, a room) are masked inside the log.
"""

from auditlog.registry import auditlog

# Kept by the model itself from other fields (the pinyin sort key): a change to it is no change
# a person made, and the log would name it beside every renamed record.
DERIVED_FIELDS = ("sort_key",)


def register_personal(model, *, mask=(), exclude=()):
    if not auditlog.contains(model):
        derived = [f.name for f in model._meta.fields if f.name in DERIVED_FIELDS]
        auditlog.register(model, mask_fields=list(mask), exclude_fields=[*exclude, *derived])


def forget(model, pks) -> int:
    """Delete the audit rows of these objects, and the admin's change history (which names the
    object): a retention purge must not leave the person behind in either."""
    from auditlog.models import LogEntry
    from django.contrib.admin.models import LogEntry as AdminLogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(model)
    keys = [str(pk) for pk in pks]
    deleted, _ = LogEntry.objects.filter(content_type=content_type, object_pk__in=keys).delete()
    history, _ = AdminLogEntry.objects.filter(
        content_type=content_type, object_id__in=keys
    ).delete()
    return deleted + history


def viewed_in_scope(entries, scope):
    """The audit entries about records `scope` reaches: a person of one's own communities, their
    appointments, accounts, pets, committee seats, organizations. One query however many kinds
    of records: each kind is a subquery on the record's own scoped table."""
    from django.db.models import Q

    from jinhai.scoping import is_scoped_model

    if scope.everything:
        return entries
    reached = Q(pk__in=[])
    if scope.reaches_anything:
        for model in personal_models():
            if not is_scoped_model(model):
                continue  # staff accounts and placements: a system administrator's business
            records = scope.filter(model._default_manager.all()).values("pk")
            reached |= Q(
                content_type__app_label=model._meta.app_label,
                content_type__model=model._meta.model_name,
                object_id__in=records,
            )
    return entries.filter(reached)


def personal_models():
    """The models whose records the audit trail follows (`register_personal`), in a fixed order."""
    return sorted(auditlog.get_models(), key=lambda model: model._meta.label)


EMPTY = "(空)"
_SHOWN = {"None": EMPTY, "": EMPTY, "True": "是", "False": "否"}
_M2M_OPERATIONS = {"add": "添加", "delete": "移除", "clear": "清空"}


def change_rows(entry):
    """(field, before, after) of one change entry, in Chinese: the fields' names, choices by
    their labels, related rows by their names, yes/no as 是/否, nothing as (空). Rows that point
    at the record are left out."""
    raw = entry.changes_dict
    shown = {str(name): values for name, values in entry.changes_display_dict.items()}
    model = entry.content_type.model_class()
    rows = []
    for name, change in raw.items():
        if _is_reverse(model, name):
            # The rows pointing here (a new person's "appointments"): django-auditlog writes
            # the related manager's name ("volunteers.Appointment.None"); they are not a change.
            continue
        label = _verbose_name(model, name)
        if isinstance(change, dict) and change.get("type") == "m2m":
            operation = _M2M_OPERATIONS.get(change.get("operation"), change.get("operation"))
            rows.append((label, operation, "、".join(str(o) for o in change.get("objects", []))))
            continue
        values = shown.get(label, change)
        if not isinstance(values, list | tuple) or len(values) != 2:
            values = change
        before, after = (_SHOWN.get(str(v), str(v)) for v in values)
        rows.append((label, before, after))
    return rows


def _verbose_name(model, name):
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.text import capfirst

    try:
        field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return name
    return str(capfirst(field.verbose_name))


def _is_reverse(model, name) -> bool:
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return False
    return field.auto_created and not field.concrete
