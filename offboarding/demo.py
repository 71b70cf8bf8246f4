"""Demo departure cases for `manage.py seed_demo`: every state, with realistic steps filled in.

Deterministic and idempotent: a client that already has a case is left alone. Cases are
made through the services, as a person would make them, then their timestamps are moved
back to the dates the story happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from clients.models import Client
from offboarding.models import CaseEvent, ChurnReason, DepartureCase
from offboarding.services import cases as services


@dataclass(frozen=True)
class DemoCase:
    """One client's departure story: when it started and how far it got."""

    notice_days_ago: int
    notice_period_days: int
    reason: str
    words: str
    steps: tuple[str, ...]
    outcome: str = "open"
    competitor: str = ""
    kind: str = "other"
    worth_saving: str = "yes"
    offer: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    handover_done: int = 0
    returned_days_ago: int | None = None


_DECLINED_PRICE = {
    "offer_made": True,
    "offer_type": "price_change",
    "details": "15% off for the next twelve months.",
    "monthly_value_effect": Decimal("-225"),
    "answer": "declined",
}
_NO_OFFER = {"offer_made": False, "no_offer_reason": "Their need is met; an offer would only be pressure."}

DEMO_CASES = (
    DemoCase(2, 60, "price-budget-cuts", "The board froze every supplier contract for next year.", ()),
    DemoCase(6, 45, "service-responsiveness", "We waited a week for answers more than once.", ("probe", "apology")),
    DemoCase(
        12,
        30,
        "fit-competitor",
        "Brightside offers the reporting dashboard we never built.",
        ("probe", "apology", "offer"),
        competitor="Brightside Digital",
        offer=_DECLINED_PRICE,
        handover_done=2,
    ),
    DemoCase(40, 30, "service-mistakes", "Two invoices were wrong and nobody apologised.", ("probe",)),
    DemoCase(
        20,
        25,
        "moved-in-house",
        "They hired their own bookkeeper in September.",
        ("probe", "offer", "transition", "thanks", "keep_in_touch"),
        kind="other",
        worth_saving="no",
        offer=_NO_OFFER,
        skipped={"apology": "Nothing went wrong on our side."},
        handover_done=3,
    ),
    DemoCase(
        25,
        30,
        "price-cheaper-elsewhere",
        "A freelancer quoted half our monthly fee.",
        ("probe", "apology", "offer"),
        outcome="saved",
        competitor="a freelancer",
        offer={
            "offer_made": True,
            "offer_type": "scope_change",
            "details": "A lighter monthly package.",
            "monthly_value_effect": Decimal("-400"),
            "answer": "accepted",
        },
    ),
    DemoCase(
        70,
        30,
        "need-met",
        "The migration is done; they have no ongoing need. Very happy.",
        ("probe", "offer", "transition", "thanks", "keep_in_touch"),
        outcome="departed",
        kind="need_met",
        offer=_NO_OFFER,
        skipped={"apology": "They were happy with the work."},
        handover_done=5,
    ),
    DemoCase(
        130,
        30,
        "service-relationship",
        "Their new CFO never warmed to us.",
        ("probe", "apology", "offer", "transition", "thanks", "keep_in_touch"),
        outcome="departed",
        competitor="Calder & Co",
        offer=_DECLINED_PRICE,
        handover_done=5,
    ),
    DemoCase(
        200,
        60,
        "lost-focus",
        "Too much going on this year; they may come back.",
        ("probe", "apology", "transition", "thanks", "keep_in_touch"),
        outcome="departed",
        kind="lost_focus",
        skipped={"offer": "They asked for a clean break."},
        handover_done=5,
    ),
    DemoCase(
        300,
        30,
        "fit-needs-changed",
        "They moved to a single global provider.",
        ("probe", "apology", "offer", "transition", "thanks", "keep_in_touch"),
        outcome="won_back",
        competitor="Meridian Global",
        offer=_DECLINED_PRICE,
        handover_done=5,
        returned_days_ago=40,
    ),
    DemoCase(
        95,
        14,
        "no-follow-through",
        "The plan was never put in place; they blame the results.",
        ("probe", "transition", "thanks", "keep_in_touch"),
        outcome="departed",
        kind="no_follow_through",
        worth_saving="no",
        skipped={"apology": "We did what was agreed.", "offer": "Not worth saving."},
        handover_done=5,
    ),
    DemoCase(
        160,
        30,
        "acquired-merged",
        "Bought by a group that has its own agency.",
        ("probe", "apology", "offer", "transition", "thanks", "keep_in_touch"),
        outcome="departed",
        offer=_NO_OFFER,
        handover_done=5,
    ),
)


def _step_values(story: DemoCase, step: str, users: dict[str, User]) -> dict[str, Any]:
    reasons = ChurnReason.objects.in_bulk(field_name="key")
    values: dict[str, dict[str, Any]] = {
        "probe": {
            "primary_reason": reasons[story.reason],
            "contributing_reasons": [reasons["price-budget-cuts"]] if story.reason.startswith("service") else [],
            "client_words": story.words,
            "competitor": story.competitor,
            "departure_kind": story.kind,
            "worth_saving": story.worth_saving,
            "worth_saving_why": "Pays on time and acts on advice." if story.worth_saving == "yes" else "Low fit.",
        },
        "apology": {
            "fell_short": "yes" if story.reason.startswith("service") else "n/a",
            "what_we_said": "We said sorry for the slow replies and the invoice errors.",
            "what_will_change": "Every client now gets a named backup contact and a one-day reply promise.",
        },
        "offer": {"approved_by": users["marta"], **story.offer},
        "transition": {"notes": "Agreed a two-week overlap with the new provider."},
        "thanks": {"personal_note": "Thank you for four good years together.", "send_card": True, "card_sent_on": None},
        "keep_in_touch": {"consent": True, "cadence": "twice_a_year", "new_contract_renewal_on": None},
    }
    return values[step]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _play(story: DemoCase, client: Client, users: dict[str, User], today: date) -> DepartureCase:
    actor = client.account_manager
    notice = today - timedelta(days=story.notice_days_ago)
    case = services.case_open(
        client=client,
        opened_by=actor,
        notice_received_on=notice,
        planned_leave_date=notice + timedelta(days=story.notice_period_days),
        how_heard=DepartureCase.HowHeard.CALL,
        first_notes=story.words,
    )
    for step, reason in story.skipped.items():
        services.step_skip(case=case, step=step, actor=actor, reason=reason)
    for step in story.steps:
        services.step_complete(case=case, step=step, actor=actor, values=_step_values(story, step, users))
    for item in case.handover_items.order_by("due_on", "position")[: story.handover_done]:
        services.handover_item_set_done(item=item, actor=actor, done=True)
    if story.outcome in ("departed", "won_back"):
        services.case_mark_departed(case=case, actor=actor, now=_at(case.planned_leave_date))
    if story.outcome == "won_back" and story.returned_days_ago is not None:
        services.client_mark_returned(
            client=client, actor=actor, returned_on=today - timedelta(days=story.returned_days_ago)
        )
    return case


def _backdate(case: DepartureCase, today: date) -> None:
    """Move the case's timestamps to when the story happened, one event a day after the notice."""
    case.refresh_from_db()
    start = case.notice_received_on
    DepartureCase.objects.filter(pk=case.pk).update(opened_at=_at(start, 9))
    if case.departed_on is not None:
        DepartureCase.objects.filter(pk=case.pk).update(closed_at=_at(min(case.departed_on, today), 17))
    for offset, event in enumerate(case.events.order_by("created_at", "id")):
        moment = min(_at(start + timedelta(days=offset), 9 + offset % 8), timezone.now())
        if event.verb == "client_returned" and case.won_back_on:
            moment = _at(case.won_back_on)
        CaseEvent.objects.filter(pk=event.pk).update(created_at=moment)
        _backdate_what_the_event_records(case, event, moment)


def _backdate_what_the_event_records(case: DepartureCase, event: CaseEvent, moment: datetime) -> None:
    step = event.details.get("step")
    if event.verb in ("step_completed", "step_skipped") and step in services.STEPS:
        services.STEPS[step]._default_manager.filter(pk=getattr(case, step).pk).update(completed_at=moment)
    elif event.verb == "case_saved":
        DepartureCase.objects.filter(pk=case.pk).update(saved_on=moment.date(), closed_at=moment)
        for step in event.details.get("steps_closed_as_not_needed", []):
            services.STEPS[step]._default_manager.filter(pk=getattr(case, step).pk).update(completed_at=moment)
    elif event.verb == "handover_item_done":
        title = event.summary.removeprefix("Handover item done: ")
        case.handover_items.filter(title=title).update(done_at=moment)


def seed_cases(users: dict[str, User], clients: list[Client], today: date) -> int:
    created = 0
    for story, client in zip(DEMO_CASES, clients, strict=False):
        if client.cases.exists():
            continue
        _backdate(_play(story, client, users, today), today)
        created += 1
    return created
