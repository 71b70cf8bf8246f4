"""Pages under load: each main page's requests per second beside the stack's floor, at 10,000 cases.

gunicorn serves the app on loopback with production settings (DEBUG off,
collected static files, sync workers; bench/support/serving.py); wrk keeps 20
connections busy on one URL for a bounded time, signed in through a session
cookie. The floor is a minimal Django view on the same server
(bench/support/floor_urls.py) that passes the same middleware. Each page is
loaded in rounds of ROUND_SECONDS, each right after as long a run of the floor,
and its ratio is to the floor measured beside it: this machine's speed moves
within a minute (the floor once measured 327 req/s before the pages and 148
after them), so a floor measured minutes away says little about a page. Every
request renders its page from the database (there is no page cache). Target:
every page at least a quarter of the floor's requests per second, with every
response a 2xx.
The managers' dashboard is loaded too and listed for information: its own
targets are in bench/dashboard.py.

The two case pages are a case with every step recorded and an open case with
none, chosen from the data by bench/support/page_cases.py. A page whose URL name
does not exist yet is skipped and listed as such, so the benchmark picks up new
pages by itself. Prints a table and writes var/bench/pages.json. Run with
`make bench-pages` (`--strict` exits 1 when a target is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.support import database, page_cases, serving  # noqa: E402
from bench.support.serving import CONNECTIONS, WARM_UP_SECONDS, WORKERS, Server  # noqa: E402

TARGET_RATIO = 0.25
# Each page and the floor beside it take turns, ROUNDS times (BENCH_ROUNDS; `make bench` must stay under 15 minutes).
ROUND_SECONDS = 2
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
OUTPUT = BASE_DIR / "var" / "bench" / "pages.json"

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
    has_target: bool = True  # False: loaded and listed for information only


@dataclass
class Result:
    label: str
    url_name: str
    role: str
    has_target: bool = True
    path: str = ""
    skipped: str = ""
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non_2xx: int = 0
    socket_errors: int = 0
    floor_requests_per_second: float = 0.0  # the floor's, in the rounds taken beside this page
    ratio_to_floor: float | None = None
    meets_target: bool | None = None


@dataclass
class Tally:
    """wrk's figures of several rounds: counts summed, latencies as the mean of the rounds' percentiles."""

    rounds: list[dict[str, Any]] = field(default_factory=list)

    def add(self, figures: dict[str, Any]) -> None:
        self.rounds.append(figures)

    def extend(self, other: Tally) -> None:
        self.rounds += other.rounds

    def _sum(self, key: str) -> int:
        return sum(figures[key] for figures in self.rounds)

    def _mean(self, key: str) -> float:
        return sum(figures[key] for figures in self.rounds) / len(self.rounds)

    @property
    def requests_per_second(self) -> float:
        return self._sum("requests") / (self._sum("duration_us") / 1_000_000)

    def write_to(self, result: Result) -> None:
        if not self.rounds:  # nothing was loaded (every page skipped)
            return
        result.requests = self._sum("requests")
        result.requests_per_second = self.requests_per_second
        result.p50_ms = self._mean("p50_ms")
        result.p99_ms = self._mean("p99_ms")
        result.non_2xx = self._sum("non_2xx")
        result.socket_errors = self._sum("socket_errors")


def _case(found: Any, what: str) -> dict[str, Any]:
    if found is None:
        raise LookupError(f"{page_cases.PERSON} has no {what}")
    return {"pk": found.pk}


def fully_recorded_case() -> dict[str, Any]:
    return _case(page_cases.fully_recorded_case(), "case with every step recorded")


def untouched_open_case() -> dict[str, Any]:
    return _case(page_cases.untouched_open_case(), "open case with no step recorded")


def client_of_fully_recorded_case() -> dict[str, Any]:
    case = page_cases.fully_recorded_case()
    return _case(case.client if case else None, "client with a fully recorded case")


PAGES = (
    Page("Client list", "clients:list", "manager"),
    Page("Client page", "client_detail", "account manager", client_of_fully_recorded_case),
    Page("Case page, all recorded", "offboarding:case", "account manager", fully_recorded_case),
    Page("Case page, untouched", "offboarding:case", "account manager", untouched_open_case),
    Page("My work", "home", "account manager"),
    Page("Outbox", "outbox:list", "manager"),
    Page("Dashboard case list", "feedback:cases", "manager"),
    Page("Dashboard", "feedback:dashboard", "manager", has_target=False),
)
FLOOR = Page("Floor (minimal view)", "bench_floor", "account manager")
USERNAMES = {"account manager": page_cases.PERSON, "manager": "marta"}


def resolve(page: Page) -> Result:
    from django.urls import NoReverseMatch, reverse

    result = Result(label=page.label, url_name=page.url_name, role=page.role, has_target=page.has_target)
    try:
        result.path = reverse(page.url_name, kwargs=page.kwargs() or None)
    except NoReverseMatch:
        result.skipped = f"URL name {page.url_name!r} does not exist yet"
    except LookupError as exc:
        result.skipped = f"no data: {exc}"
    return result


@dataclass(frozen=True)
class Load:
    """What wrk needs to load one URL as one person."""

    server: Server
    script: Path
    path: str
    cookie: str

    def answers(self) -> int:
        return serving.fetch(self.server.port, self.path, self.cookie).status

    def run(self, seconds: int) -> dict[str, Any]:
        return serving.run_wrk(self.server, self.path, self.script, seconds, headers=(f"Cookie: {self.cookie}",))


def _let_in_flight_finish(figures: dict[str, Any]) -> None:
    """The requests wrk left in flight are still being answered: the floor's next round waits for them."""
    time.sleep(figures["p99_ms"] / 1000)


def measure_beside(result: Result, page: Load, floor: Load) -> Tally:
    """The page in ROUNDS rounds, each right after a run of the floor; returns the floor's figures of those runs."""
    status = page.answers()
    if status != 200:
        result.skipped = f"answered {status} to a single request; not loaded"
        return Tally()
    _let_in_flight_finish(page.run(WARM_UP_SECONDS))
    loaded, beside = Tally(), Tally()
    for _ in range(ROUNDS):
        beside.add(floor.run(ROUND_SECONDS))
        figures = page.run(ROUND_SECONDS)
        loaded.add(figures)
        _let_in_flight_finish(figures)
    loaded.write_to(result)
    result.floor_requests_per_second = beside.requests_per_second
    return beside


def print_table(floor: Result, pages: list[Result], floor_runs: list[float]) -> None:
    header = (
        f"{'Page':<24} {'Signed in as':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'non-2xx':>8} {'errors':>7} {'floor':>7} {'x floor':>8}  Target >= {TARGET_RATIO}"
    )
    print()
    print(
        f"Pages under load: {CONNECTIONS} connections, gunicorn {WORKERS} sync workers; each page {ROUNDS} x "
        f"{ROUND_SECONDS} s, each round right after {ROUND_SECONDS} s of the floor"
    )
    print(header)
    print("-" * len(header))
    runs = f"{min(floor_runs):.0f} to {max(floor_runs):.0f}" if floor_runs else ""
    for result in [floor, *pages]:
        if result.skipped:
            print(f"{result.label:<24} {result.role:<16} skipped: {result.skipped}")
            continue
        ratio = "" if result.ratio_to_floor is None else f"{result.ratio_to_floor:.2f}"
        beside = "" if result is floor else f"{result.floor_requests_per_second:.0f}"
        verdict = "(information)" if result.meets_target is None else ("ok" if result.meets_target else "MISSED")
        if result is floor:
            verdict = f"(all its runs; beside each page {runs})"
        print(
            f"{result.label:<24} {result.role:<16} {result.requests_per_second:>8.1f} "
            f"{result.p50_ms:>8.1f} {result.p99_ms:>8.1f} {result.non_2xx:>8} {result.socket_errors:>7} "
            f"{beside:>7} {ratio:>8}  {verdict}"
        )


def load_pages(server: Server, floor: Result, pages: list[Result]) -> list[float]:
    """Every page in turn, beside the floor; fills `floor` with all the floor's runs and returns the
    floor's requests per second beside each page."""
    cookies = {role: serving.session_cookie(username) for role, username in USERNAMES.items()}
    script = server.folder / "count.lua"
    script.write_text(WRK_SCRIPT)
    floor_load = Load(server, script, floor.path, cookies[floor.role])
    all_floor = Tally()
    with serving.serving(server, OUTPUT.with_suffix(".log")):
        if (status := floor_load.answers()) != 200:
            floor.skipped = f"answered {status} to a single request; not loaded"
            return []
        floor_load.run(WARM_UP_SECONDS)
        for result in pages:
            if not result.skipped:
                print(f"Loading {result.label} ({result.path}) beside the floor...", flush=True)
                page = Load(server, script, result.path, cookies[result.role])
                all_floor.extend(measure_beside(result, page, floor_load))
    all_floor.write_to(floor)
    return [result.floor_requests_per_second for result in pages if not result.skipped]


def judge(pages: list[Result]) -> None:
    for result in pages:
        if result.skipped:
            continue
        result.ratio_to_floor = result.requests_per_second / result.floor_requests_per_second
        if result.has_target:
            result.meets_target = (
                result.ratio_to_floor >= TARGET_RATIO and result.non_2xx == 0 and result.socket_errors == 0
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
    load_before = os.getloadavg()
    with serving.django_against(url, "bench-pages-") as server:
        from offboarding.models import DepartureCase

        case_count = DepartureCase.objects.count()
        floor = resolve(FLOOR)
        pages = [resolve(page) for page in PAGES]
        if floor.skipped:
            raise SystemExit(f"The floor view could not be measured: {floor.skipped}")
        floor_runs = load_pages(server, floor, pages)
        if floor.skipped:
            raise SystemExit(f"The floor view could not be measured: {floor.skipped}")
        judge(pages)
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
        "seconds_per_page": ROUNDS * ROUND_SECONDS,
        "rounds_per_page": ROUNDS,
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
