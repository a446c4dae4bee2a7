"""Benchmark: the public page cache's hit rate over a working day at 1/10 city, the old scheme
(one data version for the whole site) against the scoped one (jinhai.caching), in one run.

    .venv/bin/python bench/cache_day.py
    .venv/bin/python bench/cache_day.py --communities 600 --saves-per-community 15 --views 300000

It replays one stream of events through jinhai.caching's own key and version functions, on a
local-memory cache: staff saves spread over the communities (a few of them rows of a whole
subdistrict, such as an organization), and anonymous readers browsing the site-wide pages, the
subdistricts' pages and the communities' pages (communities by a Zipf law: a few are read much
more than the rest). Entries live PUBLIC_CACHE_TIMEOUT (300 s) of simulated time. The old scheme
is the same stream with every page keyed by the one site version and every save renewing it.
No database is read.
"""

import argparse
import os
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMUNITY_PAGES = [
    "communities:detail", "volunteers:community", "agreements:community", "fund:community",
    "orgs:community", "fund:project", "agreements:detail",
]  # fmt: skip
SITE_PAGES = ["home", "communities:list", "agreements:list", "fund:overview", "campaign:list",
              "orgs:list", "orgs:news", "orgs:stations", "orgs:station_map", "figures"]  # fmt: skip
DAY = 8 * 3600  # seconds of office hours


def events(args, rng):
    """(time, kind, community, subdistrict, page) in time order."""
    n_sub = max(1, args.communities // args.per_subdistrict)
    communities = range(1, args.communities + 1)  # ids from 1, as in the database
    subdistrict = {c: 1 + (c - 1) % n_sub for c in communities}
    weights = [1 / c**args.zipf for c in communities]
    stream = []
    for _ in range(args.communities * args.saves_per_community):
        community = rng.choice(communities)
        whole = rng.random() < args.street_share  # a row of the whole subdistrict
        stream.append((rng.uniform(0, DAY), "save", None if whole else community,
                       subdistrict[community], None))  # fmt: skip
    for community in rng.choices(communities, weights=weights, k=args.views):
        roll = rng.random()
        if roll < args.site_share:
            page, c, s = rng.choice(SITE_PAGES), None, None
        elif roll < args.site_share + args.subdistrict_share:
            page, c, s = "subdistrict", None, subdistrict[community]
        else:
            page, c, s = rng.choice(COMMUNITY_PAGES), community, subdistrict[community]
        stream.append((rng.uniform(0, DAY), "view", c, s, page))
    stream.sort(key=lambda e: e[0])
    return stream


def replay(stream, *, scoped, timeout):
    from django.core.cache import cache

    from jinhai import caching

    cache.clear()
    hits, views = Counter(), Counter()
    for when, kind, community, subdistrict, page in stream:
        if kind == "save":
            if scoped:
                caching.data_changed(community_id=community, subdistrict_id=subdistrict)
            else:
                caching.data_changed()
            continue
        if scoped and community is not None:
            place = caching.Place(subdistrict_id=subdistrict, community_id=community)
        elif scoped and subdistrict is not None:  # a subdistrict's page
            place = caching.Place(subdistrict_id=subdistrict)
        else:
            place = caching.SITE
        scope = (
            "community"
            if community is not None
            else "site"
            if subdistrict is None
            else ("subdistrict")
        )
        key = caching.page_key(f"/{page}/{community}/{subdistrict}/", "", place)
        stored = cache.get(key)
        views[scope] += 1
        if stored is not None and when - stored < timeout:
            hits[scope] += 1
        else:
            cache.set(key, when, None)
    return hits, views


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--communities", type=int, default=600)
    parser.add_argument("--per-subdistrict", type=int, default=12)
    parser.add_argument("--saves-per-community", type=int, default=15)
    parser.add_argument("--views", type=int, default=300_000)
    parser.add_argument("--site-share", type=float, default=0.2)
    parser.add_argument("--subdistrict-share", type=float, default=0.2)
    parser.add_argument("--street-share", type=float, default=0.05)
    parser.add_argument("--zipf", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    os.environ["CACHE_URL"] = "locmemcache://"
    os.environ.setdefault("DEBUG", "true")  # settings for a checkout; no database is read
    import django

    django.setup()
    from django.conf import settings

    # Room for every page, before the cache is first opened (locmem keeps 300 by default).
    settings.CACHES["default"].setdefault("OPTIONS", {})["MAX_ENTRIES"] = 10_000_000
    from django.core.cache import cache

    assert cache._max_entries >= args.views, "the local-memory cache must hold every page"
    stream = events(args, random.Random(args.seed))
    saves = sum(1 for e in stream if e[1] == "save")
    print(f"{args.communities} communities, {saves:,} saves and {args.views:,} page views over "
          f"{DAY // 3600} hours; entries live {args.timeout:.0f} s")  # fmt: skip
    print("| scheme | all pages | site-wide | subdistrict | community |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, scoped in (("one version (old)", False), ("by scope (new)", True)):
        hits, views = replay(stream, scoped=scoped, timeout=args.timeout)
        cells = [sum(hits.values()) / max(1, sum(views.values()))]
        cells += [hits[s] / max(1, views[s]) for s in ("site", "subdistrict", "community")]
        print(f"| {label} | " + " | ".join(f"{c:.1%}" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
