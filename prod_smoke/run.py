"""`make prod-smoke`: the production deployment on this machine, driven as people and operators use it.

Starts what README "Running in production" describes, with the production
settings (DEBUG off): two gunicorn nodes on two ports, two Celery workers and
one beat, against PostgreSQL (a database of its own, migrated fresh) and Redis
(a database number of its own), mail to an SMTP server on loopback. Then:

1. the outbox metrics before any worker runs (the demo data plans only what is due now, often nothing);
2. amelia signs in and logs a departure through node A with the real forms
   (CSRF and all): opens the case, records the required steps, marks it departed;
3. the case page (with the message the departure left) through node B, and
   marta's dashboard through node B after signing in through node A; node A is
   reloaded with SIGHUP while amelia keeps reading her case through it;
4. the thank-you arrives at the SMTP server exactly once;
5. the metrics show the outbox emptied;
6. a second beat is started and stopped: no extra mail;
7. every process is stopped, every line of every log must be a JSON object, and
   the departure's request id is found in the web log, in the worker's log (the
   line of the sent thank-you) and on the thank-you's row.

Everything it starts runs in its own process group and is stopped in a finally
block, also when a step fails or the run is interrupted. Settings:
SMOKE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/offboarding_smoke;
its name must contain "smoke", since it is dropped) and SMOKE_REDIS_URL (default
redis://127.0.0.1:6379/14; that database number is emptied).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from prod_smoke.browser import Answer, Browser  # noqa: E402
from prod_smoke.mail import MailServer  # noqa: E402
from prod_smoke.outbox import OutboxFigures, outbox_figures  # noqa: E402
from prod_smoke.processes import Process, Processes, wait_until  # noqa: E402

DATABASE_URL = os.environ.get("SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/offboarding_smoke")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/14")
FOLDER = PROJECT_DIR / "var" / "prod-smoke"
PASSWORD = "leave-well-2026"  # noqa: S105 (the demo users', manage.py seed_demo)
METRICS_TOKEN = "prod-smoke-metrics-token-0123456789abcdef"  # noqa: S105 (only on loopback)
DISPATCH_EVERY_SECONDS = 2


@dataclass(frozen=True)
class Ports:
    web_a: int
    web_b: int
    smtp: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_environment(ports: Ports) -> dict[str, str]:
    """The production settings, as an operator sets them, with what plain HTTP on loopback needs."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "offboarding.settings",
        "DEBUG": "0",
        "SECRET_KEY": "prod-smoke-secret-key-only-on-loopback-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{ports.web_a}",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(ports.smtp),
        "METRICS_TOKEN": METRICS_TOKEN,
        "VAR_DIR": str(FOLDER / "var"),
        "WEB_CONCURRENCY": "2",
        "FOLLOW_UP_DISPATCH_EVERY_SECONDS": str(DISPATCH_EVERY_SECONDS),
        # Mail may leave at any hour, so that the run does not depend on the time of day.
        "FOLLOW_UP_BUSINESS_HOURS": "0-24",
        "FOLLOW_UP_BUSINESS_WEEKDAYS": "1-7",
        # No staff digest: beat plans them every quarter of an hour, and the run counts the mail exactly.
        "FOLLOW_UP_DIGEST_HOUR": "24",
        # Plain HTTP on loopback: no TLS proxy in front, so no redirect to HTTPS and no Secure cookies.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "PYTHONUNBUFFERED": "1",
    }


def check(condition: bool, failure: str) -> None:
    if not condition:
        raise SystemExit(f"prod-smoke failed: {failure}")


def _on_the_server(*statements: str) -> None:
    import psycopg2

    url = urlsplit(DATABASE_URL)
    server = psycopg2.connect(
        dbname="postgres", user=url.username, password=url.password, host=url.hostname, port=url.port
    )
    server.autocommit = True
    with server.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    server.close()


def database_name() -> str:
    name = urlsplit(DATABASE_URL).path.lstrip("/")
    check("smoke" in name, f"SMOKE_DATABASE_URL must name a database with 'smoke' in it (it is dropped); got {name!r}")
    return name


def fresh_database_and_redis() -> None:
    import redis

    name = database_name()
    _on_the_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()


def drop_database() -> None:
    _on_the_server(f'DROP DATABASE IF EXISTS "{database_name()}" WITH (FORCE)')


class Smoke:
    def __init__(self, processes: Processes, ports: Ports, mail: MailServer) -> None:
        self.processes = processes
        self.ports = ports
        self.mail = mail
        self.started = time.monotonic()
        self.workers: list[Process] = []
        self.web_a: Process | None = None

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:5.1f} s] {text}", flush=True)

    def deploy(self) -> None:
        for command in (["migrate", "--noinput"], ["seed_demo"], ["collectstatic", "--noinput"]):
            self.processes.run(*command)
        self.say("database migrated fresh, demo data loaded, static files collected")
        self.mail.start()
        self.web_a = self.processes.web("web-a", self.ports.web_a)
        web_b = self.processes.web("web-b", self.ports.web_b)
        _wait_for_healthz(self.web_a, self.ports.web_a)
        _wait_for_healthz(web_b, self.ports.web_b)
        self.say(f"two gunicorn nodes answer: A on {self.ports.web_a}, B on {self.ports.web_b}")

    def start_workers(self) -> None:
        self.workers = [self.processes.worker("worker-1"), self.processes.worker("worker-2")]
        self.processes.beat("beat-1")
        self.say("two Celery workers ready, one beat started")

    def figures(self, port: int) -> OutboxFigures:
        return outbox_figures(port, METRICS_TOKEN)

    def log_departure(self, browser: Browser) -> tuple[int, Answer]:
        """Through node A: open a case for one of amelia's clients, record the required steps, mark it departed."""
        from django.utils import timezone

        from clients.models import Client

        port = self.ports.web_a
        browser.sign_in(port, "amelia", PASSWORD)
        client = Client.objects.filter(account_manager__username="amelia", cases=None, status="active").first()
        if client is None:
            raise SystemExit("prod-smoke failed: the demo data has no client of amelia's without a case")
        today = timezone.localdate()
        form = browser.get(port, f"/cases/open/{client.pk}/")
        opened = browser.post(
            port,
            f"/cases/open/{client.pk}/",
            {
                "notice_received_on": (today - timedelta(days=20)).isoformat(),
                "planned_leave_date": (today - timedelta(days=1)).isoformat(),
                "how_heard": "email",
                "first_notes": "Called to say they are moving to an in-house team.",
            },
            form,
        )
        case_pk = int(_expect(opened, 302).location.rstrip("/").rsplit("/", 1)[-1])
        for step, fields in _step_fields().items():
            page = browser.get(port, f"/cases/{case_pk}/")
            _expect(browser.post(port, f"/cases/{case_pk}/steps/{step}/", fields, page), 302)
        page = browser.get(port, f"/cases/{case_pk}/")
        departed = _expect(browser.post(port, f"/cases/{case_pk}/depart/", {}, page), 302)
        self.say(f"departure of {client.company_name} logged through node A (request id {departed.request_id})")
        return case_pk, departed

    def reload_a_gracefully(self, browser: Browser, case_pk: int) -> None:
        """SIGHUP, as `systemctl reload` sends it: new workers, and every request meanwhile answered."""
        web_a = next(process for process in self.processes.started if process.name == "web-a")
        booted, retired = _worker_lines(web_a, "Booting worker"), _worker_lines(web_a, "Worker exiting")
        os.kill(web_a.popen.pid, signal.SIGHUP)
        answers = []
        deadline = time.monotonic() + 30
        # Each worker logs for itself, so a new one's "Booting" may come after an old one's "exiting".
        while time.monotonic() < deadline and (
            _worker_lines(web_a, "Worker exiting") < retired + 2 or _worker_lines(web_a, "Booting worker") < booted + 2
        ):
            answers.append(browser.get(self.ports.web_a, f"/cases/{case_pk}/").status)
        check(_worker_lines(web_a, "Booting worker") >= booted + 2, "node A booted new workers after SIGHUP")
        check(_worker_lines(web_a, "Worker exiting") >= retired + 2, "node A retired its old workers")
        check(set(answers) == {200}, f"every request during the reload was answered: {sorted(set(answers))}")
        self.say(f"node A reloaded with SIGHUP: old workers retired, {len(answers)} requests meanwhile, all answered")

    def read_through_b(self, browser: Browser, case_pk: int) -> None:
        case_page = _expect(browser.get(self.ports.web_b, f"/cases/{case_pk}/"), 200)
        check("left us" in case_page.body, "the case page through node B shows the departure")
        check("is marked as departed" in case_page.body, "the message left on node A is shown by node B")
        manager = Browser()
        manager.sign_in(self.ports.web_a, "marta", PASSWORD)
        dashboard = _expect(manager.get(self.ports.web_b, "/feedback/"), 200)
        check("Why clients leave" in dashboard.body, "marta's dashboard through node B")
        self.say("case page (with node A's message) and marta's dashboard read through node B")

    def thank_you_once(self, case_pk: int) -> Any:
        from offboarding.models import FollowUp

        thank_you = FollowUp.objects.get(case_id=case_pk, kind=FollowUp.Kind.THANK_YOU)
        wait_until(lambda: thank_you.message_id in self.mail.message_ids(), 60, self.workers[0])
        time.sleep(2 * DISPATCH_EVERY_SECONDS)  # long enough for a duplicate to show up, were there one
        ids = self.mail.message_ids()
        check(ids.count(thank_you.message_id) == 1, "the thank-you arrived exactly once")
        check(len(ids) == len(set(ids)), f"no message arrived twice: {ids}")
        self.say(f"the thank-you arrived exactly once ({len(ids)} messages in all, none twice)")
        return FollowUp.objects.get(pk=thank_you.pk)

    def second_beat_changes_nothing(self) -> None:
        before = self.mail.message_ids()
        beat = self.processes.beat("beat-2")
        wait_until(lambda: _beat_nudges(beat) >= 2, 30, beat)
        beat.stop()
        time.sleep(2 * DISPATCH_EVERY_SECONDS)
        check(self.mail.message_ids() == before, "a second beat sent nothing more")
        self.say(f"a second beat published {_beat_nudges(beat)} nudges and was stopped: no extra mail")


def _step_fields() -> dict[str, dict[str, str]]:
    from offboarding.models import ChurnReason

    reason = ChurnReason.objects.filter(retired_at=None).order_by("pk").first()
    if reason is None:
        raise SystemExit("prod-smoke failed: the demo data has no active churn reason")
    return {
        "probe": {
            "probe-primary_reason": str(reason.pk),
            "probe-client_words": "We are building the team in-house.",
            "probe-departure_kind": "need_met",
            "probe-worth_saving": "yes",
            "probe-worth_saving_why": "A good client for six years.",
        },
        "transition": {"transition-notes": "Handover to their new team lead."},
        "thanks": {"thanks-personal_note": "Thank you for six good years.", "thanks-send_card": "on"},
        "keep_in_touch": {"keep_in_touch-consent": "yes", "keep_in_touch-cadence": "twice_a_year"},
    }


def _expect(answer: Answer, status: int) -> Answer:
    if answer.status != status:
        raise SystemExit(f"Expected {status}, got {answer.status}:\n{answer.body[:3000]}")
    return answer


def _wait_for_healthz(process: Process, port: int) -> None:
    def answers() -> bool:
        try:
            return Browser().get(port, "/healthz").status == 200
        except OSError:
            return False

    wait_until(answers, 60, process)


def _worker_lines(web: Process, start: str) -> int:
    return sum(str(line.get("message")).startswith(start) for line in web.json_lines())


def _beat_nudges(beat: Process) -> int:
    return sum("Sending due task dispatch-follow-ups" in str(line.get("message")) for line in beat.json_lines())


def check_logs(processes: Processes, request_id: str, case_pk: int, thank_you: Any) -> None:
    """After every process stopped: all lines JSON; the departure's id in the web log, the worker's and the row."""
    for process in processes.started:
        plain = process.plain_lines()
        check(not plain, f"{process.name} wrote lines that are not JSON:\n" + "\n".join(plain[:10]))
    web_a = next(process for process in processes.started if process.name == "web-a")
    departure_lines = [
        line
        for line in web_a.json_lines()
        if line.get("request_id") == request_id and line.get("path") == f"/cases/{case_pk}/depart/"
    ]
    check(len(departure_lines) == 1, "node A's access log names the departure's request id")
    workers = [process for process in processes.started if process.name.startswith("worker")]
    sent = [line for worker in workers for line in worker.json_lines() if line.get("follow_up_id") == thank_you.pk]
    check([line.get("request_id") for line in sent] == [request_id], f"the worker logged the sending once: {sent}")
    check(thank_you.request_id == request_id, "the thank-you's row names the request that planned it")


def scenario(processes: Processes, ports: Ports, mail: MailServer) -> tuple[str, int, Any]:
    smoke = Smoke(processes, ports, mail)
    fresh_database_and_redis()
    smoke.deploy()
    import django

    django.setup()
    waiting = smoke.figures(ports.web_b)
    smoke.say(f"metrics before the workers: {waiting}")
    smoke.start_workers()
    browser = Browser()
    case_pk, departed = smoke.log_departure(browser)
    smoke.read_through_b(browser, case_pk)
    smoke.reload_a_gracefully(browser, case_pk)
    thank_you = smoke.thank_you_once(case_pk)
    wait_until(lambda: smoke.figures(ports.web_a).oldest_due_seconds == 0, 30)
    emptied = smoke.figures(ports.web_a)
    check(emptied.sent > waiting.sent, "the metrics count the mail sent")
    smoke.say(f"metrics after: {emptied}")
    smoke.second_beat_changes_nothing()
    for port in (ports.web_a, ports.web_b):
        health = _expect(Browser().get(port, "/healthz"), 200).body
        check("cache: ok" in health and "dispatcher: ok" in health, health)
    smoke.say("both nodes healthy: " + health.replace("\n", "; ").strip("; "))
    return departed.request_id, case_pk, thank_you


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    ports = Ports(web_a=free_port(), web_b=free_port(), smtp=free_port())
    environment = production_environment(ports)
    os.environ.update(environment)
    processes = Processes(FOLDER, environment)
    mail = MailServer(ports.smtp)
    # A stop asked of the smoke test itself (Ctrl-C, a CI timeout) still runs the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        request_id, case_pk, thank_you = scenario(processes, ports, mail)
    finally:
        processes.stop_all()
        mail.stop()
        _close_database_connections()
        drop_database()
    check_logs(processes, request_id, case_pk, thank_you)
    lines = sum(len(process.json_lines()) for process in processes.started)
    print(
        f"[{time.monotonic() - started:5.1f} s] every process stopped; {lines} log lines, all JSON; request id "
        f"{request_id} found in node A's access log, the worker's log and the thank-you's row"
    )
    print(f"prod-smoke passed in {time.monotonic() - started:.0f} s (logs in {FOLDER})")
    return 0


def _close_database_connections() -> None:
    from django.db import connections

    connections.close_all()


if __name__ == "__main__":
    sys.exit(main())
