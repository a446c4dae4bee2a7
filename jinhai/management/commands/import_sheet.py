import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from jinhai.imports.base import resource_registry
from jinhai.imports.formats import SheetFormat
from jinhai.imports.reading import SheetError


class Command(BaseCommand):
    help = (
        "导入一个表格文件(.xlsx 或 CSV),规则、权限范围和提示与管理后台的导入相同。"
        "文件有任何一行出错则不写入任何数据,并列出每一个出错的行;此时退出码非零。"
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", help="导入类型,如 places(小区楼组)")
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="以哪个账号的权限范围导入")
        parser.add_argument("--dry-run", action="store_true", help="只检查,不写入")

    def handle(self, *args, resource, file, user, dry_run, **options):
        registry = resource_registry()
        if resource not in registry:
            raise CommandError(f"没有导入类型“{resource}”。可用:{', '.join(registry)}")
        try:
            account = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"账号“{user}”不存在或已停用。") from exc
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}:{exc.strerror}") from exc
        resource_class = registry[resource]
        if not resource_class.may_import(account):
            raise CommandError(f"账号“{user}”没有导入“{resource_class.title}”的权限。")
        try:
            dataset = SheetFormat.for_resource(resource_class)().create_dataset(data)
        except SheetError as exc:
            raise CommandError(str(exc)) from exc
        importer = resource_class(user=account)
        if self.stdout.isatty():
            importer.progress = self._progress
        result = importer.import_data(
            dataset,
            dry_run=dry_run,
            rollback_on_validation_errors=True,
            file_name=file.name,
            user=account,
        )
        if self.stdout.isatty():
            self.stdout.write("")
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        if result.has_errors():
            for error in result.base_errors:
                self.stderr.write(str(error.error))
            raise CommandError("文件未导入,未写入任何数据。")
        if result.has_validation_errors():
            for number, column, reason in result.error_items:
                self.stderr.write(f"第 {number} 行 {column or ''}:{reason}")
            raise CommandError(f"文件中有 {len(result.error_items)} 处错误,未写入任何数据。")
        verb = "检查通过(未写入)" if dry_run else "导入完成"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}:共 {result.total_rows} 行,新建 {result.created} 行,"
                f"更新 {result.updated} 行,{result.unchanged} 行无变化。"
            )
        )

    def _progress(self, done, total):
        width = 40
        filled = width * done // max(total, 1)
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} 行")
        sys.stdout.flush()
