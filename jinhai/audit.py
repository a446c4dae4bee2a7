"""The audit trail of personal data (django-auditlog): who changed or looked at whose record.

Each app registers its models that hold personal data from its AppConfig.ready() through
`register_personal`, so that what is logged and what is masked is decided next to the model.
Values that identify a person beyond need (a phone number, a room) are masked inside the log.
"""

from auditlog.registry import auditlog


def register_personal(model, *, mask=(), exclude=()):
    if not auditlog.contains(model):
        auditlog.register(model, mask_fields=list(mask), exclude_fields=list(exclude))


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
