"""Benchmark of the managers' dashboard: the page's server time beside the time of the SQL it runs.

For each size (10,000 then 100,000 departure cases) it fills its own database
with `seed_demo --clients N --cases M`, renders the dashboard with Django's test
client several times, captures the SQL of one rendering and runs exactly those
statements again on a plain cursor. The page's overhead over its SQL is the
ratio; the target is at most 1.5. Prints a table and writes var/bench/dashboard.json.

Run with `make bench`; the database named in DATABASE_URL is dropped and rebuilt.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offboarding.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/offboarding_bench")

SIZES = (10_000, 100_000)
CASES_PER_CLIENT = 5
RUNS = 7
TARGET_RATIO = 1.5
SERVER_SIDE_CURSOR = re.compile(r"^DECLARE \S+ NO SCROLL CURSOR WITH(OUT)? HOLD FOR ")


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.endswith("_bench"):
        raise SystemExit(f"Refusing to drop {name!r}: the benchmark database's name must end in _bench.")
    server = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()


def median_seconds(action: Callable[[], Any], runs: int = RUNS) -> float:
    action()  # warm caches: the first run pays for connections and imports
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(size: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    browser = Client()
    browser.force_login(User.objects.get(username="marta"))
    url = reverse("feedback:dashboard")

    def render() -> None:
        response = browser.get(url)
        assert response.status_code == 200, response.status_code

    server = median_seconds(render)
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

    sql = median_seconds(run_sql)
    return {
        "cases": size,
        "server_ms": round(server * 1000, 1),
        "sql_ms": round(sql * 1000, 1),
        "ratio": round(server / sql, 2),
        "queries": len(statements),
    }


def fill_to(size: int, current: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    added = size - current
    started = time.perf_counter()
    call_command("seed_demo", clients=max(1, added // CASES_PER_CLIENT), cases=added)
    print(f"  seeded {added:,} cases in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Production serves hashed files made by collectstatic; the benchmark renders pages
    # without collecting, like the tests, so it resolves static files plainly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    call_command("migrate", verbosity=0)
    results, current = [], 0
    for size in SIZES:
        print(f"Dashboard with {size:,} cases", flush=True)
        fill_to(size, current)
        current = size
        results.append(measure(size))
    report(results)


def report(results: list[dict[str, Any]]) -> None:
    print()
    print(f"{'cases':>10} {'server ms':>10} {'SQL ms':>10} {'ratio':>7} {'queries':>8}  target <= {TARGET_RATIO}")
    for row in results:
        verdict = "ok" if row["ratio"] <= TARGET_RATIO else "over target"
        print(
            f"{row['cases']:>10,} {row['server_ms']:>10} {row['sql_ms']:>10} {row['ratio']:>7} {row['queries']:>8}  "
            f"{verdict}"
        )
    out = BASE_DIR / "var" / "bench" / "dashboard.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"page": "feedback:dashboard", "runs": RUNS, "results": results}, indent=2) + "\n")
    print(f"\nWritten to {out.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
