"""The benchmarks' own PostgreSQL databases, built once and reused.

A database is rebuilt only when its recorded fingerprint (migrations, the demo
data generators, the requested size, the month it was built in) no longer
matches, so a second run of `make bench` starts measuring at once. The
fingerprint is stored as the database's comment, written last, so a build that
was interrupted is never mistaken for a complete one.

Every name is derived from the database named in BENCH_DATABASE_URL (by default
offboarding_bench): `offboarding_bench` gives `offboarding_pages_bench`,
`offboarding_dashboard_1m_bench` and so on. Only names ending in `_bench` are
ever dropped.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/offboarding_bench"
SUFFIX = "_bench"
# Inputs whose change makes generated data stale.
FINGERPRINT_GLOBS = (
    "*/migrations/*.py",
    "demo/*.py",
    "demo/management/commands/seed_demo.py",
    "bench/support/page_cases.py",
)


@dataclass(frozen=True)
class DataSize:
    """The demo data, plus `seed_demo --clients N --cases M` (the last two years), plus `--history H` before them.

    A size with a `base` starts as a copy of the base's database (CREATE DATABASE ... TEMPLATE,
    seconds instead of minutes) and adds only what the base lacks.
    """

    label: str  # e.g. "pages": the database is <stem>_pages_bench
    clients: int
    cases: int
    history: int = 0
    base: DataSize | None = None
    page_cases: bool = False  # make sure the page benchmark's two case pages exist (bench/support/page_cases.py)

    @property
    def database(self) -> str:
        return f"{stem()}_{self.label}{SUFFIX}"

    @property
    def total_cases(self) -> int:
        return self.cases + self.history


# Shared by bench/pages.py, bench/query_counts.py and bench/dashboard.py, so the 10,000-case data is built once.
LARGE = DataSize(label="pages", clients=2_000, cases=10_000, page_cases=True)
SMALL = DataSize(label="pages_small", clients=10, cases=10)
# The dashboard at 100,000 cases over two years, and the same two years after eighteen years of history.
HUNDRED_THOUSAND = DataSize(label="dashboard_100k", clients=20_000, cases=100_000, base=LARGE)
MILLION = DataSize(label="dashboard_1m", clients=20_000, cases=100_000, history=900_000, base=HUNDRED_THOUSAND)


def bench_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def stem() -> str:
    """BENCH_DATABASE_URL's database name without its `_bench` ending."""
    name = urlsplit(bench_url()).path.lstrip("/")
    if not name.endswith(SUFFIX):
        raise SystemExit(f"BENCH_DATABASE_URL must name a database ending in {SUFFIX} (it names {name!r}).")
    return name.removesuffix(SUFFIX)


def server_url() -> str:
    """The PostgreSQL server of BENCH_DATABASE_URL (BENCH_PAGES_SERVER, if set, wins)."""
    explicit = os.environ.get("BENCH_PAGES_SERVER")
    if explicit:
        return explicit.rstrip("/")
    parts = urlsplit(bench_url())
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def database_url(size: DataSize) -> str:
    return f"{server_url()}/{size.database}"


def fingerprint(size: DataSize) -> str:
    # The generators date cases back from today: data built in another month shows another year.
    built = f"{datetime.now(UTC):%Y-%m}/{size.clients}/{size.cases}/{size.history}"
    digest = hashlib.sha256(f"{built}/{fingerprint(size.base) if size.base else ''}".encode())
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


def _vacuum(name: str) -> None:
    """Planner statistics and a visibility map, as a production database has them after autovacuum."""
    connection = _connect_server(name)
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
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


def _recreate(name: str, template: str | None = None) -> None:
    if not name.endswith(SUFFIX):
        raise SystemExit(f"Refusing to drop {name!r}: a benchmark database's name ends in {SUFFIX}.")
    connection = _connect_server()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
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
    run_script(url, BASE_DIR / "manage.py", *args)


def run_script(url: str, script: Path, *args: str) -> None:
    """Run one of our scripts (manage.py, bench/support/page_cases.py) against the given database."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "offboarding.settings"}
    subprocess.run(  # noqa: S603 (our own interpreter and scripts, fixed arguments)
        [sys.executable, str(script), *args], check=True, cwd=BASE_DIR, env=env
    )


def fresh_copy(size: DataSize, label: str) -> str:
    """A new database copied from `size`'s (built first if needed), dropped and copied again on every call.

    For a benchmark that writes: every run starts from the same data, and the data it was copied
    from stays as the other benchmarks read it.
    """
    prepare(size)
    name = f"{stem()}_{label}{SUFFIX}"
    _recreate(name, template=size.database)
    return f"{server_url()}/{name}"


def prepare(size: DataSize) -> str:
    """Make sure the database holds the demo data plus the bulk size; return its URL."""
    url = database_url(size)
    wanted = fingerprint(size)
    if _recorded_fingerprint(size.database) == wanted:
        print(f"Reusing {size.database} ({size.total_cases:,} generated cases).", flush=True)
        return url
    if size.base:
        prepare(size.base)
    print(f"Building {size.database}: {_describe(size)}...", flush=True)
    started = time.monotonic()
    _recreate(size.database, template=size.base.database if size.base else None)
    _fill(url, size)
    _vacuum(size.database)
    _record_fingerprint(size.database, wanted)
    print(f"Built {size.database} in {time.monotonic() - started:.0f} s.", flush=True)
    return url


def _describe(size: DataSize) -> str:
    parts = [f"{size.clients:,} clients and {size.cases:,} cases"]
    if size.history:
        parts.append(f"{size.history:,} closed cases of history before them")
    start = f"a copy of {size.base.database}" if size.base else "demo data"
    return f"{start} grown to " + " with ".join(parts)


def _fill(url: str, size: DataSize) -> None:
    base = size.base or DataSize(label="", clients=0, cases=0)
    if not size.base:
        manage(url, "migrate", "--noinput", "-v", "0")
        manage(url, "seed_demo")
    if size.cases > base.cases:
        manage(url, "seed_demo", "--clients", str(size.clients - base.clients), "--cases", str(size.cases - base.cases))
    if size.history > base.history:
        manage(url, "seed_demo", "--history", str(size.history - base.history))
    if size.page_cases and not base.page_cases:
        run_script(url, BASE_DIR / "bench" / "support" / "page_cases.py")
