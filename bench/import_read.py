"""Benchmark: reading office files, and the 100,000-row points import, in one run.

    .venv/bin/python bench/import_read.py [--rows 50000] [--points 100000] [--no-points]

1. Reading: a 50,000-row 小区楼组 workbook written by openpyxl, read the old way (openpyxl,
   read_only, every cell) and by the portal's reader (calamine, `read_sheet`: the zip check, the
   sheet choice and the table included); the same sheet saved as .xls and .ods by LibreOffice
   (when `soffice` is installed) read by the portal's reader. Each read runs in a fresh process,
   so peak memory (max RSS) is the read's own. Prints seconds and the openpyxl/calamine ratio.
2. Points (needs PostgreSQL: DATABASE_URL-style BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/jinhai_bench_read, created and dropped): a 100,000-row
   积分明细
   .xlsx over 10,000 household accounts, its preview (dry run) and its confirm, each in a fresh
   process as the admin runs them (SheetFormat + PointsResource.import_data). Prints seconds and
   peak memory, the process's own and that of the child that reads the file.
"""

import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PLACES = ["社区", "小区", "楼组", "户数", "地址"]
POINTS = ["日期", "约定", "细则编号", "小区", "楼组", "室号", "备注"]
GROUPS, ROOMS = 200, 50
ENV = {"DEBUG": "false", "SECRET_KEY": "bench-only-key-" + "x" * 40}


def write_places(n, path):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("小区楼组")
    sheet.append(PLACES)
    for i in range(n):
        community, compound = f"社区{i % 50:02d}", f"小区{i % 2000:04d}"
        sheet.append([community, compound, f"{i}号楼", 12 + i % 30, "金海路"])
    book.save(path)


def read_phase(how, path):
    if how != "openpyxl":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
        import django

        django.setup()
    # Timed from here: Django's start-up is no part of reading a file.
    started = time.perf_counter()
    if how == "openpyxl":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
        book.close()
    else:
        from communities.resources import PlacesResource
        from jinhai.imports.reading import read_sheet

        sheet = read_sheet(
            Path(path).read_bytes(),
            known_headers=PlacesResource.known_headers(),
            required_headers=PlacesResource.required_headers(),
        )
        rows = len(sheet.rows)
    seconds = time.perf_counter() - started
    # The portal reads in a child process (jinhai.imports.child): the larger peak is the read's.
    peak = max(
        resource.getrusage(who).ru_maxrss / 1024
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak}))


def in_process(*args, env=None):
    out = subprocess.run(
        [sys.executable, __file__, *args],
        env={**os.environ, **ENV, **(env or {})},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"{args} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def points_world():
    """A community with 200 building groups, a running scheme and an uncapped rule."""
    from communities.models import BuildingGroup, Community, Compound, Subdistrict
    from self_governance.agreements.models import AgreementScheme, Rule

    subdistrict = Subdistrict.objects.create(name="基准街道")
    community = Community.objects.create(subdistrict=subdistrict, name="基准社区")
    compound = Compound.objects.create(community=community, name="基准苑")
    BuildingGroup.objects.bulk_create(
        [BuildingGroup(compound=compound, name=f"{g}号楼") for g in range(1, GROUPS + 1)]
    )
    scheme = AgreementScheme.objects.create(
        community=community,
        name="基准美丽约定",
        kind="general",
        text="基准",
        start=datetime.date(2022, 1, 1),
        status="active",
    )
    Rule.objects.create(scheme=scheme, code="B01", description="垃圾分类", points=2)


def write_points(n, path):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("积分明细")
    sheet.append(POINTS)
    start = datetime.date(2022, 1, 1)
    for i in range(n):
        account = i % (GROUPS * ROOMS)
        group, room = account // ROOMS + 1, 100 + account % ROOMS
        day = start + datetime.timedelta(days=i // (GROUPS * ROOMS))
        sheet.append([day, "基准美丽约定", "B01", "基准苑", f"{group}号楼", f"{room}室", ""])
    book.save(path)


def points_phase(name, path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from jinhai.imports.formats import SheetFormat
    from self_governance.agreements.models import PointEntry
    from self_governance.agreements.resources import PointsResource

    if name == "setup":
        points_world()
        print(json.dumps({}))
        return
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    started = time.perf_counter()
    dataset = SheetFormat.for_resource(PointsResource)().create_dataset(Path(path).read_bytes())
    result = PointsResource(user=user).import_data(
        dataset, dry_run=name == "preview", rollback_on_validation_errors=True, user=user
    )
    seconds = time.perf_counter() - started
    assert not result.has_errors() and not result.has_validation_errors(), result.error_items[:5]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The file is read in a child process (jinhai.imports.child): its peak is its own.
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rows": result.total_rows,
                "seconds": seconds,
                "peak_mb": peak,
                "child_peak_mb": child,
                "entries": PointEntry.objects.count(),
            }
        )
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--no-points", action="store_true")
    parser.add_argument("--read")
    parser.add_argument("--phase")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.read:
        return read_phase(args.read, args.file)
    if args.phase:
        return points_phase(args.phase, args.file)

    folder = Path(tempfile.mkdtemp(prefix="import-read-"))
    try:
        xlsx = folder / "places.xlsx"
        write_places(args.rows, xlsx)
        old = in_process("--read", "openpyxl", "--file", str(xlsx))
        new = in_process("--read", "calamine", "--file", str(xlsx))
        print(f"reading {args.rows:,} xlsx rows:")
        print(f"  openpyxl (old reader)  {old['seconds']:6.2f} s  peak {old['peak_mb']:4.0f} MB")
        print(f"  calamine (read_sheet)  {new['seconds']:6.2f} s  peak {new['peak_mb']:4.0f} MB")
        print(f"  ratio openpyxl/calamine: {old['seconds'] / new['seconds']:.1f}x")
        soffice = shutil.which("soffice")
        for extension, filter_name in (("xls", "xls:MS Excel 97"), ("ods", "ods")):
            if not soffice:
                print(f"  .{extension}: soffice not installed, not measured")
                continue
            subprocess.run(
                [soffice, "--headless", "--convert-to", filter_name, "--outdir", str(folder)]
                + [str(xlsx)],
                check=True,
                capture_output=True,
                timeout=600,
            )
            got = in_process("--read", "calamine", "--file", str(folder / f"places.{extension}"))
            print(
                f"  .{extension} (read_sheet)       {got['seconds']:6.2f} s  "
                f"peak {got['peak_mb']:4.0f} MB  ({got['rows']:,} rows)"
            )
        if args.no_points:
            return
        from bench.benchdb import throwaway_database

        points = folder / "points.xlsx"
        write_points(args.points, points)
        default = "postgres://postgres@127.0.0.1:5432/jinhai_bench_read"
        with throwaway_database(default) as url:
            env = {"DATABASE_URL": url}
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"],
                env={**os.environ, **ENV, **env},
                cwd=ROOT,
                check=True,
            )
            in_process("--phase", "setup", env=env)
            print(f"points import, {args.points:,} rows over {GROUPS * ROOMS:,} households:")
            for name in ("preview", "confirm"):
                got = in_process("--phase", name, "--file", str(points), env=env)
                print(
                    f"  {name:8s} {got['seconds']:6.2f} s  peak {got['peak_mb']:4.0f} MB  "
                    f"(reading child {got['child_peak_mb']:4.0f} MB)  "
                    f"({got['entries']:,} entries after)"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
