"""Demo departure cases for `manage.py seed_demo`: every state, each story one that could have happened.

Deterministic and idempotent: a client that already has a case is left alone. A story is
played through the services a person's clicks go through, in the order it happened, each
call given the moment it happened (`now=`). Before each later moment, what a running worker
would have done with the client's mail by then is recorded (demo/outbox.py), so
the outbox holds the mail already sent and a first start mails only what falls due from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from clients.models import Client
from demo.outbox import SurveyAnswerer, follow_ups_handle_as_of
from offboarding.models import ChurnReason, DepartureCase
from offboarding.services import cases as services
from offboarding.services.consent import client_unsubscribe


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
    consent: bool = True  # the answer at the keep-in-touch step
    unsubscribed_days_after_leaving: int | None = None
    # The contact left their company: mail due from then on bounces.
    mailbox_gone_days_after_leaving: int | None = None
    # A partial departure: this service line leaves, worth this share of the client's monthly value.
    part_leaving: str = ""
    share_leaving: Decimal | None = None


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
        consent=False,
        mailbox_gone_days_after_leaving=1,
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
        unsubscribed_days_after_leaving=40,
    ),
    DemoCase(
        30,
        30,
        "service-quality",
        "The monthly reports kept arriving with errors.",
        ("probe", "apology", "offer", "transition", "thanks", "keep_in_touch"),
        outcome="departed",
        competitor="Harbour Analytics",
        offer=_DECLINED_PRICE,
        handover_done=5,
    ),
    DemoCase(
        50,
        30,
        "price-budget-cuts",
        "We keep the bookkeeping but payroll goes to our new HR system.",
        ("probe", "apology", "offer", "transition", "thanks"),
        outcome="departed",
        offer=_NO_OFFER,
        handover_done=2,
        part_leaving="Payroll",
        share_leaving=Decimal("0.3"),
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
        "keep_in_touch": {
            "consent": story.consent,
            "cadence": "twice_a_year" if story.consent else "",
            "new_contract_renewal_on": None,
        },
    }
    return values[step]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` moments after `start`, a day apart, or closer together when `end` comes sooner."""
    gap = min(timedelta(days=1), (end - start) / (count + 1))
    return [start + gap * (number + 1) for number in range(count)]


# A service call of the story with everything but the moment it happened, passed as `now`.
Action = Callable[..., object]


def _work_before_leaving(story: DemoCase, case: DepartureCase, users: dict[str, User]) -> list[Action]:
    """The account manager's steps and handover ticks, in the order they did them."""
    actor = case.client.account_manager
    actions: list[Action] = [
        partial(services.step_skip, case=case, step=step, actor=actor, reason=reason)
        for step, reason in story.skipped.items()
    ]
    actions += [
        partial(services.step_complete, case=case, step=step, actor=actor, values=_step_values(story, step, users))
        for step in story.steps
    ]
    items = case.handover_items.order_by("due_on", "position")[: story.handover_done]
    actions += [partial(services.handover_item_set_done, item=item, actor=actor, done=True) for item in items]
    return actions


def _after_leaving(story: DemoCase, client: Client, leave: date, today: date) -> list[tuple[datetime, Action]]:
    after: list[tuple[datetime, Action]] = []
    if story.unsubscribed_days_after_leaving is not None:
        # The client follows the unsubscribe link in an evening's email.
        moment = _at(leave + timedelta(days=story.unsubscribed_days_after_leaving), 20)
        after.append((moment, partial(client_unsubscribe, client=client, email=client.contact_email)))
    if story.returned_days_ago is not None:
        returned_on = today - timedelta(days=story.returned_days_ago)
        action = partial(
            services.client_mark_returned, client=client, actor=client.account_manager, returned_on=returned_on
        )
        after.append((_at(returned_on, 11), action))
    return sorted(after, key=lambda moment_and_action: moment_and_action[0])


@dataclass(frozen=True)
class _Clock:
    """Plays a client's story at its moments; before each, the worker's part is done as it would have been."""

    client: Client
    survey_answered: SurveyAnswerer | None
    mailbox_gone_from: datetime | None

    def at(self, moment: datetime, action: Action) -> None:
        self.catch_up(moment)
        action(now=moment)

    def catch_up(self, moment: datetime) -> None:
        follow_ups_handle_as_of(
            client=self.client,
            moment=moment,
            mailbox_gone_from=self.mailbox_gone_from,
            survey_answered=self.survey_answered,
        )


def _open(story: DemoCase, client: Client, today: date) -> DepartureCase:
    notice = today - timedelta(days=story.notice_days_ago)
    return services.case_open(
        client=client,
        opened_by=client.account_manager,
        notice_received_on=notice,
        planned_leave_date=notice + timedelta(days=story.notice_period_days),
        how_heard=DepartureCase.HowHeard.CALL,
        first_notes=story.words,
        now=_at(notice, 9),
        **_partial(story, client),
    )


def _partial(story: DemoCase, client: Client) -> dict[str, Any]:
    if story.share_leaving is None:
        return {}
    value = (client.monthly_value * story.share_leaving).quantize(Decimal(1))
    return {"scope": DepartureCase.Scope.PARTIAL, "part_leaving": story.part_leaving, "value_leaving": value}


def _play(
    story: DemoCase, client: Client, users: dict[str, User], now: datetime, survey_answered: SurveyAnswerer | None
) -> DepartureCase:
    today = timezone.localdate(now)
    case = _open(story, client, today)
    leave = case.planned_leave_date
    leaves = story.outcome in ("departed", "won_back")
    # Marked departed at the end of the leave day, or now when that is still to come.
    departed_at = min(_at(leave, 16), now)
    work = _work_before_leaving(story, case, users)
    for moment, action in zip(_spread(case.opened_at, departed_at if leaves else now, len(work)), work, strict=True):
        action(now=moment)
    if not leaves:
        return case
    gone = story.mailbox_gone_days_after_leaving
    clock = _Clock(client, survey_answered, None if gone is None else _at(leave + timedelta(days=gone), 0))
    clock.at(departed_at, partial(services.case_mark_departed, case=case, actor=client.account_manager))
    for moment, action in _after_leaving(story, client, leave, today):
        clock.at(moment, action)
    clock.catch_up(now)
    return case


def seed_cases(
    users: dict[str, User],
    clients: list[Client],
    *,
    now: datetime,
    survey_answered: SurveyAnswerer | None = None,
) -> int:
    """Play a story for each of the first clients that has no case yet; returns how many were played.

    `survey_answered` is called when a survey invitation has been sent, with the moment the
    story has reached, so a higher app can answer it then (the answer may cancel later mail).
    """
    created = 0
    for story, client in zip(DEMO_CASES, clients, strict=False):
        if client.cases.exists():
            continue
        _play(story, client, users, now, survey_answered)
        created += 1
    return created
