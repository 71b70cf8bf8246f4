"""Writes on departure cases. Every function runs in one transaction and records a CaseEvent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client
from offboarding.models import (
    ApologyStep,
    CaseEvent,
    DepartureCase,
    HandoverItem,
    KeepInTouchStep,
    OfferStep,
    ProbeStep,
    ThankStep,
    TransitionStep,
)

STEP_MODELS = (ProbeStep, ApologyStep, OfferStep, TransitionStep, ThankStep, KeepInTouchStep)

# The handover list every case starts with: (title, days from the leave date).
DEFAULT_HANDOVER = (
    ("Finish the work already promised", -7),
    ("Return their data and documents", 0),
    ("Remove our access to their systems", 0),
    ("Send the final invoice", 7),
    ("Hand knowledge over to the new provider", 0),
)


def case_event_record(
    *, client: Client, case: DepartureCase | None, actor: User | None, verb: str, summary: str, **details: Any
) -> CaseEvent:
    return CaseEvent.objects.create(
        client=client, case=case, actor=actor, verb=verb, summary=summary[:300], details=details
    )


@transaction.atomic
def case_open(
    *,
    client: Client,
    opened_by: User,
    notice_received_on: date,
    planned_leave_date: date,
    how_heard: str,
    first_notes: str = "",
) -> DepartureCase:
    """Log that a client is leaving: a case with its six steps and the default handover list."""
    if planned_leave_date < notice_received_on:
        raise ValidationError({"planned_leave_date": "The leave date cannot be before the notice was received."})
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.cases.filter(status=DepartureCase.Status.OPEN).exists():
        raise ValidationError("This client already has an open departure case.")
    try:
        with transaction.atomic():
            case = DepartureCase.objects.create(
                client=client,
                notice_received_on=notice_received_on,
                planned_leave_date=planned_leave_date,
                how_heard=how_heard,
                first_notes=first_notes,
                account_manager=client.account_manager,
                segment=client.segment,
                monthly_value=client.monthly_value,
                currency=client.currency,
                opened_by=opened_by,
            )
    except IntegrityError:
        raise ValidationError("This client already has an open departure case.") from None
    for step_model in STEP_MODELS:
        step_model.objects.create(case=case)
    HandoverItem.objects.bulk_create(
        HandoverItem(
            case=case,
            title=title,
            days_from_leave_date=days,
            due_on=planned_leave_date + timedelta(days=days),
            position=position,
        )
        for position, (title, days) in enumerate(DEFAULT_HANDOVER)
    )
    previous_status = client.status
    client.status = Client.Status.DEPARTING
    client.save(update_fields=["status", "updated_at"])
    case_event_record(
        client=client,
        case=case,
        actor=opened_by,
        verb="case_opened",
        summary=f"Departure logged: leaving on {planned_leave_date:%d %b %Y}",
        client_status={"before": previous_status, "after": client.status},
    )
    return case
