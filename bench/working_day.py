"""A working day: 20 connections signed in as six people, nine page views to one write, beside the floor.

Each connection is one desk: a person (five account managers and a manager, one
session and one CSRF token per person, the connections dealt out in turn) going
round the same ten requests. Nine are page views (an account manager's My work,
own case and client pages and client list; the manager's dashboard, its case
list, the outbox, the client list, everyone's work and a case), then one write
to the desk's own open case, in turn: its handover step saved, a handover item
ticked, a staff reminder moved. Every write is a real POST with the CSRF token,
and changes something each time (the saved text, the tick and the time
alternate), so it commits a case event and the data is not used up; each run
starts from a fresh copy of the 10,000-case database (bench/support/database.py),
set up through the services: one handover item and one reminder per desk.

wrk drives it with one thread per connection (a Lua script knows its thread,
not its connection), against gunicorn as bench/pages.py serves it. A view must
answer 200; a write must answer a redirect that is not to the sign-in page,
and must have committed: the case events written during the run are counted
per desk and must match the writes answered. The floor (the minimal view of
bench/pages.py) is loaded by the same script before and after the day.
Target: at least 0.2 times the floor's requests per second with no errors;
p50 and p99 latency are printed beside the floor's. Prints a table and writes
var/bench/working_day.json. Run with `make bench-working-day` (`--strict`
exits 1 when the target is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.support import database, page_cases, serving  # noqa: E402
from bench.support.serving import CONNECTIONS, SECONDS, WARM_UP_SECONDS, WORKERS, Server  # noqa: E402

TARGET_RATIO = 0.2
OUTPUT = BASE_DIR / "var" / "bench" / "working_day.json"
ACCOUNT_MANAGERS_NEEDED = 5
# What each write leaves on the case's timeline: one event per committed write.
WRITE_VERBS = (
    "step_completed",
    "step_updated",
    "handover_item_done",
    "handover_item_reopened",
    "follow_up_rescheduled",
)
MOVE_TIMES = ("10:00", "11:00")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Write:
    label: str
    path: str
    bodies: tuple[str, str]  # alternated: the second undoes the first


@dataclass
class Desk:
    """One connection: who is signed in, the case it writes to, and the ten requests it goes round."""

    number: int  # from 1, as wrk's threads are numbered by the script
    username: str
    is_manager: bool
    case_id: int
    client_id: int
    item_id: int = 0
    follow_up_id: int = 0
    cookie: str = ""
    views: list[str] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)


@dataclass
class Load:
    """wrk's figures of one run, with what the script counted per desk."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    desks: list[dict[str, Any]]

    @property
    def views(self) -> int:
        return sum(desk["views"] for desk in self.desks)

    @property
    def writes(self) -> int:
        return sum(desk["writes"] for desk in self.desks)

    @property
    def failed(self) -> int:
        return sum(desk["failed"] for desk in self.desks)

    def desks_by_number(self) -> list[dict[str, Any]]:
        return sorted(self.desks, key=lambda desk: int(desk["desk"]))


# One thread per desk: setup() gives each thread its desk number, request() goes round the desk's
# views and then one write (the writes in turn, each alternating its two bodies), response() checks
# each answer against what was asked, and done() prints every thread's counts as one JSON line.
LUA = """
local desks = DESKS
local sign_in = SIGN_IN
local threads = {}
local next_desk = 1

function setup(thread)
  thread:set("desk_number", next_desk)
  next_desk = next_desk + 1
  table.insert(threads, thread)
end

function init(args)
  desk = desks[desk_number]
  turn, round = desk.offset, 0
  views, writes, failed, failure = 0, 0, 0, ""
  asked = nil
end

function request()
  if desk == nil then return wrk.format("GET", "/") end
  local length = #desk.views + (#desk.writes > 0 and 1 or 0)
  turn = turn + 1
  if turn > length then turn, round = 1, round + 1 end
  if turn <= #desk.views then
    asked = {method = "GET", path = desk.views[turn]}
    return wrk.format("GET", asked.path, {Cookie = desk.cookie})
  end
  local write = desk.writes[round % #desk.writes + 1]
  local body = write.bodies[math.floor(round / #desk.writes) % 2 + 1]
  asked = {method = "POST", path = write.path}
  local headers = {Cookie = desk.cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", write.path, headers, body)
end

function response(status, headers, body)
  if asked == nil then return end
  local location = headers["Location"] or headers["location"] or ""
  local ok
  if asked.method == "GET" then
    views = views + 1
    ok = status == 200
  else
    writes = writes + 1
    ok = status >= 300 and status < 400 and location:find(sign_in, 1, true) == nil
  end
  if not ok then
    failed = failed + 1
    if failure == "" then
      failure = (string.format("%s %s answered %d %s", asked.method, asked.path, status, location):gsub('"', "'"))
    end
  end
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    table.insert(counts, string.format('{"desk": %d, "views": %d, "writes": %d, "failed": %d, "failure": "%s"}',
      thread:get("desk_number"), thread:get("views"), thread:get("writes"), thread:get("failed"),
      thread:get("failure")))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "p50_ms": %.3f, "p99_ms": %.3f, '
      .. '"desks": [%s]}\\n',
    summary.requests, summary.duration, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, table.concat(counts, ", ")))
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_desks(desks: list[Desk]) -> str:
    rows = []
    for desk in desks:
        views = ", ".join(lua_string(path) for path in desk.views)
        writes = ", ".join(
            f"{{path = {lua_string(write.path)}, bodies = {{{', '.join(lua_string(b) for b in write.bodies)}}}}}"
            for write in desk.writes
        )
        # Each desk starts at another point of its round, so the pages and the writes mix from the first second.
        offset = (desk.number - 1) % (len(desk.views) + (1 if desk.writes else 0))
        rows.append(
            f"  {{cookie = {lua_string(desk.cookie)}, offset = {offset}, views = {{{views}}}, writes = {{{writes}}}}}"
        )
    return "{\n" + ",\n".join(rows) + "\n}"


def write_script(server: Server, desks: list[Desk], name: str) -> Path:
    from django.conf import settings
    from django.shortcuts import resolve_url

    script = server.folder / f"{name}.lua"
    text = LUA.replace("DESKS", lua_desks(desks), 1).replace("SIGN_IN", lua_string(resolve_url(settings.LOGIN_URL)), 1)
    script.write_text(text)
    return script


# --- who works, and on what ------------------------------------------------------------------------------------


def people() -> tuple[list[str], str]:
    """The account managers (by username) and the first manager, as the data has them."""
    from django.contrib.auth.models import User

    from clients.roles import ACCOUNT_MANAGERS, MANAGERS

    account_managers = list(
        User.objects.filter(groups__name=ACCOUNT_MANAGERS, is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )
    if len(account_managers) < ACCOUNT_MANAGERS_NEEDED:
        raise SystemExit(f"The data has {len(account_managers)} account managers; the day needs five.")
    manager = User.objects.filter(groups__name=MANAGERS, is_active=True).order_by("username").first()
    if manager is None:
        raise SystemExit("The data has no manager.")
    return account_managers, manager.username


def assign_desks(account_managers: list[str], manager: str) -> list[Desk]:
    """Connections dealt out to the people in turn; each desk gets an open case of its own, by id.

    An account manager's desk writes to one of their own cases. A manager may change every
    case, so the manager's desks take the open cases with the highest ids, which the
    account managers' desks (taking their lowest) leave alone.
    """
    from offboarding.models import DepartureCase

    everyone = [*account_managers, manager]
    open_cases = DepartureCase.objects.filter(status=DepartureCase.Status.OPEN).order_by("pk")
    owners = dict(open_cases.values_list("pk", "client__account_manager__username"))
    clients = dict(open_cases.values_list("pk", "client_id"))
    desks: list[Desk] = []
    for number in range(1, CONNECTIONS + 1):
        username = everyone[(number - 1) % len(everyone)]
        taken = {desk.case_id for desk in desks}
        if username == manager:
            mine = [pk for pk in reversed(owners) if pk not in taken]
        else:
            mine = [pk for pk, owner in owners.items() if owner == username and pk not in taken]
        if not mine:
            raise SystemExit(f"Not enough open cases for {username}'s desks.")
        desks.append(Desk(number, username, username == manager, case_id=mine[0], client_id=clients[mine[0]]))
    return desks


def set_up_targets(desks: list[Desk]) -> None:
    """Through the services: a handover item and a staff reminder on each desk's case, to tick and to move."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from offboarding.models import DepartureCase, FollowUp
    from offboarding.outbox.services import follow_up_add
    from offboarding.services.cases import handover_item_add

    now = timezone.now()
    for desk in desks:
        actor = User.objects.get(username=desk.username)
        case = DepartureCase.objects.get(pk=desk.case_id)
        item = handover_item_add(
            case=case, actor=actor, title=f"Hand over the shared drive (desk {desk.number})", days_from_leave_date=0
        )
        reminder = follow_up_add(
            case=case,
            kind=FollowUp.Kind.STAFF_REMINDER,
            due_at=move_time(MOVE_TIMES[0]),
            note="Call about the handover",
            actor=actor,
            now=now,
        )
        desk.item_id, desk.follow_up_id = item.pk, reminder.pk


def move_time(clock: str) -> datetime:
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=14)
    return timezone.make_aware(datetime.fromisoformat(f"{day.isoformat()}T{clock}"))


def plan_views(desk: Desk) -> None:
    from django.urls import reverse

    case, client = reverse("offboarding:case", args=[desk.case_id]), reverse("client_detail", args=[desk.client_id])
    clients = reverse("clients:list")
    if desk.is_manager:
        cases, outbox = reverse("feedback:cases"), reverse("outbox:list")
        desk.views = [reverse("feedback:dashboard"), cases, outbox, clients, reverse("home"), case, client]
        desk.views += [f"{cases}?page=2", f"{outbox}?status=scheduled"]
        return
    other = page_cases.fully_recorded_case(desk.username)
    other_case = reverse("offboarding:case", args=[other.pk]) if other else case
    other_client = reverse("client_detail", args=[other.client_id]) if other else client
    home = reverse("home")
    desk.views = [home, case, clients, client, other_case, home, case, f"{clients}?status=departing", other_client]


def plan_writes(desk: Desk, run: str, csrf_token: str) -> None:
    """The desk's three writes, each starting with the body that changes what the data holds now.

    Field names are asked of the product's forms (a step form prefixes its fields with the step)
    rather than typed here; a write that changes nothing is caught by the count of committed writes.
    """
    from django.urls import reverse
    from django.utils import timezone

    from offboarding.forms.cases import step_form
    from offboarding.models import FollowUp, HandoverItem, TransitionStep
    from offboarding.outbox.forms import FollowUpRescheduleForm

    def form(**fields: str) -> str:
        return urlencode({"csrfmiddlewaretoken": csrf_token, **fields})

    step = step_form("transition", TransitionStep.objects.get(case_id=desk.case_id))
    if "notes" not in step.fields:
        raise SystemExit(
            "The handover step's form has no notes field any more: bench/working_day.py needs a new write."
        )
    notes_field = step.add_prefix("notes")
    note = f"Handover plan, desk {desk.number}, {run}, version"
    notes = (form(**{notes_field: f"{note} A."}), form(**{notes_field: f"{note} B."}))
    done = HandoverItem.objects.get(pk=desk.item_id).done_at is not None
    ticks = (form(done="0"), form(done="1")) if done else (form(done="1"), form(done="0"))
    due = timezone.localtime(FollowUp.objects.get(pk=desk.follow_up_id).due_at).strftime("%H:%M")
    times = MOVE_TIMES if due != MOVE_TIMES[0] else MOVE_TIMES[::-1]
    day = move_time(times[0]).date().isoformat()
    due_field = FollowUpRescheduleForm().add_prefix("due_at")
    moves = (form(**{due_field: f"{day}T{times[0]}"}), form(**{due_field: f"{day}T{times[1]}"}))
    desk.writes = [
        Write("handover step saved", reverse("offboarding:step_save", args=[desk.case_id, "transition"]), notes),
        Write("handover item ticked", reverse("offboarding:handover_done", args=[desk.case_id, desk.item_id]), ticks),
        Write("reminder moved", reverse("outbox:reschedule", args=[desk.follow_up_id]), moves),
    ]


def sign_in(server: Server, desks: list[Desk]) -> dict[str, str]:
    """One session per person and its CSRF token, read from a form page as a browser gets them.

    Sets each desk's cookie; returns each person's token for the forms.
    """
    from django.conf import settings
    from django.urls import reverse

    tokens: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for desk in desks:
        if desk.username not in cookies:
            session = serving.session_cookie(desk.username)
            answer = serving.fetch(server.port, reverse("outbox:reschedule", args=[desk.follow_up_id]), session)
            secret = re.search(rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", answer.headers.get("set-cookie", ""))
            token = CSRF_FIELD.search(answer.body)
            if answer.status != 200 or secret is None or token is None:
                raise SystemExit(f"No CSRF token for {desk.username}: the form page answered {answer.status}.")
            cookies[desk.username] = f"{session}; {settings.CSRF_COOKIE_NAME}={secret.group(1)}"
            tokens[desk.username] = token.group(1)
        desk.cookie = cookies[desk.username]
    return tokens


# --- running it ---------------------------------------------------------------------------------------------------


def committed_writes(desks: list[Desk]) -> dict[int, int]:
    """Write events on each desk's case, by desk number."""
    from django.db.models import Count

    from offboarding.models import CaseEvent

    rows = CaseEvent.objects.filter(case_id__in=[d.case_id for d in desks], verb__in=WRITE_VERBS)
    by_case = dict(rows.values_list("case_id").annotate(count=Count("id")))
    return {desk.number: by_case.get(desk.case_id, 0) for desk in desks}


def settled(desks: list[Desk]) -> dict[int, int]:
    """The write counts once the requests wrk left in flight have finished on the server (2 s without a change).

    A request wrk sent just before it stopped is still answered, possibly behind slower ones.
    """
    previous, unchanged = committed_writes(desks), 0
    deadline = time.monotonic() + 30
    while unchanged < 4 and time.monotonic() < deadline:
        time.sleep(0.5)
        current = committed_writes(desks)
        unchanged = unchanged + 1 if current == previous else 0
        previous = current
    return previous


def load(server: Server, script: Path, seconds: int) -> Load:
    from django.db import connections

    connections.close_all()
    figures = serving.run_wrk(server, "/", script, seconds, threads=CONNECTIONS)
    return Load(
        requests=figures["requests"],
        requests_per_second=figures["requests"] / (figures["duration_us"] / 1_000_000),
        p50_ms=figures["p50_ms"],
        p99_ms=figures["p99_ms"],
        socket_errors=figures["socket_errors"],
        desks=figures["desks"],
    )


def run_floor(server: Server, desks: list[Desk], run: str) -> Load:
    from django.urls import reverse

    floor_desks = [Desk(d.number, d.username, d.is_manager, d.case_id, d.client_id, cookie=d.cookie) for d in desks]
    for desk in floor_desks:
        desk.views = [reverse("bench_floor")]
    script = write_script(server, floor_desks, f"floor-{run}")
    load(server, script, WARM_UP_SECONDS)
    return load(server, script, SECONDS)


def run_day(server: Server, desks: list[Desk], tokens: dict[str, str]) -> tuple[Load, dict[int, int]]:
    """The day, after a short warm-up; returns wrk's figures and the writes committed per desk."""
    for desk in desks:
        plan_writes(desk, "warm-up", tokens[desk.username])
    load(server, write_script(server, desks, "day-warm-up"), WARM_UP_SECONDS)
    before = settled(desks)
    for desk in desks:
        plan_writes(desk, "measured", tokens[desk.username])
    figures = load(server, write_script(server, desks, "day"), SECONDS)
    after = settled(desks)
    return figures, {number: after[number] - before[number] for number in after}


@dataclass
class Outcome:
    floor_runs: list[Load]
    day: Load
    committed: dict[int, int]

    @property
    def floor_requests_per_second(self) -> float:
        return sum(run.requests_per_second for run in self.floor_runs) / len(self.floor_runs)

    @property
    def ratio(self) -> float:
        return self.day.requests_per_second / self.floor_requests_per_second

    @property
    def uncommitted(self) -> int:
        """Writes answered as done whose event is missing (one more event than answers is a write in flight)."""
        return sum(max(0, desk["writes"] - self.committed[desk["desk"]]) for desk in self.day.desks)

    @property
    def errors(self) -> int:
        return self.day.failed + self.day.socket_errors + self.uncommitted

    @property
    def ok(self) -> bool:
        return self.ratio >= TARGET_RATIO and self.errors == 0 and self.day.writes > 0


def print_table(outcome: Outcome, people_line: str) -> None:
    floor = outcome.floor_runs
    p50 = sum(run.p50_ms for run in floor) / len(floor)
    p99 = sum(run.p99_ms for run in floor) / len(floor)
    day = outcome.day
    print()
    print(f"A working day: {CONNECTIONS} connections as {people_line}, nine page views to one write, {SECONDS} s")
    header = f"{'':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x floor':>8}  Target >= {TARGET_RATIO}, no errors"
    print(header)
    print("-" * len(header))
    runs = ", ".join(f"{run.requests_per_second:.0f}" for run in floor)
    print(
        f"{'Floor (minimal view)':<22} {outcome.floor_requests_per_second:>8.1f} {p50:>8.1f} {p99:>8.1f} "
        f"{'':>8}  (mean of runs: {runs})"
    )
    verdict = "ok" if outcome.ok else "MISSED"
    print(
        f"{'Working day':<22} {day.requests_per_second:>8.1f} {day.p50_ms:>8.1f} {day.p99_ms:>8.1f} "
        f"{outcome.ratio:>8.2f}  {verdict}"
    )
    print(
        f"\n{day.views:,} views and {day.writes:,} writes answered, {sum(outcome.committed.values()):,} writes "
        f"committed; {day.failed} unexpected answers, {outcome.uncommitted} writes not committed, "
        f"{day.socket_errors} socket errors."
    )
    for desk in day.desks:
        if desk["failure"]:
            print(f"  desk {desk['desk']}: {desk['failed']} failed, first: {desk['failure']}")


def report(outcome: Outcome, desks: list[Desk], people: tuple[list[str], str], started: float) -> dict[str, Any]:
    floor = outcome.floor_runs
    account_managers, manager = people
    return {
        "connections": CONNECTIONS,
        "seconds": SECONDS,
        "gunicorn_workers": WORKERS,
        "cores": os.cpu_count(),
        "account_managers": account_managers,
        "manager": manager,
        "views_per_write": 9,
        "target_ratio": TARGET_RATIO,
        "floor": {
            "requests_per_second": outcome.floor_requests_per_second,
            "p50_ms": sum(run.p50_ms for run in floor) / len(floor),
            "p99_ms": sum(run.p99_ms for run in floor) / len(floor),
            "runs": [{key: value for key, value in asdict(run).items() if key != "desks"} for run in floor],
        },
        "day": {
            **{key: value for key, value in asdict(outcome.day).items() if key != "desks"},
            "views": outcome.day.views,
            "writes": outcome.day.writes,
            "writes_committed": sum(outcome.committed.values()),
            "writes_not_committed": outcome.uncommitted,
            "unexpected_answers": outcome.day.failed,
            "failures": [desk["failure"] for desk in outcome.day.desks if desk["failure"]],
        },
        "desks": [
            {"desk": d.number, "username": d.username, "case_id": d.case_id, "views": d.views}
            | {"writes": [w.path for w in d.writes], "writes_committed": outcome.committed[d.number]}
            | {key: value for key, value in counts.items() if key != "desk"}
            for d, counts in zip(desks, outcome.day.desks_by_number(), strict=True)
        ],
        "ratio_to_floor": outcome.ratio,
        "errors": outcome.errors,
        "ok": outcome.ok,
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strict", action="store_true", help="Exit with status 1 when the target is missed.")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench/working_day.py needs wrk (apt-get install wrk, or `make bench-working-day`).", file=sys.stderr)
        return 2
    started = time.monotonic()
    url = database.fresh_copy(database.LARGE, "working_day")
    load_before = os.getloadavg()
    with serving.django_against(url, "bench-working-day-") as server:
        from offboarding.models import DepartureCase

        account_managers, manager = people()
        desks = assign_desks(account_managers, manager)
        set_up_targets(desks)
        for desk in desks:
            plan_views(desk)
        case_count = DepartureCase.objects.count()
        with serving.serving(server, OUTPUT.with_suffix(".log")):
            tokens = sign_in(server, desks)
            print(f"Loading the floor, then the day ({len(desks)} desks), then the floor again...", flush=True)
            first_floor = run_floor(server, desks, "before")
            day, committed = run_day(server, desks, tokens)
            outcome = Outcome([first_floor, run_floor(server, desks, "after")], day, committed)
    people_line = f"{len(account_managers)} account managers and a manager"
    print_table(outcome, people_line)
    load_after = os.getloadavg()
    print(
        f"\n{case_count:,} departure cases. Load average before/after: {load_before[0]:.1f}/{load_after[0]:.1f} "
        f"on {os.cpu_count()} cores; wrk shares the machine with the server, so figures are relative, not absolute."
    )
    summary = {"cases": case_count, **report(outcome, desks, (account_managers, manager), started)}
    summary["load_average_before_after"] = [load_before[0], load_after[0]]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Written to {OUTPUT.relative_to(BASE_DIR)} in {summary['elapsed_seconds']:.0f} s.")
    return 1 if options.strict and not outcome.ok else 0


if __name__ == "__main__":
    sys.exit(main())
