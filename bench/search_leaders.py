"""Benchmark: the public search over 50,000 leaders' names on PostgreSQL.

    .venv/bin/python bench/search_leaders.py [--leaders 50000] [--repeat 30]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
jinhai_search_bench; created and dropped). Loads 50,000 building groups, each with a current
leader whose name is drawn from common surnames and given-name characters (with COPY), then
VACUUM ANALYZE, and measures in one run, each query repeated and the median taken:

- the leaders part of the search as the page runs it (`jinhai.search.ranked`: matching rows
  ranked, counted by a window function, the first 20 with their units) for queries of one, two
  and three characters, with the access path the planner chose for the names table;
- the same three-character query with the trigram index dropped (inside a transaction that is
  rolled back), to show what the index saves;
- the whole search (all six kinds, six queries) for each query.

pg_trgm needs three characters to use the index: a one- or two-character query reads every name
(a sequential scan), which is what this measures for those.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.benchdb import throwaway_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jinhai_search_bench"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯"
    "俊帆晨欣怡佳雨婷雪琳晓建国志新海波峰"
)

QUERIES = [
    ("1 character, a common surname", "张"),
    ("1 character, a given-name character", "俊"),
    ("2 characters", "张伟"),
    ("3 characters", "张伟俊"),
    ("3 characters, no match", "欧阳修"),
]


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaders", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    with throwaway_database(DEFAULT_URL) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 50,
        }
        os.environ.update(env)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True
        )
        run(args)


def load(n):
    import datetime

    from django.db import connection, transaction

    from communities.models import BuildingGroup, Community, Compound, Subdistrict
    from jinhai.db import bulk_insert
    from volunteers.models import Appointment, Volunteer

    rng = random.Random(1)
    subdistrict = Subdistrict.objects.create(name="基准街道")
    communities = Community.objects.bulk_create(
        Community(subdistrict=subdistrict, name=f"基准{i}社区") for i in range(50)
    )
    compounds = Compound.objects.bulk_create(
        Compound(community=communities[i % 50], name=f"基准{i}苑") for i in range(1000)
    )
    per = n // len(compounds) + 1
    groups = BuildingGroup.objects.bulk_create(
        (BuildingGroup(compound=c, name=f"{k}号楼") for c in compounds for k in range(1, per + 1)),
        batch_size=5000,
    )[:n]
    with transaction.atomic():
        bulk_insert(
            Volunteer,
            [
                Volunteer(
                    community_id=groups[i].compound.community_id,
                    name=rng.choice(SURNAMES)
                    + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))),
                    mobile=f"13{i:09d}",
                )
                for i in range(n)
            ],
        )
    volunteers = list(Volunteer.objects.order_by("pk").values_list("pk", flat=True))
    day = datetime.date(2022, 7, 15)
    with transaction.atomic():
        bulk_insert(
            Appointment,
            [
                Appointment(volunteer_id=v, kind="building", building_group=g, start=day)
                for v, g in zip(volunteers, groups, strict=True)
            ],
        )
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time anyone searches.
        cursor.execute("VACUUM ANALYZE")


def run(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from jinhai import search
    from volunteers.models import Volunteer

    started = time.perf_counter()
    load(args.leaders)
    with connection.cursor() as cursor:
        cursor.execute("SHOW lc_ctype")
        (ctype,) = cursor.fetchone()
        cursor.execute("SELECT array_length(show_trgm('金海街道'), 1)")
        (trigrams,) = cursor.fetchone()
    print(
        f"{Volunteer.objects.count():,} current leaders loaded in "
        f"{time.perf_counter() - started:.0f} s; PostgreSQL {connection.pg_version // 10000}, "
        f"LC_CTYPE {ctype}, show_trgm('金海街道') has {trigrams} trigrams"
    )
    leaders = next(k for k in search.kinds() if k.key == "leaders")

    def access_path(queryset):
        plan = queryset.explain()
        if "volunteer_name_trgm" in plan:
            return "trigram index"
        return "sequential scan" if "Seq Scan on volunteers_volunteer" in plan else "other"

    print(f"{'query':<36} {'matches':>8} {'leaders':>9} {'all six':>9}  names read by")
    for label, q in QUERIES:
        query = search.parse(q)
        ranked = search.ranked(leaders, query)
        rows = list(ranked[:20])
        total = rows[0].search_total if rows else 0
        one = median_ms(lambda ranked=ranked: list(ranked[:20]), args.repeat)
        every = median_ms(lambda query=query: search.run(query), args.repeat)
        print(
            f"{label + ' ' + q:<36} {total:>8,} {one:>7.1f}ms {every:>7.1f}ms  "
            f"{access_path(ranked[:20])}"
        )
    query = search.parse(QUERIES[3][1])
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX volunteer_name_trgm")
        ranked = search.ranked(leaders, query)
        without = median_ms(lambda: list(ranked[:20]), args.repeat)
        path = access_path(ranked[:20])
        transaction.set_rollback(True)
    print(f"{'3 characters, index dropped':<36} {'':>8} {without:>7.1f}ms {'':>9}  {path}")


if __name__ == "__main__":
    main()
