from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string, module_has_submodule

from jinhai.caching import data_changed


class Command(BaseCommand):
    help = (
        "匿名化角色已结束多年的人员的个人信息(姓名、手机号、照片),并删除其审计记录。"
        "年限默认取设置 PERSONAL_DATA_RETENTION_YEARS。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=settings.PERSONAL_DATA_RETENTION_YEARS)
        parser.add_argument("--dry-run", action="store_true", help="只统计,不修改")

    def handle(self, *args, years, dry_run, **options):
        today = timezone.localdate()
        try:
            cutoff = today.replace(year=today.year - years)
        except ValueError:  # 29 February
            cutoff = today.replace(year=today.year - years, day=28)
        total = 0
        with transaction.atomic():
            # Each app that holds personal data says how to anonymise it, in its retention.py.
            for app_config in apps.get_app_configs():
                if not module_has_submodule(app_config.module, "retention"):
                    continue
                anonymise = import_string(f"{app_config.name}.retention.anonymise")
                count = anonymise(cutoff, dry_run=dry_run)
                total += count
                self.stdout.write(f"{app_config.verbose_name}:{count} 人")
            if total and not dry_run:
                # Anonymising is QuerySet.update(), which sends no post_save.
                data_changed()
        verb = "将匿名化" if dry_run else "已匿名化"
        self.stdout.write(self.style.SUCCESS(f"{verb} {total} 人({cutoff:%Y-%m-%d} 之前离任)。"))
