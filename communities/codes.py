"""户码: the household codes staff print on cards and residents type at /my/.

A code is 15 random digits (about 50 bits), typed as three groups of five. It is shown once, on
the card, and kept only as HMAC-SHA256 under `HOUSEHOLD_CODE_KEY`: unique and indexed, so that a
claim is one indexed lookup whatever the number of households, and useless to whoever reads the
database. Issuing a new code replaces the old one and ends the sessions it opened.
"""

import hashlib
import hmac
import secrets
import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .household import Household, HouseholdSession

DIGITS = 15
GROUP = 5


def _hash(value: str) -> str:
    key = settings.HOUSEHOLD_CODE_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def normalise(typed: str) -> str:
    """The digits of what was typed: full-width digits folded, spaces and dashes dropped."""
    folded = unicodedata.normalize("NFKC", typed or "")
    return "".join(ch for ch in folded if ch.isdigit())[: DIGITS + 1]


def grouped(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(DIGITS))


def codes_issue(*, households, by=None) -> list[tuple[Household, str]]:
    """New codes for these households (replacing any old one, whose sessions end): the codes in
    clear, grouped, to be printed now; they are never stored or shown again."""
    issued = []
    now = timezone.now()
    with transaction.atomic():
        rows = list(households)
        for household in rows:
            code = new_code()
            household.code_hash = _hash(code)
            household.code_issued_at = now
            issued.append((household, grouped(code)))
        Household.objects.bulk_update(rows, ["code_hash", "code_issued_at"], batch_size=500)
        HouseholdSession.objects.filter(household__in=rows, ended_at__isnull=True).update(
            ended_at=now
        )
    return issued


def household_by_code(typed: str) -> Household | None:
    """The household whose code this is, or None: one lookup on the unique index."""
    code = normalise(typed)
    if len(code) != DIGITS:
        return None
    return Household.objects.with_address().filter(code_hash=_hash(code)).first()


def session_open(*, household) -> str:
    """A new session of this household; returns the key the cookie carries (signed)."""
    key = secrets.token_urlsafe(32)
    HouseholdSession.objects.create(household=household, key_hash=_hash("session:" + key))
    return key


def session_of(key: str, *, max_age) -> HouseholdSession | None:
    """The open session with this key, its household and places joined: one query."""
    if not key:
        return None
    return (
        HouseholdSession.objects.select_related(
            "household__community", "household__building_group__compound", "household__street_zone"
        )
        .filter(
            key_hash=_hash("session:" + key),
            ended_at__isnull=True,
            opened_at__gte=timezone.now() - max_age,
        )
        .first()
    )


def session_end(*, key: str) -> None:
    HouseholdSession.objects.filter(key_hash=_hash("session:" + key), ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
