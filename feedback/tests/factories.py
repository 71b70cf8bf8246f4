"""Builders for feedback tests: cases in a chosen state and survey invitations."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from offboarding.models import ChurnReason, DepartureCase, FollowUp, OfferStep, ProbeStep
from offboarding.services.cases import STEP_MODELS
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory


def make_case(
    *,
    owner: User,
    notice: date,
    status: str = DepartureCase.Status.DEPARTED,
    value: str = "1000",
    segment: str = "Consulting",
    departed_on: date | None = None,
    won_back_on: date | None = None,
    closed_on: date | None = None,
    reason: ChurnReason | None = None,
    kind: str = "",
    competitor: str = "",
    offer_type: str = "",
    every_step_closed: bool = False,
    name: str | None = None,
) -> DepartureCase:
    """A case opened through the real service, then moved to the state a test needs."""
    client = ClientFactory.create(
        account_manager=owner, segment=segment, monthly_value=Decimal(value), **({"company_name": name} if name else {})
    )
    case = DepartureCaseFactory.create(client=client, notice_received_on=notice, planned_leave_date=notice)
    closed_at = datetime.combine(closed_on, time(12), tzinfo=timezone.get_current_timezone()) if closed_on else None
    DepartureCase.objects.filter(pk=case.pk).update(
        status=status,
        departed_on=departed_on,
        won_back_on=won_back_on,
        closed_at=closed_at,
        saved_on=closed_on if status == DepartureCase.Status.SAVED else None,
    )
    ProbeStep.objects.filter(case=case).update(primary_reason=reason, departure_kind=kind, competitor=competitor)
    OfferStep.objects.filter(case=case).update(
        offer_made=bool(offer_type) or None, offer_type=offer_type, answer=_offer_answer(status, offer_type)
    )
    if every_step_closed:
        for model in STEP_MODELS:
            model.objects.filter(case=case).update(status="done")
    case.refresh_from_db()
    return case


def _offer_answer(status: str, offer_type: str) -> str:
    """The answer the offer step stores for a case in this state: an offer needs one (cases.step_complete)."""
    if not offer_type:
        return ""
    if status == DepartureCase.Status.SAVED:
        return OfferStep.Answer.ACCEPTED
    if status == DepartureCase.Status.OPEN:
        return OfferStep.Answer.PENDING
    return OfferStep.Answer.DECLINED


def survey_invitation(case: DepartureCase, *, due_at: datetime | None = None, **fields: Any) -> FollowUp:
    return FollowUp.objects.create(
        key=f"survey-test-{case.pk}-{FollowUp.objects.count()}",
        kind=FollowUp.Kind.SURVEY,
        client=case.client,
        case=case,
        recipient_email=case.client.contact_email,
        due_at=due_at or timezone.now(),
        **{"status": FollowUp.Status.SENT, **fields},
    )
