"""seed_demo's departure cases: every state, filled-in steps, and nothing new on a second run."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.utils import timezone

from clients.models import Client
from demo import people
from demo.stories import seed_cases
from offboarding.models import CaseEvent, DepartureCase, ProbeStep

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_every_state_and_a_second_run_adds_nothing() -> None:
    now = timezone.now()
    users = people.seed_users()
    clients = people.seed_clients(users, timezone.localdate(now))
    created = seed_cases(users, clients, now=now)
    counts = dict(DepartureCase.objects.values_list("status").annotate(n=Count("id")))
    assert set(counts) == {"open", "saved", "departed", "won_back"}
    assert created == sum(counts.values())
    assert ProbeStep.objects.exclude(client_words="").count() >= 10
    assert Client.objects.filter(status=Client.Status.RETURNED).count() == 1
    assert not CaseEvent.objects.filter(created_at__gt=timezone.now()).exists()
    events = CaseEvent.objects.count()

    assert seed_cases(users, clients, now=now) == 0
    assert DepartureCase.objects.count() == created
    assert CaseEvent.objects.count() == events
