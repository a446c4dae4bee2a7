from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jinhai.backups import BackupFailed, backup


class Command(BaseCommand):
    help = (
        "备份数据库到一个文件:PostgreSQL 用 pg_dump(自定义格式,用 pg_restore 恢复),"
        "SQLite 用在线备份(得到一个可直接使用的数据库文件)。"
        "上传的照片在 MEDIA_ROOT,请一并备份。管理后台 › 后台任务 也可以发起备份。"
    )

    def add_arguments(self, parser):
        parser.add_argument("target", type=Path, help="备份文件路径")

    def handle(self, *args, target, **options):
        try:
            size = backup(target)
        except BackupFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已备份到 {target}({size:,} 字节)"))
