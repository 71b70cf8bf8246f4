"""What the outbox benchmarks run against: a Redis and an SMTP sink of their own, the database, Celery workers.

Shared by bench/email_throughput.py and bench/worker_memory.py. The Redis server
and the SMTP sink (aiosmtpd, a separate process) listen on free loopback ports
and are stopped afterwards, so the machine's shared Redis is never touched; the
database is the one named in BENCH_DATABASE_URL (created when missing, never
dropped). Workers are real `celery worker` processes with the production settings
(DEBUG off), started the way the Procfile starts them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/offboarding_bench")


@dataclass(frozen=True)
class Outbox:
    """The running surroundings: the workers' environment, the SMTP sink's port, a scratch folder."""

    environment: dict[str, str]
    smtp_port: int
    folder: Path


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
    """Settings for this process and the workers: production mode, mail open around the clock."""
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


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A Redis of the benchmark's own on a loopback port, keeping nothing on disk."""
    command = [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 (fixed arguments)


def _start_sink(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603 (fixed)


@contextmanager
def running_outbox(prefix: str) -> Iterator[Outbox]:
    """Start Redis and the SMTP sink, set Django up against the benchmark database; stop both afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    redis_port, smtp_port = free_port(), free_port()
    environment = configure_environment(redis_port, smtp_port, folder)
    redis, sink = start_redis(redis_port, folder), _start_sink(smtp_port)
    try:
        wait_until_listening(redis_port)
        wait_until_listening(smtp_port)
        sys.path.insert(0, str(PROJECT_DIR))
        import django

        django.setup()
        create_database()
        yield Outbox(environment=environment, smtp_port=smtp_port, folder=folder)
    finally:
        for process in (sink, redis):
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def create_database() -> None:
    """Create the benchmark database when missing, and bring its tables up to date."""
    import psycopg2
    from django.conf import settings
    from django.core.management import call_command

    params = settings.DATABASES["default"]
    admin = psycopg2.connect(dbname="postgres", user=params["USER"], host=params["HOST"], port=params["PORT"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{params["NAME"]}"')
    admin.close()
    call_command("migrate", verbosity=0)


def plan_follow_ups(count: int, *, first: int = 0) -> None:
    """`count` check-ins due now, numbered from `first` (each a distinct reader and Message-ID)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from clients.models import Client
    from offboarding.models import FollowUp
    from offboarding.outbox.services import message_id_for

    manager, _created = User.objects.get_or_create(
        username="bench-amelia", defaults={"email": "amelia@northwind.example"}
    )
    # A client who agreed to keep in touch: the dispatcher checks consent before it sends a check-in.
    client, _created = Client.objects.update_or_create(
        contact_email="bench@client.example",
        defaults={"keep_in_touch": "yes"},
        create_defaults={
            "company_name": "Bench Client",
            "contact_name": "Sam Bench",
            "account_manager": manager,
            "keep_in_touch": "yes",
        },
    )
    now = timezone.now()
    rows = [
        FollowUp(
            key=f"bench:{number}",
            kind=FollowUp.Kind.CHECK_IN,
            client=client,
            recipient_email=f"reader{number}@client.example",
            due_at=now,
            next_attempt_at=now,
            message_id=message_id_for(f"bench:{number}"),
        )
        for number in range(first, first + count)
    ]
    FollowUp.objects.bulk_create(rows, batch_size=2000)


def clear_follow_ups() -> None:
    from offboarding.models import FollowUp

    FollowUp.objects.all().delete()


def start_worker(outbox: Outbox, name: str, *options: str) -> subprocess.Popen[bytes]:
    """A `celery worker` process; returns once it has bound its queue (a task sent earlier could be lost)."""
    log = outbox.folder / f"{name}.log"
    arguments = ["worker", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
    # Celery logs through Django's LOGGING, whose level is LOG_LEVEL: at WARNING the "ready." line
    # waited for below is never written. INFO is also what production runs at.
    process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "celery", "-A", "offboarding", *arguments, *options, "-n", f"{name}@%h"],
        cwd=PROJECT_DIR,
        env={**outbox.environment, "LOG_LEVEL": "INFO"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"The Celery worker {name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    return process


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


def publish_dispatch(outbox: Outbox, tasks: int) -> None:
    """Publish `tasks` dispatch tasks, as beat (or a nudge from a web request) does."""
    from celery import Celery
    from kombu import Connection

    # An explicit connection: Celery prefers the CELERY_BROKER_URL variable over broker=.
    with Connection(outbox.environment["CELERY_BROKER_URL"]) as connection:
        for _ in range(tasks):
            Celery().send_task("offboarding.tasks.dispatch_follow_ups", connection=connection)


def wait_until_sent(total: int, timeout: float = 600) -> None:
    from offboarding.models import FollowUp

    started = time.monotonic()
    sent = FollowUp.objects.filter(status=FollowUp.Status.SENT)
    while sent.count() < total:
        if time.monotonic() - started > timeout:
            raise SystemExit(f"Only {sent.count()} of {total} sent after {timeout:.0f} s.")
        time.sleep(0.05)
