"""Several offers in turn: a declined offer leaves room for the next, one accepted offer saves the case."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from offboarding.models import DepartureCase, SaveOffer
from offboarding.services.cases import step_complete
from offboarding.services.offers import OfferTerms, save_offer_add, save_offer_answer
from offboarding.tests.factories import step_values

pytestmark = pytest.mark.django_db

DISCOUNT = OfferTerms(
    offer_type="price_change",
    details="300 off a month for six months.",
    monthly_value_effect=Decimal("-300"),
    monthly_concession=Decimal("300"),
    concession_months=6,
)
SENIOR_TIME = OfferTerms(
    offer_type="new_contact",
    details="A partner runs the account for a quarter.",
    one_off_cost=Decimal("1500"),
)


def test_a_declined_offer_leaves_room_for_a_second_which_saves_the_case(
    own_case: DepartureCase, account_manager: User, manager: User
) -> None:
    today = timezone.localdate()
    first = save_offer_add(case=own_case, actor=account_manager, terms=DISCOUNT)
    save_offer_answer(offer=first, actor=account_manager, answer="declined", answered_on=today)
    second = save_offer_add(
        case=own_case, actor=account_manager, terms=OfferTerms(**{**SENIOR_TIME.__dict__, "approved_by": manager})
    )
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.OPEN
    save_offer_answer(offer=second, actor=account_manager, answer="accepted", answered_on=today)
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.SAVED
    history = [(o.position, o.offer_type, o.answer, o.answered_on) for o in own_case.offers.all()]
    assert history == [(1, "price_change", "declined", today), (2, "new_contact", "accepted", today)]
    assert own_case.offers.get(position=2).approved_by == manager
    own_case.offer.refresh_from_db()
    # the step shows the latest offer
    assert (own_case.offer.offer_type, own_case.offer.answer) == ("new_contact", "accepted")


def test_what_an_offer_gives_away_is_its_one_off_cost_and_its_monthly_concession_for_its_months(
    own_case: DepartureCase, account_manager: User
) -> None:
    terms = OfferTerms(**{**DISCOUNT.__dict__, "one_off_cost": Decimal("500")})
    offer = save_offer_add(case=own_case, actor=account_manager, terms=terms)
    assert offer.concession_cost == Decimal("2300")  # 500 + 300 x 6


def test_no_second_offer_while_the_first_waits_for_an_answer(own_case: DepartureCase, account_manager: User) -> None:
    save_offer_add(case=own_case, actor=account_manager, terms=DISCOUNT)
    with pytest.raises(ValidationError, match="Record the client's answer to offer 1"):
        save_offer_add(case=own_case, actor=account_manager, terms=SENIOR_TIME)
    assert own_case.offers.count() == 1


def test_no_offer_after_the_case_was_saved(own_case: DepartureCase, account_manager: User) -> None:
    offer = save_offer_add(case=own_case, actor=account_manager, terms=DISCOUNT)
    save_offer_answer(offer=offer, actor=account_manager, answer="accepted", answered_on=timezone.localdate())
    with pytest.raises(ValidationError, match="only while the case is open"):
        save_offer_add(case=own_case, actor=account_manager, terms=SENIOR_TIME)


def test_an_answer_dated_in_the_future_is_refused_and_nothing_changes(
    own_case: DepartureCase, account_manager: User
) -> None:
    offer = save_offer_add(case=own_case, actor=account_manager, terms=DISCOUNT)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError):
        save_offer_answer(offer=offer, actor=account_manager, answer="accepted", answered_on=tomorrow)
    offer.refresh_from_db()
    assert offer.is_pending
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.OPEN


def test_the_offer_step_form_records_the_first_offer_of_the_history(
    own_case: DepartureCase, account_manager: User
) -> None:
    step_complete(case=own_case, step="offer", actor=account_manager, values=step_values("offer"))
    offer = SaveOffer.objects.get(case=own_case)
    assert (offer.position, offer.offer_type, offer.answer) == (1, "price_change", "declined")
    assert offer.answered_on == timezone.localdate()


def test_the_case_page_shows_the_history_and_takes_the_next_offer_and_the_answer(
    own_case: DepartureCase, am_client: BrowserClient
) -> None:
    add = reverse("offboarding:offer_add", args=[own_case.pk])
    fields = {
        "new_offer-offer_type": "price_change",
        "new_offer-details": "10% off for a year.",
        "new_offer-one_off_cost": "0",
        "new_offer-monthly_concession": "120",
        "new_offer-concession_months": "12",
    }
    assert am_client.post(add, fields).status_code == 302
    offer = own_case.offers.get()
    answer = reverse("offboarding:offer_answer", args=[own_case.pk, offer.pk])
    today = timezone.localdate().isoformat()
    answered = am_client.post(answer, {"answer-answer": "declined", "answer-answered_on": today})
    offer_step = reverse("offboarding:step_save", args=[own_case.pk, "offer"])
    assert answered["Location"] == f"{offer_step}#step-offer"
    page = am_client.get(offer_step).content.decode()
    assert "10% off for a year." in page
    assert "1,440.00 EUR" in page  # 120 a month for 12 months
    assert "Make another offer" in page
    refused = am_client.post(add, {**fields, "new_offer-details": ""}, follow=True).content.decode()
    assert "Nothing was saved" in refused
    assert own_case.offers.count() == 1


def test_the_migration_turns_each_recorded_single_offer_into_offer_one_of_the_history(
    own_case: DepartureCase, others_case: DepartureCase
) -> None:
    from importlib import import_module

    from django.apps import apps

    from offboarding.models import OfferStep

    migration = import_module("offboarding.migrations.0028_save_offer_history")
    saved_on = timezone.localdate() - timedelta(days=2)
    OfferStep.objects.filter(case=own_case).update(
        offer_made=True, offer_type="pause", details="Pause for the summer.", answer="accepted"
    )
    DepartureCase.objects.filter(pk=own_case.pk).update(status="saved", saved_on=saved_on)
    OfferStep.objects.filter(case=others_case).update(offer_made=False, no_offer_reason="Not worth saving")
    migration.single_offers_into_the_history(apps, None)
    offer = SaveOffer.objects.get()
    assert (offer.case_id, offer.position, offer.offer_type, offer.details) == (
        own_case.pk,
        1,
        "pause",
        "Pause for the summer.",
    )
    assert (offer.answer, offer.answered_on) == ("accepted", saved_on)
