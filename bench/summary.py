"""The last step of `make bench`: every figure of the other benchmarks in one table, with its target.

Reads the JSON the benchmarks wrote under var/bench/ (pages, the working day,
dashboard, email, worker memory, query counts), prints one row per figure with
its target and "ok" or "MISSED" (or "info" for a figure shown without a
target), and writes var/bench/summary.json. A benchmark whose file is
missing, or older than the start of this `make bench` run, is listed as not
measured. The run's wall time (from var/bench/started, written by `make bench`
before the first benchmark) has a target of its own: under 15 minutes.
`--strict` exits 1 when anything is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
FOLDER = BASE_DIR / "var" / "bench"
STARTED = FOLDER / "started"
OUTPUT = FOLDER / "summary.json"
WALL_TIME_TARGET_MINUTES = 15


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    target: str
    ok: bool | None  # None: a figure listed for information, with no target


def verdict(ok: bool | None) -> str:
    return "info" if ok is None else "ok" if ok else "MISSED"


def page_rows(report: dict[str, Any]) -> list[Row]:
    floor = report["floor"]["requests_per_second"]
    rows = []
    for page in report["pages"]:
        name = f"Page under load: {page['label']} ({page['role']}), {report['cases']:,} cases"
        if page["skipped"]:
            rows.append(Row(name, f"not measured: {page['skipped']}", "", False))
            continue
        errors = page["non_2xx"] + page["socket_errors"]
        beside = page.get("floor_requests_per_second") or floor  # the floor measured beside the page
        figure = f"{page['requests_per_second']:.0f} req/s = {page['ratio_to_floor']:.2f} x floor ({beside:.0f} req/s)"
        figure += f", {errors} errors" if errors else ""
        if not page.get("has_target", True):
            rows.append(Row(name, figure, "information (targets under Dashboard)", None))
            continue
        rows.append(Row(name, figure, f">= {report['target_ratio']} x floor, no errors", bool(page["meets_target"])))
    return rows


def working_day_rows(report: dict[str, Any]) -> list[Row]:
    floor, day = report["floor"], report["day"]
    name = (
        f"Working day: {report['connections']} connections, {len(report['account_managers'])} account managers "
        f"and a manager, {report['views_per_write']} views to 1 write, {report['cases']:,} cases"
    )
    figure = (
        f"{day['requests_per_second']:.0f} req/s = {report['ratio_to_floor']:.2f} x floor "
        f"({floor['requests_per_second']:.0f} req/s); p50/p99 {day['p50_ms']:.0f}/{day['p99_ms']:.0f} ms "
        f"(floor {floor['p50_ms']:.0f}/{floor['p99_ms']:.0f} ms); {day['writes_committed']} writes committed, "
        f"{report['errors']} errors"
    )
    return [Row(name, figure, f">= {report['target_ratio']} x floor, no errors", report["ok"])]


def dashboard_rows(report: dict[str, Any]) -> list[Row]:
    rows = []
    for result in report["results"]:
        cases = f"{result['cases']:,} cases ({result['cases_in_period']:,} in the 12 months)"
        figure = f"{result['server_ms']:.0f} ms vs its SQL {result['sql_ms']:.0f} ms = {result['ratio']:.2f} x"
        rows.append(Row(f"Dashboard, {cases}", figure, f"<= {report['target_ratio']} x its SQL", result["ok"]))
        name = f"Dashboard SQL vs one plain scan of the period, {cases}"
        scan = f"{result['sql_ms']:.0f} ms vs {result['scan_ms']:.0f} ms = {result['sql_over_scan']:.2f} x"
        target = "information" if result["scan_ok"] is None else f"<= {report['target_scan_ratio']} x the scan"
        rows.append(Row(name, scan, target, result["scan_ok"]))
    growth = report["growth"]
    rows.append(
        Row(
            f"Dashboard, {growth['to_cases']:,} vs {growth['from_cases']:,} cases (same 12 months)",
            f"{growth['ratio']:.2f} x the page time",
            "information",
            None,
        )
    )
    return rows


def email_rows(report: dict[str, Any]) -> list[Row]:
    figure = (
        f"{report['pipeline_per_second']:.0f} msg/s vs plain smtplib {report['plain_per_second']:.0f} msg/s "
        f"= {report['ratio']:.2f} x"
    )
    name = f"Email pipeline, {report['messages']:,} messages"
    return [Row(name, figure, f">= {report['target_ratio']} x smtplib", report["ok"])]


def memory_rows(report: dict[str, Any]) -> list[Row]:
    figure = f"{report['before_mb']:.1f} MB -> {report['after_mb']:.1f} MB ({report['growth_mb']:+.1f} MB)"
    name = f"Celery worker memory, {report['messages']:,} messages"
    return [Row(name, figure, f"growth <= {report['target_growth_mb']:.0f} MB", report["ok"])]


def query_rows(report: dict[str, Any]) -> list[Row]:
    rows = []
    for page in report["pages"]:
        name = f"Queries: {page['page']}" + (f" ({page['role']})" if page.get("role") else "")
        if "skipped" in page:
            rows.append(Row(name, f"not measured: {page['skipped']}", "", False))
            continue
        figure = f"{page['queries_small']} at {report['cases_small']:,} cases, {page['queries_large']} at "
        figure += f"{report['cases_large']:,}" + (f"; {'; '.join(page['errors'])}" if page["errors"] else "")
        rows.append(Row(name, figure, "equal", page["equal"]))
    return rows


SOURCES: tuple[tuple[str, str, Callable[[dict[str, Any]], list[Row]]], ...] = (
    ("Pages under load", "pages.json", page_rows),
    ("Working day", "working_day.json", working_day_rows),
    ("Dashboard scale", "dashboard.json", dashboard_rows),
    ("Email pipeline", "email.json", email_rows),
    ("Worker memory", "worker_memory.json", memory_rows),
    ("Query counts", "query_counts.json", query_rows),
)


def started_at() -> float | None:
    try:
        return float(STARTED.read_text().strip())
    except (OSError, ValueError):
        return None


def collect(started: float | None) -> list[Row]:
    rows: list[Row] = []
    for title, name, read in SOURCES:
        path = FOLDER / name
        if not path.exists():
            rows.append(Row(title, f"not measured: no var/bench/{name}", "", False))
        elif started is not None and path.stat().st_mtime < started:
            rows.append(Row(title, f"not measured in this run: var/bench/{name} is older", "", False))
        else:
            rows.extend(read(json.loads(path.read_text())))
    if started is not None:
        minutes = (time.time() - started) / 60
        rows.append(
            Row("make bench, wall time", f"{minutes:.1f} min", f"< {WALL_TIME_TARGET_MINUTES} min", minutes < 15)
        )
    return rows


def print_table(rows: list[Row]) -> None:
    widths = [max(len(getattr(row, column)) for row in rows) for column in ("benchmark", "figure", "target")]
    header = f"{'Benchmark':<{widths[0]}}  {'Figure':<{widths[1]}}  {'Target':<{widths[2]}}  Verdict"
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row.benchmark:<{widths[0]}}  {row.figure:<{widths[1]}}  {row.target:<{widths[2]}}  {verdict(row.ok)}")
    targets = [row for row in rows if row.ok is not None]
    missed = [row for row in targets if not row.ok]
    print(
        f"\n{len(targets) - len(missed)} of {len(targets)} targets met"
        + (f"; {len(missed)} MISSED." if missed else ".")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strict", action="store_true", help="Exit with status 1 when a target is missed.")
    options = parser.parse_args()
    started = started_at()
    rows = collect(started)
    print_table(rows)
    FOLDER.mkdir(parents=True, exist_ok=True)
    summary = {
        "all_met": all(row.ok for row in rows if row.ok is not None),
        "wall_seconds": round(time.time() - started, 1) if started is not None else None,
        "rows": [asdict(row) for row in rows],
    }
    OUTPUT.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Written to {OUTPUT.relative_to(BASE_DIR)}")
    return 1 if options.strict and not summary["all_met"] else 0


if __name__ == "__main__":
    sys.exit(main())
