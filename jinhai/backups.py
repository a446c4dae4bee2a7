"""Backups of the database to one file, for `manage.py backup_db` and the backup job.

PostgreSQL through `pg_dump --format=custom` (restore with pg_restore), SQLite through the online
backup API (the file is the restored database). Uploaded photos (MEDIA_ROOT) are not in it.
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.db import connection

Progress = Callable[[int, int], None]


class BackupFailed(Exception):
    """Why the backup could not be made (Chinese)."""


def backup(target: Path, *, progress: Progress | None = None) -> int:
    """Write a backup of the default database to `target`; return its size in bytes.

    `progress(done, total)` is called as it goes: tables dumped (PostgreSQL), or once at the end
    (SQLite, which copies in one step)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        _postgres(target, progress or _silent)
    elif connection.vendor == "sqlite":
        _sqlite(target, progress or _silent)
    else:
        raise BackupFailed(f"不支持的数据库:{connection.vendor}")
    return target.stat().st_size


def _silent(done, total):
    pass


def _postgres(target, progress):
    if not shutil.which("pg_dump"):
        raise BackupFailed("找不到 pg_dump:请安装与服务器同版本的 PostgreSQL 客户端。")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
        )
        tables = cursor.fetchone()[0]
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    host, port = settings.get("HOST") or "localhost", settings.get("PORT") or 5432
    command = [
        "pg_dump", "--format=custom", "--no-owner", "--verbose", f"--file={target}",
        f"--host={host}", f"--port={port}", f"--username={settings.get('USER') or 'postgres'}",
        settings["NAME"],
    ]  # fmt: skip
    # --verbose names each table as its rows are dumped: that is the progress.
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    dumped, messages = 0, []
    for line in process.stderr:
        if "dumping contents of table" in line:
            dumped += 1
            progress(min(dumped, tables), tables)
        elif "error" in line.lower():
            messages.append(line.strip())
    if process.wait():
        raise BackupFailed(f"pg_dump 失败:{' '.join(messages) or process.returncode}")
    progress(tables, tables)


def _sqlite(target, progress):
    # The online backup API copies a consistent snapshot even while the site is writing.
    # In one step: a progress report between steps writes to the database being copied (the
    # job's row), and a write from elsewhere makes SQLite start the copy again.
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()
    progress(1, 1)
