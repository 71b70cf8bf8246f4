"""The page benchmarks' own PostgreSQL databases, built once and reused.

A database is rebuilt only when its recorded fingerprint (migrations, the demo
data generators, the requested size) no longer matches, so a second run of
`make bench-pages` or `make bench-queries` starts measuring at once. The
fingerprint is stored as the database's comment, written last, so a build that
was interrupted is never mistaken for a complete one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
# Inputs whose change makes generated data stale.
FINGERPRINT_GLOBS = (
    "*/migrations/*.py",
    "*/demo.py",
    "*/demo_*.py",
    "feedback/management/commands/seed_demo.py",
)


@dataclass(frozen=True)
class DataSize:
    """What `seed_demo --clients N --cases M` adds on top of the ordinary demo data."""

    database: str
    clients: int
    cases: int


# Shared by bench/pages.py and bench/query_counts.py, so the 10,000-case data is built once for both.
LARGE = DataSize(database="offboarding_bench_pages", clients=2_000, cases=10_000)
SMALL = DataSize(database="offboarding_bench_pages_small", clients=10, cases=10)


def server_url() -> str:
    """The PostgreSQL server to use: BENCH_PAGES_SERVER, else the one in DATABASE_URL, else localhost."""
    explicit = os.environ.get("BENCH_PAGES_SERVER")
    if explicit:
        return explicit.rstrip("/")
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme.startswith("postgres") and parts.hostname:
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return DEFAULT_SERVER


def database_url(size: DataSize) -> str:
    return f"{server_url()}/{size.database}"


def fingerprint(size: DataSize) -> str:
    digest = hashlib.sha256(f"{size.clients}/{size.cases}".encode())
    for pattern in FINGERPRINT_GLOBS:
        for path in sorted(BASE_DIR.glob(pattern)):
            digest.update(str(path.relative_to(BASE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _connect_server(dbname: str = "postgres") -> psycopg2.extensions.connection:
    parts = urlsplit(server_url())
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=dbname,
    )
    connection.autocommit = True
    return connection


def _analyze(name: str) -> None:
    """Fresh planner statistics, as a production database would have after autovacuum."""
    connection = _connect_server(name)
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()


def _recorded_fingerprint(name: str) -> str | None:
    connection = _connect_server()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
            row = cursor.fetchone()
    finally:
        connection.close()
    return row[0] if row else None


def _recreate(name: str) -> None:
    if not name.startswith("offboarding_bench"):
        raise SystemExit(f"Refusing to drop {name!r}: a benchmark database's name starts with offboarding_bench.")
    connection = _connect_server()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def _record_fingerprint(name: str, value: str) -> None:
    connection = _connect_server()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS '{value}'")
    finally:
        connection.close()


def manage(url: str, *args: str) -> None:
    """Run a management command against the given database, with development settings."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "offboarding.settings"}
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py, fixed arguments)
        [sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR, env=env
    )


def prepare(size: DataSize) -> str:
    """Make sure the database holds the demo data plus the bulk size; return its URL."""
    url = database_url(size)
    wanted = fingerprint(size)
    if _recorded_fingerprint(size.database) == wanted:
        print(f"Reusing {size.database} ({size.cases:,} generated cases).", flush=True)
        return url
    print(f"Building {size.database}: demo data plus {size.clients:,} clients and {size.cases:,} cases...", flush=True)
    started = time.monotonic()
    _recreate(size.database)
    manage(url, "migrate", "--noinput", "-v", "0")
    manage(url, "seed_demo")
    manage(url, "seed_demo", "--clients", str(size.clients), "--cases", str(size.cases))
    _analyze(size.database)
    _record_fingerprint(size.database, wanted)
    print(f"Built {size.database} in {time.monotonic() - started:.0f} s.", flush=True)
    return url
