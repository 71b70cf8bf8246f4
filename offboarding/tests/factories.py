from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory

from clients.tests.factories import ClientFactory, UserFactory
from offboarding.models import ChurnReason, DepartureCase
from offboarding.services.cases import case_open


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
    notice_received_on = factory.LazyFunction(lambda: date.today() - timedelta(days=3))
    planned_leave_date = factory.LazyAttribute(lambda case: case.notice_received_on + timedelta(days=30))
    how_heard = DepartureCase.HowHeard.EMAIL
    first_notes = "Called to say they are moving on."

    @classmethod
    def _create(cls, model_class: type[DepartureCase], *args: Any, **kwargs: Any) -> DepartureCase:
        return case_open(**kwargs)


__all__ = ["ChurnReasonFactory", "ClientFactory", "DepartureCaseFactory", "UserFactory"]
