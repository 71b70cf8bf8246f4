"""Demo survey answers for `manage.py seed_demo`, and bulk data for `seed_demo --clients N --cases M`.

The demo's clients answer through the survey service, at the moment in their story when the
invitation had arrived (demo/stories.py calls DemoSurveyAnswers as it plays each story).

The bulk generator writes rows directly with bulk_create in batches (no services, no case
events): it exists to fill a database for the dashboard and its benchmark, 100,000 cases in
about a minute. Its clients take the status their latest case gives them, as the services do.
"""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client, ClientValueChange
from clients.roles import ACCOUNT_MANAGERS
from demo.money import first_value_change
from feedback.models import SurveyAnswer, UsedSurveyInvitation
from feedback.services import SurveyResponse, invitation_hash, survey_answer_submit
from offboarding.models import (
    ApologyStep,
    ChurnReason,
    DepartureCase,
    FollowUp,
    KeepInTouchStep,
    OfferStep,
    ProbeStep,
    ThankStep,
    TransitionStep,
)


class DemoSurveyAnswers:
    """Most demo clients answer their survey invitation the day after it arrives, every third anonymously.

    The first to answer would rather we did not keep in touch: their check-ins are cancelled.
    """

    def __init__(self) -> None:
        self.rng = random.Random(5)
        self.invitations = 0

    def __call__(self, invitation: FollowUp, moment: datetime) -> None:
        position = self.invitations
        self.invitations += 1
        assert invitation.sent_at is not None
        assert invitation.case is not None
        answered_at = invitation.sent_at + timedelta(days=1)
        # Every fourth never answers; an answer the story has not reached yet is not given.
        if position % 4 == 3 or answered_at >= moment:
            return
        satisfaction = self.rng.choice((2, 3, 4, 4, 5))
        reason = invitation.case.probe.primary_reason
        response = SurveyResponse(
            reasons=[reason] if reason else [],
            satisfaction=satisfaction,
            could_do_better=self.rng.choice(COULD_DO_BETTER),
            did_well=self.rng.choice(DID_WELL),
            likelihood_to_return=min(10, satisfaction * 2 + self.rng.randint(-1, 1)),
            may_keep_in_touch=position % 5 != 0,
            anonymous=position % 3 == 2,
        )
        survey_answer_submit(follow_up=invitation, response=response, now=answered_at)


COULD_DO_BETTER = (
    "Answer emails faster when something breaks.",
    "Tell us earlier when the budget was going to run over.",
    "Keep the same contact person; we had three in a year.",
    "",
)
DID_WELL = ("The quarterly reviews were genuinely useful.", "Friendly and reliable team.", "Clear invoices.", "")


# --- bulk generation --------------------------------------------------------------------------------------------

BATCH = 5000
SEGMENTS = ("Managed IT", "Marketing", "Bookkeeping", "Consulting", "Web development")
COMPETITORS = ("Brightpath", "Cloudnine Partners", "Apex Advisory", "Lowcost Ltd", "Nimbus & Co", "In-house team")
VALUES = tuple(Decimal(v) for v in (300, 450, 900, 1500, 2400, 4800, 9500, 18000))
# Every fifth bulk client pays in dollars and every fifth in pounds; demo/money.py keeps their rates.
BULK_CURRENCIES = ("EUR", "USD", "EUR", "GBP", "EUR")
EXTRA_ACCOUNT_MANAGERS = (("priya", "Priya", "Shah"), ("tomas", "Tomás", "Ruiz"), ("hannah", "Hannah", "Weber"))


@dataclass(frozen=True)
class BulkResult:
    clients: int
    cases: int
    survey_answers: int


def bulk_seed(*, users: dict[str, User], clients: int, cases: int, today: date, seed: int = 2026) -> BulkResult:
    rng = random.Random(seed)
    owners = [users["amelia"], users["jonas"], *_extra_account_managers()]
    reasons = list(ChurnReason.objects.filter(retired_at__isnull=True))
    new_clients = _bulk_clients(rng, owners, clients, today)
    latest: dict[int, DepartureCase] = {}
    answers = 0
    for first in range(0, cases, BATCH):
        with transaction.atomic():
            numbers = range(first, min(cases, first + BATCH))
            answers += _bulk_case_batch(rng, new_clients, numbers, reasons, today, latest)
    _set_statuses_from_latest_cases(latest)
    return BulkResult(clients=len(new_clients), cases=cases, survey_answers=answers)


# A client's status as their latest case leaves it, as the case services set it.
CLIENT_STATUS_AFTER = {
    DepartureCase.Status.OPEN: Client.Status.DEPARTING,
    DepartureCase.Status.SAVED: Client.Status.ACTIVE,
    DepartureCase.Status.DEPARTED: Client.Status.DEPARTED,
    DepartureCase.Status.WON_BACK: Client.Status.RETURNED,
}


def _set_statuses_from_latest_cases(latest: dict[int, DepartureCase]) -> None:
    """Clients start active; those with cases take the status their latest case gives them."""
    by_status: dict[str, list[int]] = {}
    for client_id, case in latest.items():
        by_status.setdefault(CLIENT_STATUS_AFTER[DepartureCase.Status(case.status)], []).append(client_id)
    for status, client_ids in by_status.items():
        if status != Client.Status.ACTIVE:
            Client.objects.filter(pk__in=client_ids).update(status=status)


def _extra_account_managers() -> list[User]:
    group = Group.objects.get(name=ACCOUNT_MANAGERS)
    people = []
    for username, first_name, last_name in EXTRA_ACCOUNT_MANAGERS:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@northwind.example"},
        )
        user.groups.add(group)
        people.append(user)
    return people


def _bulk_clients(rng: random.Random, owners: list[User], count: int, today: date) -> list[Client]:
    run = uuid.uuid4().hex[:10]  # keeps contact emails unique across runs
    created: list[Client] = []
    for first in range(0, count, BATCH):
        batch = [_bulk_client(rng, owners, number, run, today) for number in range(first, min(count, first + BATCH))]
        new = Client.objects.bulk_create(batch)
        ClientValueChange.objects.bulk_create(first_value_change(client) for client in new)
        created.extend(new)
    return created


def _bulk_client(rng: random.Random, owners: list[User], number: int, run: str, today: date) -> Client:
    start = today - timedelta(days=rng.randint(200, 2500))
    return Client(
        company_name=f"Bulk Client {run[-5:]}-{number:06d}",
        contact_name=f"Contact {number}",
        contact_email=f"contact{number}.r{run}@bulk.example",
        account_manager=owners[number % len(owners)],
        segment=rng.choice(SEGMENTS),
        monthly_value=rng.choice(VALUES),
        currency=BULK_CURRENCIES[number % len(BULK_CURRENCIES)],
        contract_start=start,
        contract_end=start + timedelta(days=365 * rng.randint(1, 3)),
        keep_in_touch=Client.KeepInTouch.YES if rng.random() < 0.5 else Client.KeepInTouch.NOT_ASKED,
    )


def _bulk_case_batch(
    rng: random.Random,
    clients: list[Client],
    numbers: range,
    reasons: list[ChurnReason],
    today: date,
    latest: dict[int, DepartureCase],
) -> int:
    cases = DepartureCase.objects.bulk_create(
        [_bulk_case(rng, clients[number % len(clients)], number < len(clients), today) for number in numbers]
    )
    for case in cases:
        known = latest.get(case.client_id)
        if known is None or (known.notice_received_on, known.pk) < (case.notice_received_on, case.pk):
            latest[case.client_id] = case
    for model, make in _step_makers(rng, reasons):
        _insert_rows(model, [make(case) for case in cases])
    _insert_rows(ClientValueChange, [row for case in cases for row in _value_changes(case)])
    return _bulk_surveys(rng, cases, reasons, today)


def _insert_rows(model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (attribute name -> value); on PostgreSQL with COPY, several times faster than bulk_create."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(model(**row) for row in rows)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    buffer = io.StringIO()
    for row in rows:
        values = {**defaults, **row}
        buffer.write("\t".join(_copy_text(values[f.attname]) for f in fields) + "\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer
        )


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):  # dates and datetimes; datetimes are aware, so the offset travels along
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _bulk_case(rng: random.Random, client: Client, may_be_open: bool, today: date) -> DepartureCase:
    # Only a client's first case may stay open: the database allows one open case per client.
    # An open case is the client's latest: its notice came in the last 100 days, the others' before.
    roll = rng.random()
    status = (
        DepartureCase.Status.OPEN
        if may_be_open and roll < 0.08
        else DepartureCase.Status.SAVED
        if roll < 0.3
        else DepartureCase.Status.WON_BACK
        if roll < 0.4
        else DepartureCase.Status.DEPARTED
    )
    notice = today - timedelta(days=rng.randint(0, 99) if status == "open" else rng.randint(100, 730))
    leave = notice + timedelta(days=rng.choice((14, 30, 30, 60, 90)))
    case = DepartureCase(
        client=client,
        status=status,
        notice_received_on=notice,
        planned_leave_date=leave,
        how_heard=rng.choice(DepartureCase.HowHeard.values),
        account_manager_id=client.account_manager_id,
        segment=client.segment,
        monthly_value=client.monthly_value,
        currency=client.currency,
        opened_by_id=client.account_manager_id,
    )
    _close(rng, case, today)
    return case


def _value_changes(case: DepartureCase) -> list[dict[str, Any]]:
    """The value history a departure and a return leave, as the case services write it."""
    row = {"client_id": case.client_id, "currency": case.currency, "recorded_at": case.closed_at}
    changes = []
    if case.departed_on:
        changes.append({**row, "monthly_value": 0, "effective_on": case.departed_on, "source": "departure"})
    if case.won_back_on:
        changes.append(
            {**row, "monthly_value": case.monthly_value, "effective_on": case.won_back_on, "source": "return"}
        )
    return changes


def _close(rng: random.Random, case: DepartureCase, today: date) -> None:
    if case.status == DepartureCase.Status.OPEN:
        return
    if case.status == DepartureCase.Status.SAVED:
        case.saved_on = case.notice_received_on + timedelta(days=rng.randint(3, 40))
        closed_on = case.saved_on
    else:
        case.departed_on = min(case.planned_leave_date, today)
        closed_on = case.departed_on
        if case.status == DepartureCase.Status.WON_BACK:
            case.won_back_on = min(today, case.departed_on + timedelta(days=rng.randint(30, 420)))
    case.closed_at = timezone.make_aware(datetime.combine(min(closed_on, today), time(16)))


StepMaker = Callable[[DepartureCase], dict[str, Any]]


def _step_makers(rng: random.Random, reasons: list[ChurnReason]) -> list[tuple[type[Any], StepMaker]]:
    def closed(case: DepartureCase) -> dict[str, Any]:
        if case.status == DepartureCase.Status.OPEN and rng.random() < 0.6:
            return {}
        if rng.random() < 0.07:
            return {"status": "skipped", "skip_reason": "Not appropriate for this client."}
        if rng.random() < 0.05:
            return {}  # forgotten: counts against checklist adherence
        return {"status": "done", "completed_by_id": case.account_manager_id, "completed_at": case.closed_at}

    def probe(case: DepartureCase) -> dict[str, Any]:
        reason = rng.choice(reasons) if reasons and rng.random() < 0.95 else None
        competitor = rng.choice(COMPETITORS) if reason and reason.category in ("price", "fit") else ""
        return dict(
            case_id=case.pk,
            primary_reason_id=reason.pk if reason else None,
            competitor=competitor,
            departure_kind=rng.choice([*ProbeStep.DepartureKind.values, ""]),
            worth_saving=rng.choice(ProbeStep.WorthSaving.values),
            client_words="They felt the price no longer matched what they got.",
            **closed(case),
        )

    def offer(case: DepartureCase) -> dict[str, Any]:
        made = case.status == DepartureCase.Status.SAVED or rng.random() < 0.4
        answer = "accepted" if case.status == DepartureCase.Status.SAVED else "declined"
        return dict(
            case_id=case.pk,
            offer_made=made,
            offer_type=rng.choice(OfferStep.OfferType.values) if made else "",
            answer=answer if made else "",
            no_offer_reason="" if made else "Not a good fit for us.",
            **closed(case),
        )

    def keep_in_touch(case: DepartureCase) -> dict[str, Any]:
        agreed = rng.random() < 0.6 if case.status != DepartureCase.Status.OPEN else False
        return dict(
            case_id=case.pk,
            cadence=rng.choice(KeepInTouchStep.Cadence.values) if agreed else "",
            **closed(case),
        )

    def plain(case: DepartureCase) -> dict[str, Any]:
        return {"case_id": case.pk, **closed(case)}

    return [
        (ProbeStep, probe),
        (ApologyStep, plain),
        (OfferStep, offer),
        (TransitionStep, plain),
        (ThankStep, plain),
        (KeepInTouchStep, keep_in_touch),
    ]


def _bulk_surveys(rng: random.Random, cases: list[DepartureCase], reasons: list[ChurnReason], today: date) -> int:
    invited = [case for case in cases if case.departed_on and rng.random() < 0.6]
    invitations = FollowUp.objects.bulk_create(_survey_invitation(case) for case in invited)
    answered = [invitation for invitation in invitations if rng.random() < 0.35]
    UsedSurveyInvitation.objects.bulk_create(
        UsedSurveyInvitation(invitation_hash=invitation_hash(invitation.pk)) for invitation in answered
    )
    answers = SurveyAnswer.objects.bulk_create(_bulk_answer(rng, invitation, today) for invitation in answered)
    Through = SurveyAnswer.reasons.through
    SurveyAnswer.reasons.through.objects.bulk_create(
        Through(surveyanswer_id=answer.pk, churnreason_id=reason.pk)
        for answer in answers
        for reason in _sample_reasons(rng, reasons)
    )
    return len(answers)


def _survey_invitation(case: DepartureCase) -> FollowUp:
    assert case.departed_on is not None
    due_at = timezone.make_aware(datetime.combine(case.departed_on + timedelta(days=7), time(10)))
    return FollowUp(
        key=f"bulk-survey-{case.pk}",
        kind=FollowUp.Kind.SURVEY,
        client_id=case.client_id,
        case=case,
        recipient_email=f"case{case.pk}@bulk.example",
        due_at=due_at,
        status=FollowUp.Status.SENT,
        attempts=1,
        sent_at=due_at,
    )


def _bulk_answer(rng: random.Random, invitation: FollowUp, today: date) -> SurveyAnswer:
    case = invitation.case
    assert case is not None
    anonymous = rng.random() < 0.3
    answered_on = min(today, invitation.due_at.date() + timedelta(days=rng.randint(0, 10)))
    satisfaction = rng.randint(1, 5)
    return SurveyAnswer(
        is_anonymous=anonymous,
        month=answered_on.replace(day=1),
        segment=case.segment,
        satisfaction=satisfaction,
        likelihood_to_return=max(0, min(10, satisfaction * 2 + rng.randint(-2, 1))),
        could_do_better=rng.choice(COULD_DO_BETTER),
        did_well=rng.choice(DID_WELL),
        may_keep_in_touch=rng.random() < 0.6,
        **({} if anonymous else {"client_id": case.client_id, "case": case, "follow_up": invitation}),
        submitted_at=None if anonymous else timezone.make_aware(datetime.combine(answered_on, time(12))),
    )


def _sample_reasons(rng: random.Random, reasons: list[ChurnReason]) -> Iterator[ChurnReason]:
    yield from rng.sample(reasons, k=min(len(reasons), rng.choice((1, 1, 2))))
