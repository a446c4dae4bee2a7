"""Benchmark: every public and admin page at demo size, 1/100 and 1/10 of Shanghai.

    .venv/bin/python bench/city_scale.py --size 0.01          # demo, then 1/100
    .venv/bin/python bench/city_scale.py --size 0.1           # demo, 1/100, then 1/10
    .venv/bin/python bench/city_scale.py --size 0.1 --keep    # keep the database afterwards
    .venv/bin/python bench/city_scale.py --measure-only --keep  # measure a kept database again
    .venv/bin/python bench/city_scale.py --size 0.1 --only admin:self_governance_pointentry

Needs PostgreSQL: BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/jinhai_city,
created and dropped (kept with --keep; a kept database is grown further, not rebuilt). It
migrates, loads the demo and measures; then grows the data with `bench/citygen.py` (COPY, the
ledger's real trigger), checks that every balance is the sum of its entries, runs VACUUM ANALYZE,
counts the figure summaries (as `refresh_figures` after an import) and measures again, for each
size up to --size. Growing to 1/10 took 590 s on the 2-core development machine at a load
average of 5-7, and the database is about 4 GB.

Each page is requested in this process through Django's test client with production settings
and the public page cache off: once to warm up, then the median of three; a page that takes more
than 5 s is timed once. It prints, per page and user, milliseconds, queries and kilobytes at each
size, as a Markdown table for the README. Users: anonymous for public pages; for the admin a
superuser, street staff of one subdistrict and staff of one community (the demo's 金海街道 and
正学社区 at demo size, generated ones after growth, which are as large as any).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jinhai_city"
SIZES = [0.01, 0.1]
SLOW = 5.0  # seconds: such a page is timed once


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=0.01, help="largest size, e.g. 0.1")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--measure-only", action="store_true", help="measure a kept database")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    parser.add_argument("--no-admin", action="store_true")
    args = parser.parse_args()

    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not args.keep:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "PUBLIC_CACHE_TIMEOUT": "0",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "CACHE_URL": "locmemcache://",
        # Production settings serve hashed static files: collect them once, outside the checkout.
        "STATIC_ROOT": tempfile.mkdtemp(prefix="jinhai-city-static-"),
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True
        )
        if not exists:
            subprocess.run(
                [sys.executable, "manage.py", "load_demo"],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        run(args)
    finally:
        if not args.keep:
            with psycopg.connect(server + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    import django

    django.setup()
    from django.db import connection

    from bench import citygen

    results = {}  # size label -> {(page, user): (ms, queries, bytes, status)}
    if args.measure_only:
        label = size_label(citygen.generated_subdistricts() / 500)
        results[label] = measure(args)
    else:
        if citygen.generated_subdistricts() == 0:
            refresh_summaries()
            results["demo"] = measure(args)
        for size in [s for s in SIZES if s <= args.size + 1e-9]:
            plan = citygen.Plan.for_size(size)
            if citygen.generated_subdistricts() >= plan.subdistricts:
                continue
            print(f"growing to {size} ({plan.subdistricts} subdistricts) ...", flush=True)
            started = time.perf_counter()
            counts = citygen.grow(plan)
            print(f"  {sum(counts.values()):,} rows in {time.perf_counter() - started:.0f} s")
            check = citygen.check_ledger()
            print(f"  ledger check: {check}")
            if any(check.values()):
                raise SystemExit("balances disagree with the entries")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            refresh_summaries()
            print_counts()
            results[size_label(size)] = measure(args)
    print_table(results)


def size_label(size):
    return "demo" if size == 0 else f"1/{round(1 / size)}"


def refresh_summaries():
    """Count the figure summaries, as `manage.py refresh_figures` does after a bulk import: the
    COPY bypasses the saves that would queue it, and a page that finds a subdistrict without a
    summary counts it in the request, which is not what a running site does."""
    from jinhai.summaries import refresh_all

    started = time.perf_counter()
    written = sum(n for _, n in refresh_all())
    print(f"  {written:,} figure summaries in {time.perf_counter() - started:.0f} s", flush=True)


def print_counts():
    from django.apps import apps

    big = []
    for label in ("communities", "volunteers", "self_governance", "orgs"):
        for model in apps.get_app_config(label).get_models():
            n = model._default_manager.count()
            if n >= 1000:
                big.append(f"{model._meta.label} {n:,}")
    print("  rows: " + "; ".join(big), flush=True)


def users():
    """(label, user) for the admin: a superuser, street staff and community staff."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from bench.citygen import PREFIX
    from communities.models import Community, StaffProfile, Subdistrict
    from communities.roles import COMMUNITY_STAFF, STREET_STAFF

    User = get_user_model()
    root, _ = User.objects.get_or_create(
        username="city_root", defaults={"is_staff": True, "is_superuser": True}
    )
    generated = Subdistrict.objects.filter(name__startswith=PREFIX).order_by("pk").first()
    if generated is None:
        return [
            ("superuser", root),
            ("street", User.objects.get(username="jinhai")),
            ("community", User.objects.get(username="zhengxue")),
        ]
    street, _ = User.objects.get_or_create(username="city_street", defaults={"is_staff": True})
    community, _ = User.objects.get_or_create(
        username="city_community", defaults={"is_staff": True}
    )
    street.groups.add(Group.objects.get(name=STREET_STAFF))
    community.groups.add(Group.objects.get(name=COMMUNITY_STAFF))
    StaffProfile.objects.update_or_create(
        user=street, defaults={"subdistrict": generated, "community": None}
    )
    StaffProfile.objects.update_or_create(
        user=community,
        defaults={
            "subdistrict": None,
            "community": Community.objects.filter(subdistrict=generated).order_by("pk").first(),
        },
    )
    return [("superuser", root), ("street", street), ("community", community)]


def public_pages():
    from tests import public_pages as pages

    sample = pages.demo_sample()
    return [(name, pages.request_path(name, sample)) for name in pages.PAGES]


def admin_pages(user):
    """Every registered model's change list, add form and a full change form, and every other
    named admin page, for this user: [(name, path)]."""
    from django.contrib import admin
    from django.db.models import Count
    from django.test import RequestFactory
    from django.urls import NoReverseMatch, get_resolver, reverse

    request = RequestFactory().get("/admin/")
    request.user = user
    samples = {}
    found = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        found.append((f"{prefix}_changelist", reverse(f"{prefix}_changelist")))
        if model_admin.has_add_permission(request):
            found.append((f"{prefix}_add", reverse(f"{prefix}_add")))
        queryset = model_admin.get_queryset(request)
        # The fullest object: the one with the most rows of its first inline, else the newest.
        obj = None
        inlines = model_admin.get_inline_instances(request)
        if inlines:
            related = inlines[0].model
            field = next(
                (f for f in related._meta.get_fields() if f.is_relation and f.related_model is model
                 and f.many_to_one),
                None,
            )  # fmt: skip
            if field is not None:
                counted = Count(field.related_query_name())
                obj = queryset.annotate(bench_n=counted).order_by("-bench_n", "-pk").first()
        obj = obj or queryset.order_by("-pk").first()
        if obj is not None:
            samples[opts.model_name] = obj
            found.append((f"{prefix}_change", reverse(f"{prefix}_change", args=[obj.pk])))

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name and namespace == "admin:":
                yield "admin:" + pattern.name, pattern

    standard = ("_changelist", "_add", "_change", "_delete", "_history", "_import", "_export",
                "_process_import", "_import_template", "_autocomplete")  # fmt: skip
    for name, pattern in walk(get_resolver().url_patterns):
        if name.endswith(standard) or name in {n for n, _ in found}:
            continue
        if name in ("admin:logout", "admin:autocomplete", "admin:view_on_site", "admin:login"):
            continue
        args = []
        if "<int:pk>" in str(pattern.pattern) or "<path:object_id>" in str(pattern.pattern):
            model = next((m for m in samples if f"_{m}_" in name), None)
            if model is None:
                continue
            args = [samples[model].pk]
        try:
            found.append((name, reverse(name, args=args)))
        except NoReverseMatch:
            continue
    for extra in ("dashboard",):
        found.append((extra, reverse(extra)))
    return found


def timed(client, path):
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # A wrapper stays on the connection across the reconnects between requests.
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        response = client.get(path)
        first = time.perf_counter() - started
    body = b"".join(response) if response.streaming else response.content
    times = [first]
    if first < SLOW:
        for _ in range(3):
            started = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - started)
        times = times[1:]
    return statistics.median(times) * 1000, len(queries), len(body), response.status_code


def measure(args):
    from django.test import Client

    from jinhai.caching import data_changed

    data_changed()
    rows = {}
    anonymous = Client()
    for name, path in public_pages():
        if args.only and args.only not in name:
            continue
        rows[(name, "anonymous")] = result = timed(anonymous, path)
        report(name, "anonymous", result)
    if args.no_admin:
        return rows
    for label, user in users():
        client = Client()
        client.force_login(user)
        for name, path in admin_pages(user):
            if args.only and args.only not in name:
                continue
            rows[(name, label)] = result = timed(client, path)
            report(name, label, result)
    return rows


def report(name, user, result):
    ms, queries, size, status = result
    print(f"  {name:<58} {user:<10} {ms:9.1f} ms {queries:5d} q {size / 1024:8.1f} KB {status}",
          flush=True)  # fmt: skip


def print_table(results):
    sizes = list(results)
    keys = sorted({k for r in results.values() for k in r}, key=lambda k: (k[1] != "anonymous", k))
    head = "| page | user | " + " | ".join(f"{s} ms / q / KB" for s in sizes) + " |"
    print("\n" + head)
    print("|" + " --- |" * 2 + " ---: |" * len(sizes))
    for key in keys:
        cells = []
        for size in sizes:
            if key in results[size]:
                ms, q, b, status = results[size][key]
                mark = "" if status == 200 else f" ({status})"
                cells.append(f"{ms:,.0f} / {q} / {b / 1024:,.0f}{mark}")
            else:
                cells.append("")
        print(f"| `{key[0]}` | {key[1]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
