from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from clients.tests.factories import ClientFactory, UserFactory
from offboarding.models import ChurnReason, DepartureCase, FollowUp, Improvement
from offboarding.outbox.services import message_id_for
from offboarding.services.cases import case_open, step_complete
from offboarding.services.improvements import improvement_create_from_case


class ChurnReasonFactory(factory.django.DjangoModelFactory[ChurnReason]):
    class Meta:
        model = ChurnReason
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"test-reason-{n}")
    label = factory.Sequence(lambda n: f"Test reason {n}")
    category = ChurnReason.Category.SERVICE


class DepartureCaseFactory(factory.django.DjangoModelFactory[DepartureCase]):
    """An open case made the way a person makes one: through case_open."""

    class Meta:
        model = DepartureCase

    client = factory.SubFactory(ClientFactory)
    opened_by = factory.LazyAttribute(lambda case: case.client.account_manager)
    notice_received_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    planned_leave_date = factory.LazyAttribute(lambda case: case.notice_received_on + timedelta(days=30))
    how_heard = DepartureCase.HowHeard.EMAIL
    first_notes = "Called to say they are moving on."

    @classmethod
    def _create(cls, model_class: type[DepartureCase], *args: Any, **kwargs: Any) -> DepartureCase:
        return case_open(**kwargs)


class FollowUpFactory(factory.django.DjangoModelFactory[FollowUp]):
    """An outbox row due now for the client's contact (a check-in unless told otherwise)."""

    class Meta:
        model = FollowUp

    key = factory.Sequence(lambda n: f"test-follow-up-{n}")
    kind = FollowUp.Kind.CHECK_IN
    client = factory.SubFactory(ClientFactory)
    recipient_email = factory.LazyAttribute(lambda row: row.client.contact_email)
    due_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.LazyAttribute(lambda row: row.due_at)
    message_id = factory.LazyAttribute(lambda row: message_id_for(row.key))


__all__ = ["ChurnReasonFactory", "ClientFactory", "DepartureCaseFactory", "FollowUpFactory", "UserFactory"]


def step_values(step: str) -> dict[str, Any]:
    """What a person typically records at each step, as the step forms clean it."""
    reason = ChurnReason.objects.get(key="price-budget-cuts")
    values: dict[str, dict[str, Any]] = {
        "probe": {
            "primary_reason": reason,
            "contributing_reasons": [ChurnReason.objects.get(key="service-responsiveness")],
            "client_words": "The board cut every supplier budget by a third.",
            "competitor": "Brightside Digital",
            "departure_kind": "other",
            "worth_saving": "yes",
            "worth_saving_why": "Long-standing, pays on time, acts on advice.",
        },
        "apology": {
            "fell_short": "yes",
            "what_we_said": "Sorry for the slow replies.",
            "what_will_change": "A 1-day SLA.",
        },
        "offer": {
            "offer_made": True,
            "offer_type": "price_change",
            "details": "15% off for twelve months.",
            "monthly_value_effect": None,
            "approved_by": None,
            "answer": "declined",
            "no_offer_reason": "",
        },
        "transition": {"notes": "New provider starts on the leave date."},
        "thanks": {"personal_note": "It was a pleasure working with you.", "send_card": True, "card_sent_on": None},
        "keep_in_touch": {"consent": True, "cadence": "twice_a_year", "new_contract_renewal_on": None},
    }
    return values[step]


def ready_to_depart(case: DepartureCase) -> DepartureCase:
    """Close the steps a departure needs: probe, transition, thank and keep in touch."""
    actor = case.client.account_manager
    for step in ("probe", "transition", "thanks", "keep_in_touch"):
        step_complete(case=case, step=step, actor=actor, values=step_values(step))
    return case


def improvement_for(
    case: DepartureCase, owner: User, *, title: str = "Answer every email within a day", **values: Any
) -> Improvement:
    """An improvement made from the case's apology, owned by `owner`, due in a month unless told otherwise."""
    return improvement_create_from_case(
        case=case,
        actor=case.client.account_manager,
        **{
            "title": title,
            "what_changes": "A one-day reply promise, watched weekly.",
            "owner": owner,
            "due_on": timezone.localdate() + timedelta(days=30),
            "reasons": [ChurnReason.objects.get(key="service-responsiveness")],
            **values,
        },
    )


__all__ += ["improvement_for", "ready_to_depart", "step_values"]
