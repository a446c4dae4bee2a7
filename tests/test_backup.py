"""Backups round-trip the demo data: every row of every table comes back the same."""

import datetime
import decimal
import json
import sqlite3
import subprocess
import uuid
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection


def tables_of_django():
    return sorted(t for t in connection.introspection.table_names() if not t.startswith("sqlite_"))


def norm(value):
    """One spelling per value, whichever driver read it (Django's cursor adapts JSON and dates)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, datetime.date | decimal.Decimal):
        return str(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def rows_of(cursor_rows):
    return sorted(repr(tuple(norm(v) for v in row)) for row in cursor_rows)


def snapshot_django(tables):
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            rows[table] = rows_of(cursor.fetchall())
    return rows


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path):
    call_command("load_demo", stdout=StringIO())
    tables = tables_of_django()
    before = snapshot_django(tables)
    assert sum(len(rows) for rows in before.values()) > 5000
    target = tmp_path / "backup.dump"
    call_command("backup_db", str(target), stdout=StringIO())

    if connection.vendor == "sqlite":
        restored = sqlite3.connect(target)
        after = {t: rows_of(restored.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables}
        restored.close()
    else:
        settings = connection.settings_dict
        name = f"restore_{uuid.uuid4().hex[:8]}"
        host, port = settings["HOST"] or "localhost", settings["PORT"] or 5432
        base = f"host={host} port={port} user={settings['USER']}"
        with psycopg.connect(f"{base} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={base} dbname={name}", str(target)],
                check=True,
                capture_output=True,
            )
            with psycopg.connect(f"{base} dbname={name}") as restored:
                after = {
                    t: rows_of(restored.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables
                }
        finally:
            with psycopg.connect(f"{base} dbname=postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for table in tables:
        assert after[table] == before[table], table
