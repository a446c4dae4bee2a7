"""What the parts of a deployment cost per unit of data, measured here, for the README's
deployment picture (the estimates for 1/10 and full city scale are computed from these).

    .venv/bin/python bench/deploy_parts.py [--entries 500000]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/jinhai_parts;
created and dropped) and Redis at 127.0.0.1:6379 (keys under a random prefix, removed after).
Loads the demo and then `--entries` extra ledger entries with COPY, and measures in one run:

- bytes per ledger entry on disk (table + indexes), and the whole database;
- pg_dump --format=custom: seconds, size, MB/s (what a backup job costs);
- an export job of ledger entries run through jobs.services (worker code, in process): rows/s;
- the replica freshness check (jinhai.replicas.replica_is_current) against the primary itself
  standing in for a replica: ms per public cache miss (two round trips);
- Redis: bytes of a cached public page and of a staff session, and ms per cached-page read.
"""

import argparse
import datetime
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.benchdb import throwaway_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jinhai_parts"


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=500_000)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    prefix = f"jinhai-bench-{secrets.token_hex(4)}"
    with throwaway_database(DEFAULT_URL) as url, tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            # The primary stands in for its replica: the check's cost is its two round trips.
            "DATABASE_REPLICA_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 50,
            "CACHE_URL": f"redis://127.0.0.1:6379/0?key_prefix={prefix}",
            "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
            "JOB_FILES_ROOT": str(Path(tmp) / "jobfiles"),
            "STATIC_ROOT": str(Path(tmp) / "static"),
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
        }
        os.environ.update(env)
        for command in (["migrate", "-v0"], ["load_demo"], ["collectstatic", "--noinput"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], env=env, cwd=ROOT, check=True,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        try:
            run(args, url, Path(tmp))
        finally:
            import redis

            client = redis.Redis()
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)


def run(args, url, tmp):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client

    from jinhai.db import bulk_insert
    from self_governance.models import Account, PointEntry, Rule

    rng = random.Random(1)
    accounts = list(Account.objects.all())
    rules = list(Rule.objects.filter(points__gt=0))
    days = [datetime.date(2022, 1, 1) + datetime.timedelta(days=d) for d in range(365)]
    with connection.cursor() as cursor:
        # A bulk load: the balances are not what this measures.
        cursor.execute(
            "ALTER TABLE self_governance_pointentry DISABLE TRIGGER point_entry_keeps_balance"
        )

    def load(count):
        for start in range(0, count, 100_000):
            batch = []
            for _ in range(min(100_000, count - start)):
                rule = rng.choice(rules)
                account = rng.choice(by_scheme[rule.scheme_id])
                batch.append(
                    PointEntry(account=account, rule=rule, kind="award", points=rule.points,
                               date=rng.choice(days))
                )  # fmt: skip
            with transaction.atomic():
                bulk_insert(PointEntry, batch)

    by_scheme = {}
    for account in accounts:
        by_scheme.setdefault(account.scheme_id, []).append(account)
    rules = [r for r in rules if r.scheme_id in by_scheme]
    # The export is timed on a ledger of 20,000 rows, the sizes on the full one.
    load(20_000)
    from import_export.forms import SelectableFieldsExportForm

    from jinhai.jobs import services
    from jinhai.jobs.models import Job, JobKind

    admin_user = get_user_model().objects.create_superuser("bench-root", password="x")
    from django.contrib import admin

    model_admin = admin.site.get_model_admin(PointEntry)
    form = SelectableFieldsExportForm(
        model_admin.get_export_formats(), model_admin.get_export_resource_classes(None)
    )
    fields = {
        name: ["on"]
        for name, field in form.fields.items()
        if name not in ("format", "resource", "export_items")
    }
    csv_index = next(
        i for i, f in enumerate(model_admin.get_export_formats()) if f().get_extension() == "csv"
    )
    post = {"format": [str(csv_index)], "resource": ["0"], **fields}
    check = SelectableFieldsExportForm(
        model_admin.get_export_formats(), model_admin.get_export_resource_classes(None),
        data={k: v[0] for k, v in post.items()},
    )  # fmt: skip
    assert check.is_valid(), check.errors
    job = services.start(
        JobKind.EXPORT, user=admin_user, title="基准导出",
        params={"model": "self_governance.pointentry", "query": "", "post": post},
    )  # fmt: skip
    started = time.perf_counter()
    services.run(str(job.pk))
    seconds = time.perf_counter() - started
    job = Job.objects.get(pk=job.pk)
    assert job.status == "succeeded", job.error
    print(
        f"export job: {job.summary} {seconds:.1f} s, {job.done / seconds:,.0f} rows/s, "
        f"file {job.file.size / 1024**2:.1f} MB ({job.status})"
    )

    load(args.entries - 20_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT count(*), pg_total_relation_size('self_governance_pointentry'), "
            "pg_database_size(current_database()) FROM self_governance_pointentry"
        )
        entries, ledger_bytes, db_bytes = cursor.fetchone()
    print(
        f"ledger: {entries:,} entries, {ledger_bytes / entries:.0f} bytes each with indexes; "
        f"database {db_bytes / 1024**2:.0f} MB"
    )

    dump = tmp / "b.dump"
    started = time.perf_counter()
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", url], check=True)
    seconds = time.perf_counter() - started
    size = dump.stat().st_size
    print(
        f"pg_dump: {seconds:.1f} s, {size / 1024**2:.0f} MB "
        f"({db_bytes / 1024**2 / seconds:.0f} MB of database per second, "
        f"dump {size / db_bytes:.0%} of the database)"
    )

    from jinhai.replicas import replica_is_current

    replica_is_current()
    print(f"replica check per public cache miss: {median_ms(replica_is_current, 300):.2f} ms")

    import redis
    from django.conf import settings

    client = redis.Redis()
    browser = Client()
    for path in ("/", "/communities/", "/agreements/"):
        browser.get(path)
    page_keys = [k for k in client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
                 if b"public:page" in k]  # fmt: skip
    sizes = [client.memory_usage(k) for k in page_keys]
    read = median_ms(lambda: browser.get("/communities/"), 300)
    staff = Client()
    staff.force_login(admin_user)
    staff.get("/admin/")
    session_keys = [k for k in client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
                    if b"session" in k]  # fmt: skip
    print(
        f"redis: cached pages {min(sizes):,}–{max(sizes):,} bytes ({len(sizes)} pages), "
        f"a session {client.memory_usage(session_keys[0]):,} bytes; "
        f"a cached page served in process {read:.2f} ms"
    )


if __name__ == "__main__":
    main()
