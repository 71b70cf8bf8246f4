"""`make bench-memory`: a Celery worker's resident memory before and after sending 10,000 messages.

One worker as the Procfile starts it (prefork, two pool processes, DEBUG off)
sends follow-ups through the real pipeline (PostgreSQL outbox, Redis, an SMTP
sink; bench/support/outbox.py). After a warm-up of 500 sends, which fills what
should be filled once (imports, template caches, connections), the resident
memory (VmRSS from /proc) of the worker and its pool processes is the
baseline; 10,000 more sends follow, in five rounds with a reading after each.
Target: growth of at most 5 MB over the whole worker, summed over its
processes, so a worker that runs for months does not creep towards the OOM killer.

Prints a table and writes var/bench/worker_memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from bench.support.outbox import (  # noqa: E402
    Outbox,
    clear_follow_ups,
    plan_follow_ups,
    publish_dispatch,
    running_outbox,
    start_worker,
    stop_workers,
    wait_until_sent,
)

WARM_UP = 500
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))
ROUNDS = 5
CONCURRENCY = 2  # as in the Procfile
TARGET_GROWTH_MB = 5.0
SETTLE_SECONDS = 1.0  # the dispatch tasks finish after the last row is marked sent
OUTPUT = PROJECT_DIR / "var" / "bench" / "worker_memory.json"


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants, from /proc."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            children = (task / "children").read_text().split()
            queue.extend(int(child) for child in children)
    return found


def resident_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def reading(pid: int, sent: int) -> dict[str, Any]:
    time.sleep(SETTLE_SECONDS)
    per_process = {child: resident_kb(child) for child in process_tree(pid)}
    return {"sent": sent, "total_kb": sum(per_process.values()), "processes_kb": list(per_process.values())}


def send(outbox: Outbox, count: int, first: int) -> None:
    plan_follow_ups(count, first=first)
    publish_dispatch(outbox, CONCURRENCY)
    wait_until_sent(first + count)


def measure(outbox: Outbox) -> list[dict[str, Any]]:
    clear_follow_ups()
    worker = start_worker(outbox, "memory", f"--concurrency={CONCURRENCY}")
    try:
        send(outbox, WARM_UP, first=0)
        readings = [reading(worker.pid, 0)]
        per_round = MESSAGES // ROUNDS
        for number in range(ROUNDS):
            send(outbox, per_round, first=WARM_UP + number * per_round)
            readings.append(reading(worker.pid, (number + 1) * per_round))
            print(f"  {readings[-1]['sent']:>6,} sent: {readings[-1]['total_kb'] / 1024:.1f} MB", flush=True)
        return readings
    finally:
        stop_workers([worker])


def report(readings: list[dict[str, Any]]) -> dict[str, Any]:
    before, after = readings[0], readings[-1]
    growth_mb = (after["total_kb"] - before["total_kb"]) / 1024
    print()
    print(f"Celery worker (prefork, {CONCURRENCY} pool processes): resident memory, VmRSS summed over its processes")
    print(f"{'sent':>8} {'total MB':>9}  per process MB (main, pool...)")
    for row in readings:
        parts = ", ".join(f"{kb / 1024:.1f}" for kb in row["processes_kb"])
        print(f"{row['sent']:>8,} {row['total_kb'] / 1024:>9.1f}  {parts}")
    ok = growth_mb <= TARGET_GROWTH_MB
    print(
        f"\nBefore {before['total_kb'] / 1024:.1f} MB (after {WARM_UP} warm-up sends), after {MESSAGES:,} more "
        f"{after['total_kb'] / 1024:.1f} MB: growth {growth_mb:+.1f} MB (target <= {TARGET_GROWTH_MB:.0f} MB)  "
        f"{'ok' if ok else 'MISSED'}"
    )
    return {
        "warm_up": WARM_UP,
        "messages": MESSAGES,
        "concurrency": CONCURRENCY,
        "before_mb": round(before["total_kb"] / 1024, 1),
        "after_mb": round(after["total_kb"] / 1024, 1),
        "growth_mb": round(growth_mb, 1),
        "target_growth_mb": TARGET_GROWTH_MB,
        "ok": ok,
        "readings": readings,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strict", action="store_true", help="Exit with status 1 when the growth is over target.")
    options = parser.parse_args()
    started = time.monotonic()
    print(f"Sending {WARM_UP} then {MESSAGES:,} follow-ups through one Celery worker", flush=True)
    with running_outbox("bench-memory-") as outbox:
        figures = report(measure(outbox))
    figures["elapsed_seconds"] = round(time.monotonic() - started, 1)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"Written to {OUTPUT.relative_to(PROJECT_DIR)} in {figures['elapsed_seconds']:.0f} s.")
    return 1 if options.strict and not figures["ok"] else 0


if __name__ == "__main__":
    sys.exit(main())
