"""What the load benchmarks share: the app under gunicorn with production settings, sessions, and wrk.

bench/pages.py and bench/working_day.py both serve the app from a checkout on
loopback (DEBUG off, collected static files, sync workers, the floor view's
URLconf from floor_settings.py), sign people in by storing sessions the way
django.contrib.auth.login does, and keep connections busy with wrk. wrk
shares the two cores with the server, so every figure is read against the
floor measured in the same run.
"""

from __future__ import annotations

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "20"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARM_UP_SECONDS = 2
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
GUNICORN = Path(sys.executable).with_name("gunicorn")
WRK_FIGURES = "BENCH_JSON "


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its port, its scratch folder (VAR_DIR) and the environment it was started with."""

    port: int
    folder: Path
    environment: dict[str, str]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


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
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.contrib.auth.models import User

    user = User.objects.get(username=username)
    # As login() records it: the configured backend that loads this person (the sign-in throttle's loads nobody).
    backend = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(load_backend(path), "get_user") and load_backend(path).get_user(user.pk)
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def fetch(port: int, path: str, cookie: str) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        # Set-Cookie may come more than once; they are joined so a caller can search them all.
        headers: dict[str, str] = {}
        for name, value in response.getheaders():
            headers[name.lower()] = f"{headers[name.lower()]}\n{value}" if name.lower() in headers else value
        return Answer(status=response.status, headers=headers, body=body)
    finally:
        connection.close()


def _wait_until_serving(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up:\n{log.read_text()[-3000:]}")
        try:
            fetch(port, "/healthz", "")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


def _start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
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


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


@contextmanager
def django_against(url: str, prefix: str) -> Iterator[Server]:
    """Collect static files and set Django up in this process against `url`, with the server's settings.

    Yields the Server not yet started: the caller prepares sessions and data first,
    then starts it with `serving(server)`.
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as temp:
        folder = Path(temp)
        port = free_port()
        env = production_environment(url, folder, port)
        os.environ.update(env)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
        )
        import django

        django.setup()
        yield Server(port=port, folder=folder, environment=env)


@contextmanager
def serving(server: Server, kept_log: Path) -> Iterator[None]:
    """gunicorn answering on the server's port until the block ends; its log is copied to `kept_log`."""
    from django.db import connections

    # This process keeps no connection open while the load runs.
    connections.close_all()
    log = server.folder / "gunicorn.log"
    process = _start_gunicorn(server.environment, server.port, log)
    try:
        _wait_until_serving(server.port, process, log)
        yield
    finally:
        _stop(process)
        kept_log.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, kept_log)


def run_wrk(
    server: Server, path: str, script: Path, seconds: int, *, threads: int = 2, headers: tuple[str, ...] = ()
) -> dict[str, Any]:
    """wrk's figures, as the script's done() prints them on a line starting with BENCH_JSON."""
    command = ["wrk", "--threads", str(threads), "--connections", str(CONNECTIONS), "--duration", f"{seconds}s"]
    command += ["--timeout", "10s", "--script", str(script)]
    for header in headers:
        command += ["--header", header]
    command.append(f"http://127.0.0.1:{server.port}{path}")
    completed = subprocess.run(  # noqa: S603 (wrk from PATH, arguments built here)
        command, capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    for line in completed.stdout.splitlines():
        if line.startswith(WRK_FIGURES):
            figures: dict[str, Any] = json.loads(line.removeprefix(WRK_FIGURES))
            return figures
    raise RuntimeError(f"wrk printed no figures:\n{completed.stdout}\n{completed.stderr}")
