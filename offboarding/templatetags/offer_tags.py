"""The offer history on the offer step: the offers so far and the form that comes next."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms, template

from offboarding.forms.offers import OfferAnswerForm, SaveOfferForm
from offboarding.models import DepartureCase, SaveOffer
from offboarding.services.offers import save_offer_add_refusal

register = template.Library()


@dataclass
class OfferHistory:
    offers: list[SaveOffer]
    latest: SaveOffer | None
    add_form: forms.Form | forms.ModelForm | None  # shown when another offer can be made
    answer_form: forms.Form | None  # shown while the latest offer waits for an answer


@register.simple_tag
def offer_history(case: DepartureCase) -> OfferHistory:
    """`{% offer_history case as history %}`: reads the offers the case page fetched with the case."""
    offers = list(case.offers.all())
    latest = offers[-1] if offers else None
    can_add = not save_offer_add_refusal(case, latest)
    waiting = case.status == DepartureCase.Status.OPEN and latest is not None and latest.is_pending
    return OfferHistory(
        offers=offers,
        latest=latest,
        add_form=SaveOfferForm() if can_add else None,
        answer_form=OfferAnswerForm() if waiting else None,
    )
