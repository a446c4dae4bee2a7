"""Benchmark: the 小区楼组 (places) import against django-import-export's defaults and COPY.

    .venv/bin/python bench/import_places.py [--rows 50000] [--baseline-rows N]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/jinhai_bench; the
database is created and dropped). One run generates a 50,000-row file (CSV and XLSX) over 50
communities and 2,000 compounds and, starting each phase from the same state (communities and
compounds present, no building groups), measures in a fresh process:

- ours: the portal's import (SheetFormat + PlacesResource), as the admin's confirm step runs it,
  and the preview (dry run) that comes before it;
- defaults: django-import-export's ModelResource with its defaults on the same model and file;
- floor: the same CSV parsed with the csv module and loaded with psycopg COPY.

It prints seconds, rows/s, SQL statements, peak memory (max RSS of the phase's process) and the
ratios. `--baseline-rows` times the defaults on the first N rows only and scales linearly (the
defaults cost the same per row throughout), for a quicker run; the output says when it did.
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jinhai_bench"
COMMUNITIES, COMPOUNDS = 50, 2000
HEADER = ["社区", "小区", "楼组", "户数", "地址"]


def rows(n):
    per_compound = max(1, n // COMPOUNDS)
    for i in range(n):
        compound = (i // per_compound) % COMPOUNDS
        community = compound % COMMUNITIES
        number = i % per_compound + 1 + (i // (per_compound * COMPOUNDS)) * per_compound
        yield [
            f"社区{community:02d}",
            f"社区{community:02d}-小区{compound:04d}",
            f"{number}号楼",
            str(12 + i % 30),
            f"金海路 {i % 900 + 1} 号",
        ]


def write_files(n, folder):
    import openpyxl

    data = [HEADER, *rows(n)]
    csv_path = folder / f"places-{n}.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(data)
    xlsx_path = folder / f"places-{n}.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("小区楼组")
    for row in data:
        sheet.append(row)
    workbook.save(xlsx_path)
    return csv_path, xlsx_path


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    import django

    django.setup()


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def reset():
    """Communities and compounds present, no building groups: the state every phase starts in."""
    from django.db import connection

    from communities.models import BuildingGroup, Community, Compound, Subdistrict

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE communities_buildinggroup RESTART IDENTITY CASCADE")
    if Compound.objects.count() == COMPOUNDS:
        return
    BuildingGroup.objects.all().delete()
    Compound.objects.all().delete()
    Community.objects.all().delete()
    subdistrict, _ = Subdistrict.objects.get_or_create(name="基准街道")
    communities = Community.objects.bulk_create(
        [Community(subdistrict=subdistrict, name=f"社区{i:02d}") for i in range(COMMUNITIES)]
    )
    Compound.objects.bulk_create(
        [
            Compound(
                community=communities[c % COMMUNITIES],
                name=f"社区{c % COMMUNITIES:02d}-小区{c:04d}",
            )
            for c in range(COMPOUNDS)
        ]
    )


def phase(name, path, limit):
    """Runs in its own process; prints one JSON line."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from communities.models import BuildingGroup

    reset()
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    data = Path(path).read_bytes()
    counter = StatementCounter()
    # COPY does not pass through Django's execute wrappers: count it where psycopg starts one.
    import psycopg

    original_copy = psycopg.Cursor.copy

    def counted_copy(self, *args, **kwargs):
        counter.count += 1
        return original_copy(self, *args, **kwargs)

    psycopg.Cursor.copy = counted_copy
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        if name in ("ours", "ours-preview"):
            from communities.resources import PlacesResource
            from jinhai.imports.formats import SheetFormat

            dataset = SheetFormat.for_resource(PlacesResource)().create_dataset(data)
            result = PlacesResource(user=user).import_data(
                dataset,
                dry_run=name == "ours-preview",
                rollback_on_validation_errors=True,
                file_name=Path(path).name,
                user=user,
            )
            assert not result.has_errors() and not result.has_validation_errors(), (
                result.error_items[:5]
            )
            rows_done = result.total_rows
        elif name == "defaults":
            from import_export import fields, resources, widgets
            from import_export.formats.base_formats import CSV

            from communities.models import Compound

            class DefaultPlaces(resources.ModelResource):
                compound = fields.Field(
                    attribute="compound",
                    column_name="小区",
                    widget=widgets.ForeignKeyWidget(Compound, field="name"),
                )
                name = fields.Field(attribute="name", column_name="楼组")
                households = fields.Field(attribute="households", column_name="户数")
                address = fields.Field(attribute="address", column_name="地址")

                class Meta:
                    model = BuildingGroup
                    fields = ("compound", "name", "households", "address")
                    import_id_fields = ("compound", "name")

            dataset = CSV(encoding="utf-8-sig").create_dataset(data.decode("utf-8-sig"))
            if limit:
                del dataset[limit:]
            result = DefaultPlaces().import_data(dataset, dry_run=False, user=user)
            assert not result.has_errors() and not result.has_validation_errors()
            rows_done = len(dataset)
        elif name == "floor":
            from communities.models import Compound

            ids = dict(Compound.objects.values_list("name", "pk"))
            reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
            header = next(reader)
            at = {h: i for i, h in enumerate(header)}
            raw = connection.connection  # the psycopg connection under Django's
            with (
                connection.cursor(),
                raw.cursor() as cursor,
                cursor.copy(
                    "COPY communities_buildinggroup (compound_id, name, households, address) "
                    "FROM STDIN"
                ) as copy,
            ):
                rows_done = 0
                for row in reader:
                    copy.write_row(
                        (
                            ids[row[at["小区"]]],
                            row[at["楼组"]],
                            int(row[at["户数"]]),
                            row[at["地址"]],
                        )
                    )
                    rows_done += 1
            raw.commit() if not raw.autocommit else None
        seconds = time.perf_counter() - started
    written = BuildingGroup.objects.count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "phase": name,
                "file": Path(path).suffix,
                "rows": rows_done,
                "written": written,
                "seconds": seconds,
                "statements": counter.count,
                "peak_mb": peak / 1024,
                "before_mb": rss_before / 1024,
            }
        )
    )


def run_phase(name, path, url, limit=0):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-key-" + "x" * 40,
    }
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--file", str(path), "--limit", str(limit)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"phase {name} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--baseline-rows", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and of ours")
    parser.add_argument("--phase")
    parser.add_argument("--file")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if args.phase:
        phase(args.phase, args.file, args.limit)
        return

    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    db_name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    try:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-key-" + "x" * 40,
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True
        )
        folder = ROOT / "bench" / "out"
        folder.mkdir(exist_ok=True)
        csv_path, xlsx_path = write_files(args.rows, folder)
        mb = [p.stat().st_size / 1e6 for p in (csv_path, xlsx_path)]
        sizes = f"CSV {mb[0]:.1f} MB, XLSX {mb[1]:.1f} MB"
        print(
            f"file: {args.rows:,} rows, {COMMUNITIES} communities, {COMPOUNDS:,} compounds; {sizes}"
        )
        # The floor and our CSV import alternate, three times each, and the median of each is
        # compared: on a shared two-core machine a single run of either can be off by half.
        runs = {"floor": [], "ours": []}
        for _ in range(args.repeat):
            for key in runs:
                runs[key].append(run_phase(key, csv_path, url))
        results = {
            key: sorted(r, key=lambda x: x["seconds"])[len(r) // 2] for key, r in runs.items()
        }
        results.update(
            {
                "ours-preview": run_phase("ours-preview", csv_path, url),
                "ours-xlsx": run_phase("ours", xlsx_path, url),
                "defaults": run_phase("defaults", csv_path, url, args.baseline_rows),
            }
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')

    defaults = results["defaults"]
    scaled = defaults["seconds"] * args.rows / defaults["rows"]
    ours, floor = results["ours"], results["floor"]
    table = [
        ("COPY floor (CSV)", "floor"),
        ("ours, confirm (CSV)", "ours"),
        ("ours, preview (CSV)", "ours-preview"),
        ("ours, confirm (XLSX)", "ours-xlsx"),
        ("import-export defaults", "defaults"),
    ]
    print(f"\n{'phase':<24}{'seconds':>9}{'rows/s':>10}{'SQL':>9}{'peak MB':>9}")
    for label, key in table:
        r = results[key]
        share = args.rows / r["rows"]
        seconds = r["seconds"] * share
        print(
            f"{label:<24}{seconds:>9.2f}{args.rows / seconds:>10,.0f}"
            f"{r['statements'] * share:>9,.0f}{r['peak_mb']:>9.0f}"
        )
    if defaults["rows"] != args.rows:
        print(f"(import-export defaults timed on its first {defaults['rows']:,} rows, scaled)")
    print(f"\nours vs defaults:      {scaled / ours['seconds']:.1f}x faster (aim: >= 20x)")
    print(
        f"ours vs COPY floor:    {ours['seconds'] / floor['seconds']:.1f}x the floor (aim: <= 5x)"
    )
    print(f"SQL statements, ours:  {ours['statements']} for {args.rows:,} rows (aim: < 50)")
    print(
        f"peak memory, ours:     {ours['peak_mb']:.0f} MB CSV, "
        f"{results['ours-xlsx']['peak_mb']:.0f} MB XLSX (aim: < 300 MB)"
    )
    for key in ("ours", "ours-xlsx", "floor", "defaults"):
        assert results[key]["written"] == results[key]["rows"], (key, results[key])


if __name__ == "__main__":
    main()
