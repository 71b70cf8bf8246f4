"""Several save offers in turn: the next offer after a declined one, and the client's answer to the latest.

Each write goes through step_complete for the offer step, which keeps the step's fields on the latest
offer, records the event and, for an accepted offer, saves the case (case_mark_saved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offboarding.models import DepartureCase, OfferStep, SaveOffer
from offboarding.services.cases import OFFER_FIELDS, step_complete


@dataclass(frozen=True)
class OfferTerms:
    """What is offered and what it gives away."""

    offer_type: str
    details: str
    monthly_value_effect: Decimal | None = None
    one_off_cost: Decimal = Decimal(0)
    monthly_concession: Decimal = Decimal(0)
    concession_months: int = 0
    approved_by: User | None = None


def save_offer_add_refusal(case: DepartureCase, latest: SaveOffer | None) -> str:
    """Why no further offer can be made now; empty when one can. The offer step's page asks it too."""
    if case.status != DepartureCase.Status.OPEN:
        return _("Offers can be made only while the case is open.")
    if latest is not None and latest.answer == OfferStep.Answer.PENDING:
        return _("Record the client's answer to offer %(number)d before making another.") % {"number": latest.position}
    return ""


def _step_values(offer: SaveOffer) -> dict[str, object]:
    return {"offer_made": True, "no_offer_reason": "", **{name: getattr(offer, name) for name in OFFER_FIELDS}}


@transaction.atomic
def save_offer_add(*, case: DepartureCase, actor: User, terms: OfferTerms, now: datetime | None = None) -> SaveOffer:
    """Make the next offer (the first, or one after a declined offer); it waits for the client's answer."""
    now = now or timezone.now()
    case = DepartureCase.objects.select_for_update().get(pk=case.pk)
    latest = case.offers.order_by("-position").first()
    refusal = save_offer_add_refusal(case, latest)
    if refusal:
        raise ValidationError(refusal)
    offer = SaveOffer(
        case=case,
        position=(latest.position + 1) if latest else 1,
        answer=OfferStep.Answer.PENDING,
        made_by=actor,
        made_at=now,
        **terms.__dict__,
    )
    offer.full_clean(exclude=["case", "approved_by", "made_by"])
    offer.save()
    step_complete(case=case, step="offer", actor=actor, values=_step_values(offer), now=now)
    return offer


@transaction.atomic
def save_offer_answer(
    *, offer: SaveOffer, actor: User, answer: str, answered_on: date, now: datetime | None = None
) -> SaveOffer:
    """The client's answer to the latest offer: accepted saves the case, declined leaves room for another."""
    now = now or timezone.now()
    case = DepartureCase.objects.select_for_update().get(pk=offer.case_id)
    offer = SaveOffer.objects.select_for_update().get(pk=offer.pk)
    if case.status != DepartureCase.Status.OPEN or not offer.is_pending:
        raise ValidationError(_("Only a waiting offer of an open case can be answered."))
    if answer not in (OfferStep.Answer.ACCEPTED, OfferStep.Answer.DECLINED):
        raise ValidationError({"answer": _("Record whether the client accepted or declined.")})
    if answered_on > timezone.localdate(now) or answered_on < timezone.localdate(offer.made_at):
        raise ValidationError({"answered_on": _("The answer's date must be between the offer and today.")})
    offer.answer, offer.answered_on = answer, answered_on
    offer.save(update_fields=["answer", "answered_on"])
    step_complete(case=case, step="offer", actor=actor, values=_step_values(offer), now=now)
    return offer
