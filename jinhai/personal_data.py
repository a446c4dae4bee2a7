"""Retention of personal data, for `manage.py purge_personal_data` and the purge job.

Each app that holds personal data says how to anonymise it in its own `retention.py`
(`anonymise(cutoff, dry_run=...) -> number of people`); this runs them all in one transaction.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string, module_has_submodule

from .caching import data_changed


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime.date
    dry_run: bool
    counts: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    def summary(self) -> str:
        verb = "将匿名化" if self.dry_run else "已匿名化"
        return f"{verb} {self.total} 人({self.cutoff:%Y-%m-%d} 之前离任)。"


def cutoff_for(years: int, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def purge_personal_data(
    *, years: int, dry_run: bool, progress: Callable[[int, int], None] | None = None
) -> PurgeResult:
    cutoff = cutoff_for(years)
    configs = [c for c in apps.get_app_configs() if module_has_submodule(c.module, "retention")]
    counts = []
    with transaction.atomic():
        for done, app_config in enumerate(configs):
            if progress:
                progress(done, len(configs))
            anonymise = import_string(f"{app_config.name}.retention.anonymise")
            counts.append((str(app_config.verbose_name), anonymise(cutoff, dry_run=dry_run)))
        result = PurgeResult(cutoff=cutoff, dry_run=dry_run, counts=counts)
        if result.total and not dry_run:
            # Anonymising is QuerySet.update(), which sends no post_save.
            data_changed()
    if progress:
        progress(len(configs), len(configs))
    return result
