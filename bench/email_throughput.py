"""`make bench-email`: 10,000 due follow-ups through the real pipeline vs a plain smtplib loop.

The pipeline is what production runs: follow-up rows in PostgreSQL, dispatch
tasks through Redis, Celery workers claiming, rendering, sending and recording
each outcome. The baseline sends the very same messages (rendered beforehand)
over one smtplib connection. Both go to the same SMTP sink, a separate process.
The machine's speed moves within a minute, so the loop sends half the messages
just before the pipeline runs and the other half just after it, and its rate is
taken over both halves: the two figures sample the same stretch of time.
A Redis server of its own and a database of its own keep the machine's shared
ones untouched (bench/support/outbox.py). Prints the figures and writes
var/bench/email.json.
"""

from __future__ import annotations

import json
import os
import smtplib
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

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))
WORKERS = int(os.environ.get("BENCH_EMAIL_WORKERS", "2"))
TARGET_RATIO = 0.5
OUTPUT = PROJECT_DIR / "var" / "bench" / "email.json"


def run_pipeline(outbox: Outbox) -> float:
    workers = [start_worker(outbox, f"bench{index}", "--pool=solo") for index in range(WORKERS)]
    try:
        started = time.perf_counter()
        publish_dispatch(outbox, WORKERS)
        wait_until_sent(MESSAGES)
        return time.perf_counter() - started
    finally:
        stop_workers(workers)


def plain_messages() -> list[Any]:
    """The follow-ups' messages, built beforehand: the loop only serialises and sends them, as any sender must."""
    from offboarding.models import FollowUp
    from offboarding.outbox.emails import follow_up_message, render_follow_up

    follow_ups = FollowUp.objects.select_related("client__account_manager", "case").order_by("id")
    return [follow_up_message(row, render_follow_up(row)) for row in follow_ups]


def run_plain_loop(smtp_port: int, messages: list[Any]) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as server:
        for message in messages:
            server.sendmail(message.from_email, message.recipients(), message.message().as_bytes(linesep="\r\n"))
    return time.perf_counter() - started


def main() -> None:
    with running_outbox("bench-email-") as outbox:
        clear_follow_ups()
        plan_follow_ups(MESSAGES)
        messages = plain_messages()
        half = len(messages) // 2
        plain_before = run_plain_loop(outbox.smtp_port, messages[:half])
        pipeline_seconds = run_pipeline(outbox)
        plain_after = run_plain_loop(outbox.smtp_port, messages[half:])
    plain_seconds = plain_before + plain_after
    pipeline_rate, plain_rate = MESSAGES / pipeline_seconds, MESSAGES / plain_seconds
    ratio = pipeline_rate / plain_rate
    print(f"{MESSAGES} messages, {WORKERS} Celery workers")
    print(f"pipeline (PostgreSQL outbox + Redis + Celery): {pipeline_rate:8.0f} messages/s ({pipeline_seconds:.1f} s)")
    print(
        f"plain smtplib loop:                            {plain_rate:8.0f} messages/s ({plain_seconds:.1f} s: "
        f"{plain_before:.1f} s for half before the pipeline, {plain_after:.1f} s for half after)"
    )
    print(f"ratio: {ratio:.2f} (target >= {TARGET_RATIO:.2f})  {'ok' if ratio >= TARGET_RATIO else 'MISSED'}")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    figures = {
        "messages": MESSAGES,
        "workers": WORKERS,
        "pipeline_per_second": round(pipeline_rate, 1),
        "plain_per_second": round(plain_rate, 1),
        "plain_seconds_before_and_after": [round(plain_before, 1), round(plain_after, 1)],
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "ok": ratio >= TARGET_RATIO,
    }
    OUTPUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"Written to {OUTPUT.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
