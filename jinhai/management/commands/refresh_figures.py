from django.core.management.base import BaseCommand

from jinhai.summaries import refresh_all


class Command(BaseCommand):
    help = (
        "重算数据公开页所用的各街道统计(jinhai.summaries)。平时由后台任务在数据改动后重算;"
        "导入大批数据、恢复备份之后可以运行本命令一次算齐。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--subdistrict", type=int, help="只重算这个街道(编号)")

    def handle(self, *args, subdistrict=None, **options):
        written = 0
        for name, n in refresh_all(subdistrict_id=subdistrict):
            written += n
            self.stdout.write(f"{name}:{n} 条")
        self.stdout.write(self.style.SUCCESS(f"共重算 {written} 条统计。"))
