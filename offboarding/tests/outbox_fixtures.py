"""Fixtures and helpers of the outbox tests: departed cases, a real SMTP sink, disposable Redis, Celery workers.

Import the fixtures you use from here (B owns offboarding/tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from kombu import Connection

from clients.models import Client
from offboarding.models import DepartureCase, FollowUp, KeepInTouchStep, ThankStep
from offboarding.outbox.services import follow_ups_plan_for_departure
from offboarding.services.cases import case_mark_departed, step_skip
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory

PROJECT_DIR = Path(__file__).resolve().parents[2]
ALWAYS_OPEN = {"FOLLOW_UP_BUSINESS_HOURS": (0, 24), "FOLLOW_UP_BUSINESS_WEEKDAYS": (1, 7)}


def departed_case(
    *,
    client: Client,
    leave_date: date,
    consent: bool | None = None,
    renewal: date | None = None,
    send_card: bool = True,
    cadence: str = "",
) -> DepartureCase:
    """A case closed as departed on leave_date with the given keep-in-touch answer (follow-ups not planned)."""
    case = DepartureCaseFactory.create(
        client=client, notice_received_on=leave_date - timedelta(days=30), planned_leave_date=leave_date
    )
    KeepInTouchStep.objects.filter(case=case).update(cadence=cadence, new_contract_renewal_on=renewal)
    if consent is not None:  # as recording the step does: the answer is the client's
        Client.objects.filter(pk=client.pk).update(keep_in_touch="yes" if consent else "no")
    ThankStep.objects.filter(case=case).update(send_card=send_card)
    case.status = DepartureCase.Status.DEPARTED
    case.departed_on = leave_date
    case.save(update_fields=["status", "departed_on"])
    return DepartureCase.objects.select_related("client__account_manager").get(pk=case.pk)


def planned_case(client: Client, leave_date: date, now: Any, **answers: Any) -> list[FollowUp]:
    case = departed_case(client=client, leave_date=leave_date, **answers)
    return follow_ups_plan_for_departure(case=case, actor=None, now=now)


def depart_through_case_services(case: DepartureCase, actor: User) -> DepartureCase:
    """Close a case as departed the way the case page does: required steps skipped, then case_mark_departed."""
    for step in ("probe", "transition", "thanks", "keep_in_touch"):
        step_skip(case=case, step=step, actor=actor, reason="Not needed for this test")
    return case_mark_departed(case=case, actor=actor)


def digest_time(at: datetime) -> datetime:
    """`at`, or the digest hour of its day when it is earlier: the first moment staff_digests_plan plans that day.

    For the business's time zone, as for staff who chose none (digests are planned from the digest hour of
    each person's own day).
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    return max(
        at, datetime.combine(at.astimezone(zone).date(), time_of_day(settings.FOLLOW_UP_DIGEST_HOUR), tzinfo=zone)
    )


def by_kind(follow_ups: list[FollowUp]) -> dict[str, list[FollowUp]]:
    grouped: dict[str, list[FollowUp]] = {}
    for follow_up in sorted(follow_ups, key=lambda row: row.due_at):
        grouped.setdefault(follow_up.kind, []).append(follow_up)
    return grouped


@pytest.fixture
def always_open(settings: Any) -> None:
    """Business hours around the clock, so a test's time of day does not hold mail back."""
    for name, value in ALWAYS_OPEN.items():
        setattr(settings, name, value)


@pytest.fixture
def former_client(account_manager: User) -> Client:
    return ClientFactory.create(
        company_name="Birch & Co",
        contact_name="Rosa Birch",
        contact_email="rosa@birch.example",
        account_manager=account_manager,
    )


# --- Failing mail backend for unit tests ------------------------------------------------


class FailingBackend(BaseEmailBackend):
    """Raises the exception in FailingBackend.error on every send (None: accepts like locmem)."""

    error: Exception | None = None
    sent: list[Any] = []

    def send_messages(self, email_messages: Any) -> int:
        if FailingBackend.error is not None:
            raise FailingBackend.error
        FailingBackend.sent.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def failing_mail(settings: Any) -> Iterator[type[FailingBackend]]:
    settings.EMAIL_BACKEND = "offboarding.tests.outbox_fixtures.FailingBackend"
    FailingBackend.error = None
    FailingBackend.sent = []
    yield FailingBackend
    FailingBackend.error = None


# --- A real SMTP server on loopback ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SinkHandler:
    """Records every accepted message; `hold` makes DATA wait, `refuse_held` then answers 451 instead of 250."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.hold = threading.Event()
        self.release = threading.Event()
        self.holding = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Not accepted, try again"
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 2.0.0 Accepted"


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = SinkHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.handler.release.set()
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Message]:
        with self.handler.lock:
            return list(self.handler.messages)

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# --- A disposable Redis and real Celery processes -----------------------------------------


class DisposableRedis:
    """A redis-server of our own on a free loopback port: stopping it touches nothing shared."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([*command, "--dir", str(self.folder)], stdout=subprocess.DEVNULL)
        assert wait_for(self._answers, timeout=10), "redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def disposable_redis(tmp_path: Path) -> Iterator[DisposableRedis]:
    redis = DisposableRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def worker_database_url() -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


class CeleryProcesses:
    """Workers and beats as real subprocesses against the test database, the given Redis and SMTP sink."""

    def __init__(self, redis: DisposableRedis, sink: SmtpSink, folder: Path) -> None:
        self.redis = redis
        self.sink = sink
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []
        self.extra_env: dict[str, str] = {}

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": self.redis.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.sink.port),
            "EMAIL_TIMEOUT": "3",
            "DEBUG": "0",
            "VAR_DIR": str(self.folder),
            "FOLLOW_UP_BUSINESS_HOURS": "0-24",
            "FOLLOW_UP_BUSINESS_WEEKDAYS": "1-7",
            "FOLLOW_UP_DISPATCH_EVERY_SECONDS": "1",
            **self.extra_env,
        }

    def _start(self, arguments: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "offboarding", *arguments],
            cwd=PROJECT_DIR,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def worker(self, name: str = "w1") -> subprocess.Popen[bytes]:
        arguments = ["worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        process = self._start([*arguments, "--loglevel=INFO", "-n", f"{name}@%h"], f"worker-{name}")
        log = self.folder / f"worker-{name}.log"
        # A task published before the worker has bound its queue can be lost; wait until it listens.
        assert wait_for(lambda: " ready." in log.read_text(errors="replace"), timeout=30), self.logs()
        return process

    def beat(self, name: str = "b1") -> subprocess.Popen[bytes]:
        schedule = str(self.folder / f"beat-{name}-schedule")
        return self._start(["beat", "--loglevel=INFO", "--schedule", schedule], f"beat-{name}")

    def publish_dispatch(self) -> None:
        # An explicit connection: Celery prefers the CELERY_BROKER_URL variable over broker=.
        with Connection(self.redis.url) as connection:
            Celery().send_task("offboarding.tasks.dispatch_follow_ups", connection=connection)

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self.folder.glob("*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture
def celery_processes(
    disposable_redis: DisposableRedis, smtp_sink: SmtpSink, tmp_path: Path
) -> Iterator[CeleryProcesses]:
    processes = CeleryProcesses(disposable_redis, smtp_sink, tmp_path)
    yield processes
    processes.stop_all()
