import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = (
        "备份数据库到一个文件:PostgreSQL 用 pg_dump(自定义格式,用 pg_restore 恢复),"
        "SQLite 用在线备份(得到一个可直接使用的数据库文件)。"
        "上传的照片在 MEDIA_ROOT,请一并备份。"
    )

    def add_arguments(self, parser):
        parser.add_argument("target", type=Path, help="备份文件路径")

    def handle(self, *args, target, **options):
        target.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "postgresql":
            self._postgres(target)
        elif connection.vendor == "sqlite":
            self._sqlite(target)
        else:
            raise CommandError(f"不支持的数据库:{connection.vendor}")
        size = target.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"已备份到 {target}({size:,} 字节)"))

    def _postgres(self, target):
        if not shutil.which("pg_dump"):
            raise CommandError("找不到 pg_dump:请安装与服务器同版本的 PostgreSQL 客户端。")
        settings = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        host, port = settings.get("HOST") or "localhost", settings.get("PORT") or 5432
        command = [
            "pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--host={host}",
            f"--port={port}", f"--username={settings.get('USER') or 'postgres'}", settings["NAME"],
        ]  # fmt: skip
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode:
            raise CommandError(f"pg_dump 失败:{result.stderr.strip()}")

    def _sqlite(self, target):
        # The online backup API copies a consistent snapshot even while the site is writing.
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
