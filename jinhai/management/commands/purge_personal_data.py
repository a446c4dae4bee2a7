from django.conf import settings
from django.core.management.base import BaseCommand

from jinhai.personal_data import purge_personal_data


class Command(BaseCommand):
    help = (
        "匿名化角色已结束多年的人员的个人信息(姓名、手机号、照片),并删除其审计记录。"
        "年限默认取设置 PERSONAL_DATA_RETENTION_YEARS。管理后台 › 后台任务 也可以发起。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=settings.PERSONAL_DATA_RETENTION_YEARS)
        parser.add_argument("--dry-run", action="store_true", help="只统计,不修改")

    def handle(self, *args, years, dry_run, **options):
        result = purge_personal_data(years=years, dry_run=dry_run)
        for name, count in result.counts:
            self.stdout.write(f"{name}:{count} 人")
        self.stdout.write(self.style.SUCCESS(result.summary()))
