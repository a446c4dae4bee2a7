"""Benchmark: the public figures counted from the rows vs read from the summaries, in one run.

    BENCH_DATABASE_URL=postgres://…/jinhai_city .venv/bin/python bench/figures_summaries.py

Run it on a database `bench/city_scale.py --keep` built. It refreshes every subdistrict's
summaries (`manage.py refresh_figures`, timed), then times, median of three, the city's and one
subdistrict's figures both ways (the charts built, no page rendered) and prints the ratios.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(function, times=3):
    function()  # warm up
    runs = []
    for _ in range(times):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    os.environ.setdefault("DEBUG", "true")  # development settings: no SECRET_KEY needed
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jinhai_city"
    )
    import django

    django.setup()
    from communities.models import Subdistrict
    from jinhai import summaries
    from jinhai.figures import Years, charts_from, portal_charts
    from jinhai.scoping import Scope

    started = time.perf_counter()
    written = sum(n for _, n in summaries.refresh_all())
    print(f"refresh_figures: {written} summaries in {time.perf_counter() - started:.1f} s")
    one = Subdistrict.objects.order_by("-pk").values_list("pk", flat=True).first()

    def counted(scope):
        return lambda: portal_charts(scope, Years.pick(scope))

    def summed(pk=None):
        def read():
            found = summaries.read(subdistrict_id=pk)
            return charts_from(found.facts, found.years)

        return read

    for name, scope, pk in [
        ("city", Scope(everything=True), None),
        (f"subdistrict {one}", Scope(subdistrict_id=one), one),
    ]:
        rows, kept = median_ms(counted(scope)), median_ms(summed(pk))
        print(f"{name:<16} counted {rows:8.1f} ms   summaries {kept:6.1f} ms   x{rows / kept:,.0f}")


if __name__ == "__main__":
    main()
