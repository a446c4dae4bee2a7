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
    """Delete the audit rows of these objects: a retention purge must not leave them behind."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    deleted, _ = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_pk__in=[str(pk) for pk in pks],
    ).delete()
    return deleted
