"""`make bench-email`: 10,000 due follow-ups through the real pipeline vs a plain smtplib loop.

The pipeline is what production runs: follow-up rows in PostgreSQL, dispatch
tasks through Redis, Celery workers claiming, rendering, sending and recording
each outcome. The baseline sends the very same messages (rendered beforehand)
over one smtplib connection. Both go to the same SMTP sink, a separate process.
A Redis server of its own and a database of its own keep the machine's shared
ones untouched.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/offboarding_bench")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"Nothing is listening on port {port}.")


def configure_environment(redis_port: int, smtp_port: int, folder: Path) -> dict[str, str]:
    settings = {
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "SITE_URL": "http://localhost:8000",
        "VAR_DIR": str(folder),
        "FOLLOW_UP_BUSINESS_HOURS": "0-24",
        "FOLLOW_UP_BUSINESS_WEEKDAYS": "1-7",
        "DJANGO_SETTINGS_MODULE": "offboarding.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(settings)
    return {**os.environ, **settings}


def create_database() -> None:
    import psycopg2
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    admin = psycopg2.connect(
        dbname="postgres",
        user=settings.DATABASES["default"]["USER"],
        host=settings.DATABASES["default"]["HOST"],
        port=settings.DATABASES["default"]["PORT"],
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def plan_follow_ups() -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from clients.models import Client
    from offboarding.models import FollowUp
    from offboarding.services.followups import message_id_for

    call_command("migrate", verbosity=0)
    FollowUp.objects.all().delete()
    manager, _created = User.objects.get_or_create(
        username="bench-amelia", defaults={"email": "amelia@northwind.example"}
    )
    client, _created = Client.objects.get_or_create(
        contact_email="bench@client.example",
        defaults={"company_name": "Bench Client", "contact_name": "Sam Bench", "account_manager": manager},
    )
    now = timezone.now()
    rows = []
    for number in range(MESSAGES):
        key = f"bench:{number}"
        rows.append(
            FollowUp(
                key=key,
                kind=FollowUp.Kind.CHECK_IN,
                client=client,
                recipient_email=f"reader{number}@client.example",
                due_at=now,
                next_attempt_at=now,
                message_id=message_id_for(key),
            )
        )
    FollowUp.objects.bulk_create(rows, batch_size=2000)


def run_pipeline(environment: dict[str, str], folder: Path) -> float:
    from celery import Celery
    from kombu import Connection

    from offboarding.models import FollowUp

    workers = [
        subprocess.Popen(  # noqa: S603 (fixed arguments)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "offboarding",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
                "-n",
                f"bench{index}@%h",
            ],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=(folder / f"worker{index}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for index in range(WORKERS)
    ]
    try:
        time.sleep(4)  # let the workers bind their queue before the first task is published
        started = time.perf_counter()
        with Connection(environment["CELERY_BROKER_URL"]) as connection:
            for _ in range(WORKERS):
                Celery().send_task("offboarding.tasks.dispatch_follow_ups", connection=connection)
        sent = FollowUp.objects.filter(status=FollowUp.Status.SENT)
        while sent.count() < MESSAGES:
            if time.perf_counter() - started > 600:
                raise SystemExit(f"Only {sent.count()} of {MESSAGES} sent after ten minutes.")
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


def run_plain_loop(smtp_port: int) -> float:
    from offboarding.emails import follow_up_message, render_follow_up
    from offboarding.models import FollowUp

    follow_ups = FollowUp.objects.select_related("client__account_manager", "case").order_by("id")
    # The same messages, built beforehand; the loop only serialises and sends them, as any sender must.
    messages = [follow_up_message(row, render_follow_up(row)) for row in follow_ups]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as server:
        for message in messages:
            server.sendmail(message.from_email, message.recipients(), message.message().as_bytes(linesep="\r\n"))
    return time.perf_counter() - started


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-email-"))
    redis_port, smtp_port = free_port(), free_port()
    environment = configure_environment(redis_port, smtp_port, folder)
    redis = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    sink = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(redis_port)
        wait_until_listening(smtp_port)
        sys.path.insert(0, str(PROJECT_DIR))
        import django

        django.setup()
        create_database()
        plan_follow_ups()
        pipeline_seconds = run_pipeline(environment, folder)
        plain_seconds = run_plain_loop(smtp_port)
    finally:
        sink.terminate()
        redis.terminate()
        sink.wait(timeout=10)
        redis.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    pipeline_rate, plain_rate = MESSAGES / pipeline_seconds, MESSAGES / plain_seconds
    print(f"{MESSAGES} messages, {WORKERS} Celery workers")
    print(f"pipeline (PostgreSQL outbox + Redis + Celery): {pipeline_rate:8.0f} messages/s ({pipeline_seconds:.1f} s)")
    print(f"plain smtplib loop:                            {plain_rate:8.0f} messages/s ({plain_seconds:.1f} s)")
    print(f"ratio: {pipeline_rate / plain_rate:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
