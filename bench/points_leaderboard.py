"""Benchmark: 美丽约定 leaderboards and the cost of keeping balances current.

    .venv/bin/python bench/points_leaderboard.py [--entries 1000000] [--accounts 20000]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/jinhai_bench;
created and dropped). Loads one scheme with 20,000 household accounts and 1,000,000 ledger
entries (with COPY; balances and monthly figures computed from the entries), then measures in
one run, each query repeated and the median taken:

- our leaderboard: the scheme's top 100 by balance plus one household's rank (index scans);
- the plain aggregate: SUM(points) GROUP BY account over the whole ledger, top 100 of it;
- recording one entry with `services.entry_record` (the insert, with the ledger trigger moving
  the balance and monthly figure) against a bare insert of the same entry in the same kind of
  transaction with the trigger disabled.
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jinhai_bench"


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=500, help="entries recorded per variant")
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


def run(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    import datetime

    import django

    django.setup()
    from django.db import connection, transaction

    from communities.models import BuildingGroup, Community, Compound, Household, Subdistrict
    from jinhai.db import bulk_insert
    from self_governance.agreements import selectors, services
    from self_governance.agreements.models import Account, AgreementScheme, PointEntry, Rule

    rng = random.Random(1)
    subdistrict = Subdistrict.objects.create(name="基准街道")
    community = Community.objects.create(subdistrict=subdistrict, name="基准社区")
    compounds = Compound.objects.bulk_create(
        [Compound(community=community, name=f"小区{i}") for i in range(20)]
    )
    groups = BuildingGroup.objects.bulk_create(
        [BuildingGroup(compound=c, name=f"{n}号楼") for c in compounds for n in range(1, 51)]
    )
    scheme = AgreementScheme.objects.create(
        community=community, name="基准约定", kind="general", text="-",
        start=datetime.date(2020, 1, 1), status="active",
    )  # fmt: skip
    award = Rule.objects.create(scheme=scheme, code="A", description="加分", points=3)
    deduction = Rule.objects.create(scheme=scheme, code="D", description="扣分", points=-1)
    homes = Household.objects.bulk_create(
        [
            Household(
                kind="household",
                building_group=groups[i % len(groups)],
                room=f"{i}",
                community=community,
            )
            for i in range(args.accounts)
        ],
        batch_size=5000,
    )
    accounts = Account.objects.bulk_create(
        [Account(scheme=scheme, household=h) for h in homes], batch_size=5000
    )
    started = time.perf_counter()
    trigger = "ALTER TABLE self_governance_pointentry {} TRIGGER point_entry_keeps_balance"
    with connection.cursor() as cursor:
        # The bulk load computes balances in one statement afterwards instead of per row.
        cursor.execute(trigger.format("DISABLE"))
    days = [datetime.date(2021, 1, 1) + datetime.timedelta(days=d) for d in range(700)]
    batch = []
    for _ in range(args.entries):
        rule = award if rng.random() < 0.8 else deduction
        kind = "award" if rule.points > 0 else "deduction"
        account = accounts[rng.randrange(len(accounts))]
        batch.append(
            PointEntry(
                account=account, rule=rule, kind=kind, points=rule.points, date=rng.choice(days)
            )
        )
        if len(batch) == 100_000:
            with transaction.atomic():
                bulk_insert(PointEntry, batch)
            batch = []
    with transaction.atomic():
        bulk_insert(PointEntry, batch)
    with connection.cursor() as cursor:
        # Balances and monthly figures from the entries, as the services would have kept them.
        # Random deductions may take a sum below zero; such accounts get an opening award so
        # that the CHECK (balance >= 0) holds, and the ledger still sums to the balance.
        cursor.execute(
            """
            INSERT INTO self_governance_pointentry
                (account_id, kind, rule_id, points, date, recorded_at, evidence, note)
            SELECT account_id, 'award', %s, -SUM(points) + 1, '2021-01-01', now(), '', '开户积分'
            FROM self_governance_pointentry GROUP BY account_id HAVING SUM(points) < 1
            """,
            [award.pk],
        )
        cursor.execute(
            """
            UPDATE self_governance_account a SET balance = s.total
            FROM (SELECT account_id, SUM(points) AS total
                  FROM self_governance_pointentry GROUP BY account_id) s
            WHERE s.account_id = a.id
            """
        )
        cursor.execute(
            """
            INSERT INTO self_governance_monthlypoints (account_id, scheme_id, month, points)
            SELECT account_id, %s, date_trunc('month', date)::date, SUM(points)
            FROM self_governance_pointentry GROUP BY account_id, date_trunc('month', date)
            """,
            [scheme.pk],
        )
        cursor.execute(trigger.format("ENABLE"))
        # What autovacuum would have done by the time anyone looks at a leaderboard.
        cursor.execute("VACUUM ANALYZE")
    load = time.perf_counter() - started
    n_entries = PointEntry.objects.count()
    print(f"ledger: {n_entries:,} entries over {len(accounts):,} accounts (loaded in {load:.0f} s)")

    household = Account.objects.get(pk=accounts[len(accounts) // 2].pk)

    def ours():
        top = selectors.leaderboard(scheme, 100)
        rank = selectors.rank_of(household)
        return top, rank

    def plain():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT e.account_id, SUM(e.points) AS total
                FROM self_governance_pointentry e
                JOIN self_governance_account a ON a.id = e.account_id
                WHERE a.scheme_id = %s
                GROUP BY e.account_id ORDER BY total DESC, e.account_id LIMIT 100
                """,
                [scheme.pk],
            )
            return cursor.fetchall()

    top, _ = ours()
    expected = [(a.pk, a.balance) for a in top]
    assert [tuple(r) for r in plain()] == expected, "leaderboards disagree"
    ours_ms = median_ms(ours, 50)
    top_ms = median_ms(lambda: selectors.leaderboard(scheme, 100), 50)
    rank_ms = median_ms(lambda: selectors.rank_of(household), 50)
    plain_ms = median_ms(plain, 5)

    # Separate accounts for the two variants: a bare insert does not keep balances by design.
    picks = rng.sample(range(len(accounts)), 2 * args.records)
    bare_sample = list(Account.objects.filter(pk__in=[accounts[i].pk for i in picks[::2]]))
    ours_sample = list(Account.objects.filter(pk__in=[accounts[i].pk for i in picks[1::2]]))
    date = datetime.date(2022, 6, 1)

    def bare(account):
        # The same insert in the same kind of transaction, with the balance trigger off.
        with transaction.atomic():
            PointEntry(account=account, rule=award, kind="award", points=3, date=date).save()

    def recorded(account):
        services.entry_record(account=account, rule=award, date=date, by=None)

    def set_trigger(state):
        with connection.cursor() as cursor:
            cursor.execute(trigger.format(state))

    award.scheme  # noqa: B018 - loaded once, as a view would have it
    timings = {}
    runs = [("bare", bare, bare_sample), ("ours", recorded, ours_sample)] * 2
    for i, (name, fn, sample) in enumerate(runs):
        set_trigger("DISABLE" if name == "bare" else "ENABLE")
        started = time.perf_counter()
        for account in sample:
            fn(account)
        timings[(name, i)] = (time.perf_counter() - started) * 1000 / len(sample)
    set_trigger("ENABLE")
    bare_ms = statistics.mean(t for (name, _), t in timings.items() if name == "bare")
    record_ms = statistics.mean(t for (name, _), t in timings.items() if name == "ours")
    for account in ours_sample[:50]:
        account.refresh_from_db()
        total = sum(PointEntry.objects.filter(account=account).values_list("points", flat=True))
        assert account.balance == total, "balance drifted from the ledger"

    print(f"\n{'measure':<48}{'ms':>10}")
    print(f"{'our leaderboard (top 100 + one rank)':<48}{ours_ms:>10.2f}")
    print(f"{'  of which top 100':<48}{top_ms:>10.2f}")
    print(f"{'  of which one rank':<48}{rank_ms:>10.2f}")
    print(f"{'plain SUM ... GROUP BY over the ledger':<48}{plain_ms:>10.2f}")
    print(f"{'record one entry, bare insert (no trigger)':<48}{bare_ms:>10.2f}")
    print(f"{'record one entry, entry_record (trigger keeps':<48}")
    print(f"{'  balance and monthly figure)':<48}{record_ms:>10.2f}")
    print(f"\nleaderboard: {plain_ms / ours_ms:.0f}x faster than the full aggregate (aim: >= 50x)")
    print(f"recording:   {record_ms / bare_ms:.2f}x a bare insert (aim: <= 1.5x)")


if __name__ == "__main__":
    main()
