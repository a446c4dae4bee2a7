"""Importing twice is safe: single-use confirm tokens, and files recognised by their bytes.

The preview issues a token (only its hash is stored); confirm consumes it under
`select_for_update` inside the transaction that writes the rows, so a retried or doubled POST (a
proxy timeout, a double click) finds it used and writes nothing. A file's SHA-256 and the user's
reach are kept on its ImportLog, so the preview of the same bytes says when they were imported.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.utils import timezone

from jinhai.scoping import Scope

# A preview older than this cannot be confirmed (the signed file name expires with it too).
MAX_AGE = datetime.timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(*, user, resource: str) -> str:
    from jinhai.models import ImportConfirmation

    token = secrets.token_urlsafe(32)
    ImportConfirmation.objects.create(token_hash=_hash(token), user=user, resource=resource)
    ImportConfirmation.objects.filter(created__lt=timezone.now() - MAX_AGE * 24).delete()
    return token


def consume(*, token: str, user, resource: str) -> bool:
    """Mark the token used; False when it is unknown, someone else's, expired or already used.
    Call inside the transaction that writes the import."""
    from jinhai.models import ImportConfirmation

    if not token:
        return False
    found = (
        ImportConfirmation.objects.select_for_update()
        .filter(
            token_hash=_hash(token),
            user=user,
            resource=resource,
            used_at__isnull=True,
            created__gte=timezone.now() - MAX_AGE,
        )
        .first()
    )
    if found is None:
        return False
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    return True


def was_used(token: str) -> bool:
    """Whether this token already confirmed an import (to say so rather than "file expired")."""
    from jinhai.models import ImportConfirmation

    return (
        bool(token)
        and ImportConfirmation.objects.filter(
            token_hash=_hash(token), used_at__isnull=False
        ).exists()
    )


def scope_key(user) -> str:
    scope = Scope.for_user(user)
    if scope.everything:
        return "all"
    if scope.is_community_level:
        return f"c{scope.community_id}"
    return f"s{scope.subdistrict_id}"


def earlier_import(*, sha256: str, resource: str, user):
    """The last import of the same bytes into the same resource within the user's reach."""
    from jinhai.models import ImportLog

    if not sha256:
        return None
    return (
        ImportLog.objects.filter(sha256=sha256, resource=resource, scope=scope_key(user))
        .order_by("-at")
        .first()
    )


def earlier_note(log) -> str:
    at = timezone.localtime(log.at)
    who = f"由 {log.user} " if log.user_id else ""
    return (
        f"该文件已于 {at:%Y-%m-%d %H:%M} {who}导入过(新建 {log.created} 行,更新 {log.updated} 行)。"
        "再次导入前请确认这不是同一份数据。"
    )
