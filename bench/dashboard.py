"""Benchmark of the managers' dashboard: the page's server time beside its SQL, and beside one plain scan.

Three databases (bench/support/database.py, built once and reused): 10,000 and
100,000 cases over the last two years, and the same 100,000 after eighteen
years of history (1,000,000 cases in all, nine in ten of them older than two
years). In each, the default twelve-month dashboard is rendered with Django's
test client, the SQL of one rendering is captured and exactly those statements
are run again on a plain cursor. Beside them runs one plain scan of the period
(SCAN: the twelve months' cases joined to their probe and offer steps, counted
and summed), the floor of what any dashboard of those months must read.
Targets: the page within 1.5 times its SQL at every size; at 100,000 and at
1,000,000 cases, all the page's SQL within 3 times the scan. The
1,000,000-case page beside the 100,000-case one (the same twelve months, more
history) is listed for information.

The machine is shared, so its load drifts while the benchmark runs: page, SQL
and scan runs alternate, and the sizes take turns in rounds, so that every figure
samples the same stretch of time; each figure is the median of its samples.
Each size is measured in a process of its own, since Django binds its database
at start-up. Prints a table and writes var/bench/dashboard.json. Run with
`make bench-dashboard`; `--explain` also prints EXPLAIN ANALYZE of the page's
slowest statements at each size, `--strict` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.support import database  # noqa: E402

SIZES = (database.LARGE, database.HUNDRED_THOUSAND, database.MILLION)
ROUNDS = 3  # turns of every size
RUNS = 3  # page and SQL runs, alternating, per size and round
TARGET_RATIO = 1.5  # page time over its SQL time, at every size
TARGET_SCAN_RATIO = 3.0  # the page's SQL time over the plain scan's, at the sizes below
SCAN_TARGET_FROM_CASES = 100_000
# One plain statement reading what any dashboard of the period must read: its cases with their probe and offer.
SCAN = (
    "SELECT count(*), sum(c.monthly_value), count(p.primary_reason_id), count(o.offer_made) "
    "FROM offboarding_departurecase c "
    "JOIN offboarding_probestep p ON p.case_id = c.id "
    "JOIN offboarding_offerstep o ON o.case_id = c.id "
    "WHERE c.notice_received_on BETWEEN %s AND %s"
)
OUTPUT = BASE_DIR / "var" / "bench" / "dashboard.json"
SERVER_SIDE_CURSOR = re.compile(r"^DECLARE \S+ NO SCROLL CURSOR WITH(OUT)? HOLD FOR ")


def seconds(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure_here(explain: bool) -> dict[str, Any]:
    """Runs in the child process, against the database in DATABASE_URL."""
    import django

    django.setup()
    from django.conf import settings

    # Production serves hashed files made by collectstatic; the benchmark renders pages
    # without collecting, like the tests, so it resolves static files plainly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from feedback.selectors.filters import default_period
    from offboarding.models import DepartureCase

    browser = Client()
    browser.force_login(User.objects.get(username="marta"))
    url = reverse("feedback:dashboard")

    def render() -> None:
        response = browser.get(url)
        assert response.status_code == 200, response.status_code

    render()  # warm caches: the first run pays for connections, imports and templates
    with CaptureQueriesContext(connection) as captured:
        render()
    # A server-side cursor (a form's choice list) is captured as DECLARE ... FOR <query>:
    # the query itself is what the page waited for.
    statements = [SERVER_SIDE_CURSOR.sub("", query["sql"]) for query in captured.captured_queries]

    def run_sql() -> None:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                if cursor.description:
                    cursor.fetchall()

    start, end = default_period(timezone.localdate())

    def run_scan() -> None:
        with connection.cursor() as cursor:
            cursor.execute(SCAN, [start, end])
            cursor.fetchall()

    run_sql()
    run_scan()
    server_samples, sql_samples, scan_samples = [], [], []
    for _ in range(RUNS):
        server_samples.append(seconds(render))
        sql_samples.append(seconds(run_sql))
        scan_samples.append(seconds(run_scan))
    return {
        "cases": DepartureCase.objects.count(),
        "cases_in_period": DepartureCase.objects.filter(notice_received_on__range=(start, end)).count(),
        "server_samples": server_samples,
        "sql_samples": sql_samples,
        "scan_samples": scan_samples,
        "queries": len(statements),
        "slowest": slowest_statements(connection, statements) if explain else [],
    }


def slowest_statements(connection: Any, statements: list[str], count: int = 3) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE of the statements that take longest, to see which plan grows with the history."""
    timed: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        for statement in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
            plan = [row[0] for row in cursor.fetchall()]
            total = float(plan[-1].rsplit(" ", 2)[-2]) if plan[-1].startswith("Execution Time") else 0.0
            timed.append({"ms": total, "sql": statement, "plan": plan})
    return sorted(timed, key=lambda entry: entry["ms"], reverse=True)[:count]


def measure_in_child(url: str, explain: bool) -> dict[str, Any]:
    env = {
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "EMAIL_HOST": "127.0.0.1",
        "SITE_URL": "http://testserver",
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",  # as in production: no query log, cached templates
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "offboarding.settings",
        "LOG_LEVEL": "ERROR",
    }
    arguments = [sys.executable, __file__, "--measure", *(["--explain"] if explain else [])]
    completed = subprocess.run(  # noqa: S603 (this script, run by our own interpreter)
        arguments, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"Measuring {url} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE of the slowest statements.")
    parser.add_argument("--strict", action="store_true", help="Exit with status 1 when a target is missed.")
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure_here(options.explain)))
        return 0
    started = time.monotonic()
    urls = {size.database: database.prepare(size) for size in SIZES}
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in urls}
    for round_number in range(ROUNDS):
        print(f"Round {round_number + 1} of {ROUNDS}: {RUNS} page, SQL and scan runs per size", flush=True)
        for name, url in urls.items():
            measured[name].append(measure_in_child(url, options.explain and round_number == 0))
    results = [summarise(name, rounds) for name, rounds in measured.items()]
    missed = report(results, options.explain, time.monotonic() - started)
    return 1 if options.strict and missed else 0


def summarise(name: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    server = statistics.median(sample for one in rounds for sample in one["server_samples"])
    sql = statistics.median(sample for one in rounds for sample in one["sql_samples"])
    scan = statistics.median(sample for one in rounds for sample in one["scan_samples"])
    return {
        "database": name,
        "cases": rounds[0]["cases"],
        "cases_in_period": rounds[0]["cases_in_period"],
        "server_ms": round(server * 1000, 1),
        "sql_ms": round(sql * 1000, 1),
        "scan_ms": round(scan * 1000, 1),
        "ratio": round(server / sql, 2),
        "sql_over_scan": round(sql / scan, 2),
        "queries": rounds[0]["queries"],
        "samples": len(rounds) * RUNS,
        "slowest": rounds[0]["slowest"],
    }


def judge(row: dict[str, Any]) -> None:
    row["ok"] = row["ratio"] <= TARGET_RATIO
    row["scan_ok"] = row["sql_over_scan"] <= TARGET_SCAN_RATIO if row["cases"] >= SCAN_TARGET_FROM_CASES else None


def print_results(results: list[dict[str, Any]], growth: float) -> None:
    print()
    print(
        f"Dashboard (last twelve months, as a manager): page time beside its SQL run directly and beside one plain "
        f"scan of the period, medians of {ROUNDS * RUNS} alternating runs"
    )
    header = (
        f"{'cases':>10} {'in period':>10} {'server ms':>10} {'SQL ms':>10} {'scan ms':>8} {'queries':>8} "
        f"{'page/SQL':>9} {'SQL/scan':>9}"
    )
    print(f"{header}  targets: page/SQL <= {TARGET_RATIO}; SQL/scan <= {TARGET_SCAN_RATIO} from 100,000 cases")
    print("-" * (len(header) + 70))
    for row in results:
        scan = "" if row["scan_ok"] is None else ("ok" if row["scan_ok"] else "MISSED")
        print(
            f"{row['cases']:>10,} {row['cases_in_period']:>10,} {row['server_ms']:>10} {row['sql_ms']:>10} "
            f"{row['scan_ms']:>8} {row['queries']:>8} {row['ratio']:>9} {row['sql_over_scan']:>9}  "
            f"page/SQL {'ok' if row['ok'] else 'MISSED'}" + (f", SQL/scan {scan}" if scan else "")
        )
    largest, previous = results[-1], results[-2]
    print(
        f"\nPage time at {largest['cases']:,} cases over {previous['cases']:,}: {growth} "
        "(the same twelve months, more history; for information)"
    )


def report(results: list[dict[str, Any]], explain: bool, elapsed: float) -> list[str]:
    if explain:
        print_plans(results)
    for row in results:
        judge(row)
    largest, previous = results[-1], results[-2]
    growth = round(largest["server_ms"] / previous["server_ms"], 2)
    print_results(results, growth)
    missed = [f"page/SQL at {row['cases']:,} cases" for row in results if not row["ok"]]
    missed += [f"SQL/scan at {row['cases']:,} cases" for row in results if row["scan_ok"] is False]
    summary = {
        "page": "feedback:dashboard",
        "rounds": ROUNDS,
        "runs_per_round": RUNS,
        "target_ratio": TARGET_RATIO,
        "target_scan_ratio": TARGET_SCAN_RATIO,
        "scan_target_from_cases": SCAN_TARGET_FROM_CASES,
        "scan_sql": SCAN,
        "results": [{key: value for key, value in row.items() if key != "slowest"} for row in results],
        "growth": {"from_cases": previous["cases"], "to_cases": largest["cases"], "ratio": growth},
        "elapsed_seconds": round(elapsed, 1),
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nWritten to {OUTPUT.relative_to(BASE_DIR)} in {elapsed:.0f} s.")
    if missed:
        print("Missed: " + ", ".join(missed))
    return missed


def print_plans(results: list[dict[str, Any]]) -> None:
    for row in results:
        print(f"\nSlowest statements at {row['cases']:,} cases:")
        for entry in row["slowest"]:
            print(f"\n  {entry['ms']:.1f} ms: {entry['sql'][:300]}")
            for line in entry["plan"]:
                print(f"    {line}")


if __name__ == "__main__":
    sys.exit(main())
