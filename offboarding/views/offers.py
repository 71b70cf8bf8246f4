"""The offer history's two writes: the next offer, and the client's answer to the latest one.

Both come from forms on the offer step of the case page and go back to it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.web import AuthenticatedHttpRequest
from offboarding.forms.offers import OfferAnswerForm, SaveOfferForm
from offboarding.models import DepartureCase, SaveOffer
from offboarding.services.offers import OfferTerms, save_offer_add, save_offer_answer


def _back_to_the_offer(case: DepartureCase) -> HttpResponse:
    """To the offer step's own page, where the history and its next offer are."""
    return redirect(reverse("offboarding:step_save", args=[case.pk, "offer"]) + "#step-offer")


def _refused(request: AuthenticatedHttpRequest, errors: ValidationError | ErrorDict) -> None:
    """Say what was wrong above the case page: nothing was saved."""
    texts = errors.messages if isinstance(errors, ValidationError) else [str(e) for es in errors.values() for e in es]
    messages.error(request, _("Nothing was saved: %(reasons)s") % {"reasons": " ".join(texts)})


@require_POST
def offer_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(DepartureCase.objects.visible_to(request.user), pk=pk)
    form = SaveOfferForm(request.POST)
    if not form.is_valid():
        _refused(request, form.errors)
        return _back_to_the_offer(case)
    try:
        offer = save_offer_add(case=case, actor=request.user, terms=OfferTerms(**form.cleaned_data))
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Offer %(number)d recorded: waiting for the client's answer.") % {"number": offer.position}
        )
    return _back_to_the_offer(case)


@require_POST
def offer_answer(request: AuthenticatedHttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    case = get_object_or_404(DepartureCase.objects.visible_to(request.user), pk=pk)
    offer = get_object_or_404(SaveOffer, case=case, pk=offer_pk)
    form = OfferAnswerForm(request.POST)
    if not form.is_valid():
        _refused(request, form.errors)
        return _back_to_the_offer(case)
    try:
        save_offer_answer(offer=offer, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        _refused(request, error)
    else:
        case.refresh_from_db(fields=["status"])
        if case.status == DepartureCase.Status.SAVED:
            messages.success(
                request,
                _("The offer was accepted: %(client)s stays. The case is closed as saved.") % {"client": case.client},
            )
        else:
            messages.success(
                request, _("Offer %(number)d declined: another offer can be made.") % {"number": offer.position}
            )
    return _back_to_the_offer(case)
