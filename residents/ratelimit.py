"""Counting wrong household codes: per address and from everywhere together, in fixed windows
kept in the shared cache, so that guessing a 15-digit code stays hopeless and a resident who
mistypes hears when to try again."""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def _window():
    minutes = settings.HOUSEHOLD_CODE_WINDOW_MINUTES
    now = int(timezone.now().timestamp())
    start = now - now % (minutes * 60)
    return start, start + minutes * 60


def _keys(address):
    start, _ = _window()
    return f"household-code:{address}:{start}", f"household-code:*:{start}"


def blocked_until(address) -> datetime.datetime | None:
    """When this address may try again, or None when it may try now."""
    mine, everyone = _keys(address)
    counts = cache.get_many([mine, everyone])
    if (
        counts.get(mine, 0) >= settings.HOUSEHOLD_CODE_TRIES
        or counts.get(everyone, 0) >= settings.HOUSEHOLD_CODE_TRIES_ALL
    ):
        return timezone.localtime(datetime.datetime.fromtimestamp(_window()[1], datetime.UTC))
    return None


def count_wrong(address) -> None:
    timeout = settings.HOUSEHOLD_CODE_WINDOW_MINUTES * 60 + 5
    for key in _keys(address):
        if not cache.add(key, 1, timeout):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout)
