"""Benchmark: the public pages under load, against a trivial view on the same server.

    .venv/bin/python bench/load_public.py [--rounds 3] [--duration 1] [--rate 0] [--only home,...]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/jinhai_load; the
database is dropped and created, and dropped again at the end) and wrk (`apt-get install wrk`).
The page cache is a folder, as in production, unless BENCH_CACHE_URL names another cache.
One run:

1. migrates, loads the demo and collects the static files into a temporary folder;
2. starts gunicorn with jinhai/gunicorn.conf.py (gthread workers, as deployed) on 127.0.0.1 with
   production settings (DEBUG off, a random SECRET_KEY, plain HTTP) and the page cache in a
   temporary folder, waits for /healthz/ and warms every page up;
3. for each main public page (found in the demo data: the community with the most building
   groups, the scheme with the most accounts, and so on) and the trivial view /healthz/, in
   alternating runs (trivial, page, trivial, page, ...) and several rounds:
   a. throughput: wrk with fixed threads, connections and duration, as fast as it can;
   b. p99 latency at a fixed total request rate, the same for every page and the trivial view:
      a third of the slowest page's throughput unless --rate says otherwise (the uncached run
      below uses the cached run's rate, so that both are measured at one load). Plain wrk has
      no rate option (wrk2 is not packaged by Debian), so a wrk Lua script paces each connection
      with the `delay()` hook, and its `done()` hook prints the latency percentiles as JSON;
4. prints, per page, the median requests/s and its ratio to the trivial view's (the median of
   the per-round ratios of adjacent runs), the median p99 and its ratio, against the aims
   (throughput >= 0.5x the trivial view's, p99 <= 3x);
5. does it all once more (one round by default) with the page caches off (PUBLIC_CACHE_TIMEOUT=0
   and HOUSEHOLD_CACHE_TIMEOUT=0: 我的 and 参与议事 have their own per-household cache, and
   HOUSEHOLD_SESSION_CACHE_SECONDS=0, the remembered session), which shows what the caches buy.

On a shared two-core machine single runs vary a lot, hence the alternation and the medians; wrk
itself runs on the same cores as the server. The pacing is per connection (a fixed pause after
each response), so a slow response delays the next request instead of queueing it: p99 here does
not include queueing delay the way wrk2's corrected figures would.
"""

import argparse
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.benchdb import throwaway_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jinhai_load"
TRIVIAL = "/healthz/"
THROUGHPUT_AIM, LATENCY_AIM = 0.5, 3.0
# The fewest responses a paced run collects for its p99.
PACED_SAMPLES = 30

LUA = r"""
-- Written by bench/load_public.py: optional paths to cycle through (the warm-up), an optional
-- fixed pause per connection (the rate), and the results as one JSON line.
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do paths[#paths + 1] = p end
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if #paths > 0 then
  local i = 0
  function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
  end
end
if pause > 0 then
  function delay() return pause end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
    '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "max_us": %.0f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    import django

    django.setup()


def discover():
    """Runs in its own process against the bench database; prints the pages as JSON."""
    django_setup()
    from urllib.parse import quote

    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from communities.models import Community
    from orgs.models import SocialOrganization
    from self_governance.agreements.models import AgreementScheme

    # Where the pages are fullest.
    community = Community.objects.annotate(n=Count("compounds__building_groups")).latest("n", "pk")
    funded = Community.objects.annotate(n=Count("fund_projects")).latest("n", "pk")
    scheme = AgreementScheme.objects.public().annotate(n=Count("accounts")).latest("n", "pk")
    organization = (
        SocialOrganization.objects.active()
        .annotate(n=Count("welfare_activities"))
        .latest("n", "pk")
    )
    pages = [
        ("home", "home", [], ""),
        ("communities", "communities:list", [], ""),
        ("community", "communities:detail", [community.pk], ""),
        ("its leaders", "volunteers:community", [community.pk], ""),
        ("agreements", "agreements:list", [], ""),
        ("a scheme", "agreements:detail", [scheme.pk], ""),
        ("fund", "fund:overview", [], ""),
        ("a community's fund", "fund:community", [funded.pk], ""),
        ("organizations", "orgs:list", [], ""),
        ("an organization", "orgs:detail", [organization.pk], ""),
        ("stations", "orgs:stations", [], ""),
        ("station map", "orgs:station_map", [], ""),
        # Pages that may not exist yet in this checkout: measured when they do.
        ("search", "search", [], "?q=" + quote(community.name[:2])),
        ("figures", "figures", [], ""),
    ]
    found = []
    for label, name, args, query in pages:
        with contextlib.suppress(NoReverseMatch):
            found.append((label, reverse(name, args=args) + query))
    with contextlib.suppress(NoReverseMatch, ImportError):
        cookie = household_cookie()
        found.append(("my household", reverse("residents:my"), cookie))
        found.append(("take part", reverse("residents:take_part"), cookie))
    print(json.dumps(found))


def household_cookie():
    """A household session of the household with the most ledger entries, as a Cookie header:
    /my/ is never cached, so it is measured as every resident gets it."""
    from django.conf import settings
    from django.core import signing
    from django.db.models import Count
    from django.middleware.csrf import CSRF_ALLOWED_CHARS
    from django.utils.crypto import get_random_string

    from communities import codes
    from communities.models import Household
    from residents import session

    household = Household.objects.annotate(n=Count("accounts__entries")).latest("n", "pk")
    key = codes.session_open(household=household)
    signed = signing.get_cookie_signer(salt=session.COOKIE + session.SALT).sign(key)
    # And the CSRF cookie its phone keeps from the first page, as every later visit sends it:
    # without it each response would make a new CSRF secret and set it, as only a first visit
    # does.
    csrf = get_random_string(32, allowed_chars=CSRF_ALLOWED_CHARS)
    return f"{session.COOKIE}={signed}; {settings.CSRF_COOKIE_NAME}={csrf}"


def manage(env, *args):
    out = subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return out.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as deployed, in its own process group so that it is stopped with its workers."""

    def __init__(self, env, folder, cached):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"gunicorn-{'cached' if cached else 'uncached'}.log"
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "PUBLIC_CACHE_TIMEOUT": "300" if cached else "0",
            "HOUSEHOLD_CACHE_TIMEOUT": "300" if cached else "0",
            "HOUSEHOLD_SESSION_CACHE_SECONDS": "60" if cached else "0",
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "jinhai/gunicorn.conf.py", "jinhai.wsgi"],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + TRIVIAL, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.stop()
        sys.stderr.write(self.log_path.read_text()[-3000:])
        raise SystemExit("gunicorn did not become ready")

    def boots(self):
        """Workers started, counting those that max_requests restarted."""
        return self.log_path.read_text().count("Booting worker")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# path -> the Cookie header its requests carry (the household page); other pages go without.
COOKIES = {}


class Wrk:
    def __init__(self, args, folder):
        self.args = args
        self.script = folder / "bench.lua"
        self.script.write_text(LUA)

    def run(self, url, *, seconds, delay_ms=0, paths=(), connections=None):
        env = {**os.environ, "BENCH_DELAY_MS": str(delay_ms), "BENCH_PATHS": " ".join(paths)}
        connections = connections or self.args.connections
        command = [
            "wrk",
            f"-t{min(self.args.threads, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(self.script),
            url,
        ]
        cookie = next((c for path, c in COOKIES.items() if url.endswith(path)), None)
        if cookie:
            command[1:1] = ["-H", f"Cookie: {cookie}"]
        out = subprocess.run(command, env=env, capture_output=True, text=True)
        lines = [line for line in out.stdout.splitlines() if line.startswith("BENCH ")]
        if out.returncode or not lines:
            sys.stderr.write(out.stdout + out.stderr)
            raise SystemExit(f"wrk failed on {url}")
        result = json.loads(lines[-1].removeprefix("BENCH "))
        if result["errors"] or result["status_errors"]:
            raise SystemExit(f"{url}: errors under load: {result}")
        if not result["requests"]:
            raise SystemExit(f"{url}: no response within {seconds} s")
        result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
        return result


def alternate(wrk, base, pages, rounds, label, **kwargs):
    """Rounds of trivial, page, trivial, page, ...; returns {page: [(trivial, page), ...]}."""
    runs = {name: [] for name, _ in pages}
    for number in range(1, rounds + 1):
        print(f"  {label}, round {number}/{rounds}:", end="", flush=True)
        for name, path in pages:
            trivial = wrk.run(base + TRIVIAL, **kwargs)
            page = wrk.run(base + path, **kwargs)
            runs[name].append((trivial, page))
            key = "rps" if "delay_ms" not in kwargs else "p99_us"
            print(f" {page[key]:.0f}", end="", flush=True)
        print()
    return runs


def median(values):
    return statistics.median(values)


def measure(server, wrk, pages, args, rounds, rate):
    base = server.base
    # Warm-up: every worker thread gets its database connection, every page its cache entry.
    for _, path in pages:
        request = urllib.request.Request(base + path, headers={"Cookie": COOKIES.get(path, "")})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, path
    wrk.run(base + TRIVIAL, seconds=3, paths=[TRIVIAL] + [p for _, p in pages])
    throughput = alternate(wrk, base, pages, rounds, "throughput", seconds=args.duration)
    slowest = min(median([p["rps"] for _, p in runs]) for runs in throughput.values())
    if not rate:
        # A third of the slowest page's capacity, to two significant figures: busy, not saturated.
        rate = float(f"{slowest / 3:.2g}")
    # Each connection waits `delay_ms` after a response. At a low rate (slow pages uncached) all
    # 16 connections would each send less than one request in a one-second run, and the run would
    # measure nothing: fewer connections, and long enough for PACED_SAMPLES responses.
    connections = max(1, min(args.connections, int(rate * args.latency_duration / 4)))
    delay_ms = max(1, round(connections * 1000 / rate))
    latency = alternate(
        wrk,
        base,
        pages,
        rounds,
        f"p99 at {rate:g} req/s over {connections} connection{'s' if connections > 1 else ''}",
        seconds=max(args.latency_duration, math.ceil(PACED_SAMPLES / rate)),
        delay_ms=delay_ms,
        connections=connections,
    )
    rows = []
    trivial_rps = median([t["rps"] for runs in throughput.values() for t, _ in runs])
    trivial_p99 = median([t["p99_us"] for runs in latency.values() for t, _ in runs])
    achieved = median([t["rps"] for runs in latency.values() for t, _ in runs])
    rows.append(("trivial view", TRIVIAL, trivial_rps, 1.0, trivial_p99, 1.0, achieved))
    for name, path in pages:
        rows.append(
            (
                name,
                path,
                median([p["rps"] for _, p in throughput[name]]),
                median([p["rps"] / t["rps"] for t, p in throughput[name]]),
                median([p["p99_us"] for _, p in latency[name]]),
                median([p["p99_us"] / t["p99_us"] for t, p in latency[name]]),
                median([p["rps"] for _, p in latency[name]]),
            )
        )
    return rows, rate


def report(title, rows, rate, rounds):
    print(f"\n{title} (median of {rounds} round{'s' if rounds > 1 else ''})")
    print(
        f"{'page':<20}{'path':<34}{'req/s':>8}{'x triv':>8}"
        f"{'p99 ms':>9}{'x triv':>8}{'at req/s':>10}  aims"
    )
    failures = 0
    for name, path, rps, rps_ratio, p99, p99_ratio, achieved in rows:
        verdict = ""
        if path != TRIVIAL:
            ok = rps_ratio >= THROUGHPUT_AIM and p99_ratio <= LATENCY_AIM
            failures += not ok
            verdict = "pass" if ok else "FAIL"
        shown = path if len(path) <= 32 else path[:29] + "..."
        print(
            f"{name:<20}{shown:<34}{rps:>8,.0f}{rps_ratio:>7.2f}x"
            f"{p99 / 1000:>9.2f}{p99_ratio:>7.2f}x{achieved:>10.0f}  {verdict}"
        )
    print(
        f"aims: throughput >= {THROUGHPUT_AIM}x the trivial view's, p99 <= {LATENCY_AIM}x its p99 "
        f"at a fixed {rate:g} req/s; {len(rows) - 1 - failures} of {len(rows) - 1} pages meet both"
    )
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds with the page cache on")
    parser.add_argument("--uncached-rounds", type=int, default=1, help="0 skips the uncached run")
    parser.add_argument("--duration", type=int, default=1, help="seconds of each throughput run")
    parser.add_argument("--latency-duration", type=int, default=1, help="seconds of a paced run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0, help="req/s of the p99 runs (0: auto)")
    parser.add_argument("--only", default="", help="comma-separated page labels to measure")
    parser.add_argument("--discover", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.discover:
        discover()
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk")

    started = time.monotonic()
    servers = []
    # Ctrl-C and a plain kill both end in the `finally` below, which stops gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with (
        throwaway_database(DEFAULT_URL) as url,
        tempfile.TemporaryDirectory(prefix="jinhai-load-") as tmp,
    ):
        try:
            folder = Path(tmp)
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
                "SECURE_COOKIES": "false",
                "STATIC_ROOT": str(folder / "static"),
                "MEDIA_ROOT": str(folder / "media"),
                # A directory, shared by the workers, as in production; BENCH_CACHE_URL measures
                # another cache (redis://..., pymemcache://...).
                "CACHE_URL": os.environ.get(
                    "BENCH_CACHE_URL", f"filecache://{folder / 'cache'}?max_entries=2000"
                ),
            }
            print("setting up: migrate, load_demo, collectstatic ...", flush=True)
            manage(env, "migrate", "-v0")
            manage(env, "load_demo")
            manage(env, "collectstatic", "--noinput", "-v0")
            found = [
                tuple(p)
                for p in json.loads(
                    subprocess.run(
                        [sys.executable, __file__, "--discover"],
                        env=env,
                        cwd=ROOT,
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
            ]
            # A page may come with the cookie it is read with (a household's /my/).
            pages = [(p[0], p[1]) for p in found]
            COOKIES.update({p[1]: p[2] for p in found if len(p) > 2})
            if args.only:
                wanted = {label.strip() for label in args.only.split(",")}
                pages = [(label, path) for label, path in pages if label in wanted]
            wrk = Wrk(args, folder)
            load = os.getloadavg()[0]
            print(
                f"{len(pages)} pages; wrk -t{args.threads} -c{args.connections}, "
                f"{args.duration} s per throughput run, {args.latency_duration} s per paced run; "
                f"{os.cpu_count()} CPUs, load average {load:.2f} "
                f"(setup took {time.monotonic() - started:.0f} s)",
                flush=True,
            )
            results = []
            rate = args.rate
            for cached, rounds in ((True, args.rounds), (False, args.uncached_rounds)):
                if not rounds:
                    continue
                print(f"\npage cache {'on' if cached else 'off'}:", flush=True)
                server = Server(env, folder, cached)
                servers.append(server)
                server.wait_ready()
                # Without the cache, the same rate as with it: what the cache buys at one load.
                rows, rate = measure(server, wrk, pages, args, rounds, rate)
                server.stop()
                print(f"  gunicorn started {server.boots()} workers in all", flush=True)
                results.append((cached, rows, rate, rounds))
        finally:
            for server in servers:
                server.stop()

    failures = 0
    for cached, rows, rate, rounds in results:
        title = "page caches on" if cached else "page caches off (*_CACHE_TIMEOUT=0)"
        failed = report(title, rows, rate, rounds)
        failures += failed if cached else 0
    if len(results) == 2:
        on, off = results[0][1], results[1][1]
        print("\nwhat the cache buys (req/s with the cache / without):")
        for (name, _, rps_on, *_), (_, _, rps_off, *_) in zip(on[1:], off[1:], strict=True):
            print(f"  {name:<20}{rps_on / rps_off:>6.1f}x")
    print(f"\n{time.monotonic() - started:.0f} s in all; load average now {os.getloadavg()[0]:.2f}")
    if failures:
        print(f"{failures} page(s) miss the aims with the page cache on")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
