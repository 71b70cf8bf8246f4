"""The two case pages the page benchmark loads, chosen the same way from any benchmark database.

- A case with every step recorded: amelia's case whose six steps are all done, with the
  longest timeline (the lowest id among equals), so the page shows the most it can.
- An untouched open case: amelia's open case whose six steps are all still to do (the
  lowest id).

The demo stories hold both today, but nothing promises that they always will. Run as a
script (`DATABASE_URL=... python bench/support/page_cases.py`, which bench/support/database.py
does while building the 10,000-case database), it creates whichever is missing through the
services a person's clicks go through: a departure logged, six steps recorded, the client
marked as departed; and a departure logged with nothing recorded yet.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
PERSON = "amelia"


def _with_every_step(status: str, username: str) -> Any:
    from offboarding.models import DepartureCase
    from offboarding.services.cases import STEPS

    cases = DepartureCase.objects.visible_to(_person(username))
    for slug in STEPS:
        cases = cases.filter(**{f"{slug}__status": status})
    return cases


def _person(username: str = PERSON) -> Any:
    from django.contrib.auth.models import User

    return User.objects.get(username=username)


def fully_recorded_case(username: str = PERSON) -> Any:
    """The person's case with all six steps done and the longest timeline (lowest id among equals), or None."""
    from django.db.models import Count

    from offboarding.models import CaseStep

    cases = _with_every_step(CaseStep.Status.DONE, username).annotate(timeline=Count("events"))
    return cases.order_by("-timeline", "pk").first()


def untouched_open_case(username: str = PERSON) -> Any:
    """The person's open case with all six steps still to do (lowest id), or None."""
    from offboarding.models import CaseStep, DepartureCase

    cases = _with_every_step(CaseStep.Status.PENDING, username).filter(status=DepartureCase.Status.OPEN)
    return cases.order_by("pk").first()


def _a_client_who_may_leave() -> Any:
    from clients.models import Client
    from offboarding.services.cases import case_open_refusal

    for client in Client.objects.visible_to(_person()).filter(status=Client.Status.ACTIVE).order_by("pk"):
        if not case_open_refusal(client):
            return client
    raise SystemExit(f"{PERSON} has no active client to log a departure for.")


def _log_departure() -> Any:
    from django.utils import timezone

    from offboarding.models import DepartureCase
    from offboarding.services.cases import case_open

    today = timezone.localdate()
    return case_open(
        client=_a_client_who_may_leave(),
        opened_by=_person(),
        notice_received_on=today - timedelta(days=3),
        planned_leave_date=today + timedelta(days=27),
        how_heard=DepartureCase.HowHeard.values[0],
        first_notes="Called to say the contract will not be renewed.",
    )


def _step_values() -> dict[str, dict[str, Any]]:
    from offboarding.models import ApologyStep, ChurnReason, KeepInTouchStep, ProbeStep

    reasons = list(ChurnReason.objects.filter(retired_at__isnull=True).order_by("pk")[:3])
    return {
        "probe": {
            "primary_reason": reasons[0],
            "contributing_reasons": reasons[1:],
            "client_words": "The reports came late three months in a row.",
            "departure_kind": ProbeStep.DepartureKind.values[0],
            "worth_saving": ProbeStep.WorthSaving.values[0],
        },
        "apology": {
            "fell_short": ApologyStep.FellShort.values[0],
            "what_we_said": "We are sorry: we let the reporting slip.",
            "what_will_change": "Reports go out on the first working day.",
        },
        "offer": {"offer_made": False, "no_offer_reason": "They have already signed with someone else."},
        "transition": {"notes": "Handover call booked with the new provider."},
        "thanks": {"personal_note": "Thank you for four good years.", "send_card": False},
        "keep_in_touch": {"consent": True, "cadence": KeepInTouchStep.Cadence.values[0]},
    }


def create_fully_recorded_case() -> Any:
    from offboarding.services.cases import case_mark_departed, step_complete

    case = _log_departure()
    for step, values in _step_values().items():
        step_complete(case=case, step=step, actor=_person(), values=values)
    return case_mark_departed(case=case, actor=_person())


def ensure_page_cases() -> None:
    if fully_recorded_case() is None:
        print(f"Recording a case with every step for {PERSON}.", flush=True)
        create_fully_recorded_case()
    if untouched_open_case() is None:
        print(f"Logging an untouched departure for {PERSON}.", flush=True)
        _log_departure()


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    ensure_page_cases()
