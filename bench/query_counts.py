"""Query counts of every main page with about 10 and with 10,000 generated cases (they must be equal).

Two databases of the same shape (the demo data plus `seed_demo --clients N
--cases M`) differ only in size; each page is requested by an account manager
and by a manager with Django's test client, once to warm up and once inside
CaptureQueriesContext. A page whose count differs between the sizes runs a
query per row somewhere; its most repeated statements are printed to find it.
Each size is measured in a process of its own, since Django binds its database
at start-up. A page whose URL name does not exist yet is skipped and listed.

Prints a table and writes var/bench/query_counts.json. Run with
`make bench-queries` (`--strict` exits 1 when a count differs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.support import database  # noqa: E402

OUTPUT = BASE_DIR / "var" / "bench" / "query_counts.json"
USERS = (("account manager", "amelia"), ("manager", "marta"))


def a_case(username: str) -> Any:
    """The person's first open case: a demo story's, the same case in both databases.

    The case page builds only the form of its step in focus, so two cases at different steps run different
    queries; comparing one case with itself leaves only the size of the data to differ.
    """
    from offboarding.models import DepartureCase

    cases = DepartureCase.objects.filter(client__account_manager__username=username)
    return cases.filter(status=DepartureCase.Status.OPEN).order_by("pk").first() or cases.order_by("pk").first()


def case_kwargs() -> dict[str, Any]:
    case = a_case("amelia")
    return {"pk": case.pk} if case else {}


def client_kwargs() -> dict[str, Any]:
    case = a_case("amelia")
    return {"pk": case.client_id} if case else {}


PAGES: tuple[tuple[str, str, Callable[[], dict[str, Any]]], ...] = (
    ("Client list", "clients:list", dict),
    ("Client page", "client_detail", client_kwargs),
    ("Case page", "offboarding:case", case_kwargs),
    ("My work", "home", dict),
    ("Dashboard", "feedback:dashboard", dict),
    ("Feedback cases", "feedback:cases", dict),
    ("Outbox", "outbox:list", dict),
    ("Churn reasons", "offboarding:reasons", dict),
)

NUMBERS = re.compile(r"\b\d+\b|'[^']*'")


def statement_shape(sql: str) -> str:
    return NUMBERS.sub("?", sql)[:160]


def measure_here() -> dict[str, Any]:
    """Runs in the child process, against the database in DATABASE_URL."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from offboarding.models import DepartureCase

    rows: list[dict[str, Any]] = []
    for label, url_name, kwargs in PAGES:
        try:
            path = reverse(url_name, kwargs=kwargs() or None)
        except NoReverseMatch:
            rows.append({"page": label, "url_name": url_name, "skipped": "URL name does not exist yet"})
            continue
        for role, username in USERS:
            browser = Client()
            browser.force_login(User.objects.get(username=username))
            row: dict[str, Any] = {"page": label, "url_name": url_name, "role": role, "path": path}
            try:
                browser.get(path)
                began = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = browser.get(path)
                elapsed = time.perf_counter() - began
            except Exception as exc:  # a broken page is reported in the table, not a crash of the benchmark
                row["error"] = f"{type(exc).__name__}: {exc}"[:200]
            else:
                row["status"] = response.status_code
                row["queries"] = len(captured)
                row["page_ms"] = round(elapsed * 1000, 1)
                row["sql_ms"] = round(sum(float(query["time"]) for query in captured.captured_queries) * 1000, 1)
                shapes = Counter(statement_shape(query["sql"]) for query in captured.captured_queries)
                row["most_repeated"] = [[count, shape] for shape, count in shapes.most_common(3) if count > 1]
            rows.append(row)
    return {"cases": DepartureCase.objects.count(), "rows": rows}


def measure_in_child(url: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "offboarding.settings",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",
    }
    completed = subprocess.run(  # noqa: S603 (this script, run by our own interpreter)
        [sys.executable, __file__, "--measure"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"Measuring {url} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def cell(queries: int | None) -> str:
    return "error" if queries is None else str(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--strict", action="store_true", help="Exit with status 1 when a page's count differs.")
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure_here()))
        return 0
    started = time.monotonic()
    small = measure_in_child(database.prepare(database.SMALL))
    large = measure_in_child(database.prepare(database.LARGE))

    def key(row: dict[str, Any]) -> tuple[str, str]:
        return (row["page"], row.get("role", ""))

    large_rows = {key(row): row for row in large["rows"]}
    table: list[dict[str, Any]] = []
    for row in small["rows"]:
        other = large_rows.get(key(row))
        entry: dict[str, Any] = {"page": row["page"], "url_name": row["url_name"], "role": row.get("role", "")}
        if "skipped" in row:
            entry["skipped"] = row["skipped"]
        else:
            entry |= {
                "status": row.get("status"),
                "status_large": other.get("status") if other else None,
                "queries_small": row.get("queries"),
                "queries_large": other.get("queries") if other else None,
                "errors": [r["error"] for r in (row, other) if r and "error" in r],
                "page_ms_large": other.get("page_ms") if other else None,
                "sql_ms_large": other.get("sql_ms") if other else None,
                "most_repeated_large": other.get("most_repeated", []) if other else [],
            }
            entry["equal"] = (
                not entry["errors"]
                and entry["queries_small"] == entry["queries_large"]
                and entry["status"] == entry["status_large"]
            )
        table.append(entry)

    small_label, large_label = f"{small['cases']:,} cases", f"{large['cases']:,} cases"
    header = (
        f"{'Page':<16} {'Signed in as':<16} {'Status':>6} {small_label:>13} {large_label:>13} {'Equal':>7}"
        f"  {'ms (SQL ms) at ' + large_label:>28}"
    )
    print()
    print("Query counts per page request (demo data plus generated cases); one request's time, for orientation")
    print(header)
    print("-" * len(header))
    for entry in table:
        if "skipped" in entry:
            print(f"{entry['page']:<16} {'':<16} skipped: {entry['skipped']} ({entry['url_name']})")
            continue
        verdict = "yes" if entry["equal"] else "DIFFERS"
        timing = f"{entry['page_ms_large']} ({entry['sql_ms_large']})" if entry["page_ms_large"] is not None else ""
        print(
            f"{entry['page']:<16} {entry['role']:<16} {entry['status'] or '-'!s:>6} {cell(entry['queries_small']):>13} "
            f"{cell(entry['queries_large']):>13} {verdict:>7}  {timing:>28}"
        )
    flagged = [entry for entry in table if entry.get("equal") is False]
    for entry in flagged:
        print(f"\n{entry['page']} ({entry['role']}) differs.")
        for error in entry["errors"]:
            print(f"  error: {error}")
        for count, shape in entry["most_repeated_large"]:
            print(f"  {count} x {shape}")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "cases_small": small["cases"],
        "cases_large": large["cases"],
        "pages": table,
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    OUTPUT.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten to {OUTPUT.relative_to(BASE_DIR)} in {report['elapsed_seconds']:.0f} s.")
    if flagged:
        print("Counts differ for: " + ", ".join(f"{entry['page']} ({entry['role']})" for entry in flagged))
    return 1 if options.strict and flagged else 0


if __name__ == "__main__":
    sys.exit(main())
