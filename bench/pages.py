"""Pages under load: each main page's requests per second beside the stack's floor, at 10,000 cases.

gunicorn serves the app on loopback with production settings (DEBUG off,
collected static files, sync workers); wrk keeps 20 connections busy on one URL
for a bounded time, signed in through a session cookie. The floor is a minimal
Django view on the same server (bench/support/floor_urls.py) that passes the
same middleware; it is measured before and after the pages and its mean is the
reference. Every request renders its page from the database. Target: every
page at least half the floor's requests per second, with every response a 2xx.

A page whose URL name does not exist yet is skipped and listed as such, so the
benchmark picks up new pages by itself. Prints a table and writes
var/bench/pages.json. Run with `make bench-pages` (`--strict` exits 1 when a
target is missed).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.support import database  # noqa: E402

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "20"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARM_UP_SECONDS = 2
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
TARGET_RATIO = 0.5
OUTPUT = BASE_DIR / "var" / "bench" / "pages.json"
GUNICORN = Path(sys.executable).with_name("gunicorn")

# Counts every response that is not a 2xx (wrk's own count lets redirects pass,
# and a redirect to the sign-in page must count as a failure), then prints the
# figures of all threads as one JSON line.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("non2xx") end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, '
      .. '"p50_ms": %.3f, "p99_ms": %.3f}\\n',
    summary.requests, summary.duration, failed,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    role: str  # "account manager" or "manager": whose session cookie is sent
    kwargs: Callable[[], dict[str, Any]] = dict


@dataclass
class Result:
    label: str
    url_name: str
    role: str
    path: str = ""
    skipped: str = ""
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non_2xx: int = 0
    socket_errors: int = 0
    ratio_to_floor: float | None = None
    meets_target: bool | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def production_environment(url: str, var_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.support.floor_settings",
            "DATABASE_URL": url,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "EMAIL_HOST": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
        }
    )
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    return env


def session_cookie(username: str) -> str:
    """A signed-in session stored the way django.contrib.auth.login stores one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User

    user = User.objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def a_case_of(username: str) -> dict[str, Any]:
    from offboarding.models import DepartureCase

    cases = DepartureCase.objects.filter(client__account_manager__username=username)
    case = cases.filter(status=DepartureCase.Status.OPEN).order_by("-pk").first() or cases.order_by("-pk").first()
    if case is None:
        raise LookupError(f"{username} has no departure case")
    return {"pk": case.pk}


PAGES = (
    Page("Client list", "clients:list", "manager"),
    Page("Case page", "offboarding:case", "account manager", lambda: a_case_of("amelia")),
    Page("My work", "home", "account manager"),
    Page("Dashboard", "feedback:dashboard", "manager"),
)
FLOOR = Page("Floor (minimal view)", "bench_floor", "account manager")
USERNAMES = {"account manager": "amelia", "manager": "marta"}


def resolve(page: Page) -> Result:
    from django.urls import NoReverseMatch, reverse

    result = Result(label=page.label, url_name=page.url_name, role=page.role)
    try:
        result.path = reverse(page.url_name, kwargs=page.kwargs() or None)
    except NoReverseMatch:
        result.skipped = f"URL name {page.url_name!r} does not exist yet"
    except LookupError as exc:
        result.skipped = f"no data: {exc}"
    return result


def fetch_status(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_serving(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up:\n{log.read_text()[-3000:]}")
        try:
            fetch_status(port, "/healthz", "")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


def run_wrk(port: int, path: str, cookie: str, seconds: int, script: Path) -> dict[str, Any]:
    command = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--script",
        str(script),
        "--header",
        f"Cookie: {cookie}",
        f"http://127.0.0.1:{port}{path}",
    ]
    completed = subprocess.run(  # noqa: S603 (wrk from PATH, arguments built here)
        command, capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return figures
    raise RuntimeError(f"wrk printed no figures:\n{completed.stdout}\n{completed.stderr}")


def measure(result: Result, port: int, cookie: str, script: Path) -> None:
    status = fetch_status(port, result.path, cookie)
    if status != 200:
        result.skipped = f"answered {status} to a single request; not loaded"
        return
    run_wrk(port, result.path, cookie, WARM_UP_SECONDS, script)
    figures = run_wrk(port, result.path, cookie, SECONDS, script)
    result.requests = figures["requests"]
    result.requests_per_second = figures["requests"] / (figures["duration_us"] / 1_000_000)
    result.p50_ms = figures["p50_ms"]
    result.p99_ms = figures["p99_ms"]
    result.non_2xx = figures["non_2xx"]
    result.socket_errors = figures["socket_errors"]


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        str(GUNICORN),
        "offboarding.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--backlog",
        "256",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 (gunicorn from our own virtualenv)
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def print_table(floor: Result, pages: list[Result], floor_runs: list[float]) -> None:
    header = (
        f"{'Page':<22} {'Signed in as':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'non-2xx':>8} {'errors':>7} {'x floor':>8}  Target >= {TARGET_RATIO}"
    )
    print()
    print(f"Pages under load: {CONNECTIONS} connections, {SECONDS} s each, gunicorn {WORKERS} sync workers")
    print(header)
    print("-" * len(header))
    runs = ", ".join(f"{figure:.0f}" for figure in floor_runs)
    for result in [floor, *pages]:
        if result.skipped:
            print(f"{result.label:<22} {result.role:<16} skipped: {result.skipped}")
            continue
        ratio = "" if result.ratio_to_floor is None else f"{result.ratio_to_floor:.2f}"
        verdict = "" if result.meets_target is None else ("ok" if result.meets_target else "MISSED")
        if result is floor:
            verdict = f"(mean of runs: {runs})"
        print(
            f"{result.label:<22} {result.role:<16} {result.requests_per_second:>8.1f} "
            f"{result.p50_ms:>8.1f} {result.p99_ms:>8.1f} {result.non_2xx:>8} {result.socket_errors:>7} "
            f"{ratio:>8}  {verdict}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strict", action="store_true", help="Exit with status 1 when a page misses its target.")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench/pages.py needs wrk (apt-get install wrk, or run `make bench-pages`).", file=sys.stderr)
        return 2
    started = time.monotonic()
    url = database.prepare(database.LARGE)
    port = free_port()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as temp:
        var_dir = Path(temp)
        env = production_environment(url, var_dir, port)
        os.environ.update(env)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
        )
        import django

        django.setup()
        from offboarding.models import DepartureCase

        case_count = DepartureCase.objects.count()
        cookies = {role: session_cookie(username) for role, username in USERNAMES.items()}
        floor = resolve(FLOOR)
        pages = [resolve(page) for page in PAGES]
        from django.db import connections

        connections.close_all()
        script = var_dir / "count.lua"
        script.write_text(WRK_SCRIPT)
        floor_runs: list[float] = []
        log = var_dir / "gunicorn.log"
        server = start_gunicorn(env, port, log)
        try:
            wait_until_serving(port, server, log)
            # The floor before and after the pages, so that load drifting during the run weighs on both.
            measure(floor, port, cookies[floor.role], script)
            floor_runs.append(floor.requests_per_second)
            for result in pages:
                if not result.skipped:
                    print(f"Loading {result.label} ({result.path})...", flush=True)
                    measure(result, port, cookies[result.role], script)
            second = resolve(FLOOR)
            measure(second, port, cookies[floor.role], script)
            floor_runs.append(second.requests_per_second)
        finally:
            stop(server)
        if floor.skipped:
            raise SystemExit(f"The floor view could not be measured: {floor.skipped}")
        floor.requests_per_second = sum(floor_runs) / len(floor_runs)
        for result in pages:
            if result.skipped:
                continue
            result.ratio_to_floor = result.requests_per_second / floor.requests_per_second
            result.meets_target = (
                result.ratio_to_floor >= TARGET_RATIO and result.non_2xx == 0 and result.socket_errors == 0
            )
    print_table(floor, pages, floor_runs)
    load_after = os.getloadavg()
    print(
        f"\n{case_count:,} departure cases. Load average before/after: {load_before[0]:.1f}/{load_after[0]:.1f} "
        f"on {os.cpu_count()} cores; wrk shares the machine with the server, so figures are relative, not absolute."
    )
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "cases": case_count,
        "connections": CONNECTIONS,
        "seconds_per_page": SECONDS,
        "gunicorn_workers": WORKERS,
        "cores": os.cpu_count(),
        "load_average_before_after": [load_before[0], load_after[0]],
        "target_ratio": TARGET_RATIO,
        "floor": {**asdict(floor), "runs_requests_per_second": floor_runs},
        "pages": [asdict(result) for result in pages],
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    OUTPUT.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written to {OUTPUT.relative_to(BASE_DIR)} in {report['elapsed_seconds']:.0f} s.")
    missed = [result.label for result in pages if result.meets_target is False or result.skipped]
    if missed:
        print("Missed or not measured: " + ", ".join(missed))
    return 1 if options.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
