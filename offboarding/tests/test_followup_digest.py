# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from clients.models import Client
from offboarding.models import FollowUp
from offboarding.outbox.digests import staff_digests_plan
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.services import CARD_REMINDER
from offboarding.tests.factories import ClientFactory
from offboarding.tests.outbox_fixtures import former_client, planned_case  # noqa: F401

LONDON = ZoneInfo("Europe/London")


@pytest.mark.django_db
def test_each_account_manager_gets_one_digest_with_what_is_due_today_and_overdue(
    former_client: Client, account_manager: User, other_account_manager: User
) -> None:
    second = ClientFactory.create(company_name="Hazel Ltd", account_manager=account_manager)
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=LONDON), tick=False):
        planned_case(former_client, date(2026, 3, 4), datetime(2026, 3, 2, 10, tzinfo=LONDON))
        planned_case(second, date(2026, 3, 6), datetime(2026, 3, 2, 10, tzinfo=LONDON))
    FollowUp.objects.filter(kind__in=FollowUp.CLIENT_FACING_KINDS).update(status=FollowUp.Status.CANCELLED)
    with time_machine.travel(datetime(2026, 3, 6, 8, 0, tzinfo=LONDON), tick=False):
        assert staff_digests_plan(now=datetime(2026, 3, 6, 8, 0, tzinfo=LONDON)) == 1
        assert staff_digests_plan(now=datetime(2026, 3, 6, 8, 5, tzinfo=LONDON)) == 0, "a second beat adds nothing"
        follow_ups_dispatch_batch()
    [digest] = mail.outbox
    assert digest.to == ["amelia@northwind.example"]
    assert "1 due today, 1 overdue" in digest.subject
    due_today, overdue = digest.body.split("Overdue:")
    assert "Hazel Ltd" in due_today
    assert "Birch & Co, due 4 Mar" in overdue
    assert "Call them" not in digest.body, "the 90-day call is not due yet"


@pytest.mark.django_db
def test_no_digest_when_nothing_is_due(former_client: Client) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=LONDON), tick=False):
        planned_case(former_client, date(2026, 3, 20), datetime(2026, 3, 2, 10, tzinfo=LONDON))
        assert staff_digests_plan(now=datetime(2026, 3, 2, 10, tzinfo=LONDON) + timedelta(hours=1)) == 0


@pytest.mark.django_db
def test_the_digest_links_each_reminder_to_the_step_it_asks_to_record(
    former_client: Client, account_manager: User
) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=LONDON), tick=False):
        planned_case(former_client, date(2026, 3, 4), datetime(2026, 3, 2, 10, tzinfo=LONDON))
    FollowUp.objects.filter(kind__in=FollowUp.CLIENT_FACING_KINDS).update(status=FollowUp.Status.CANCELLED)
    card = FollowUp.objects.get(kind=FollowUp.Kind.STAFF_REMINDER, note=CARD_REMINDER)
    assert card.case is not None
    with time_machine.travel(datetime(2026, 3, 6, 8, 0, tzinfo=LONDON), tick=False):
        staff_digests_plan(now=datetime(2026, 3, 6, 8, 0, tzinfo=LONDON))
        follow_ups_dispatch_batch()
    [digest] = mail.outbox
    thanks_page = "http://testserver" + reverse("offboarding:step_save", args=[card.case.pk, "thanks"]) + "#step-thanks"
    assert f"Send the handwritten card: Birch & Co, due 4 Mar ({thanks_page})" in digest.body
    [(html, _type)] = digest.alternatives  # type: ignore[attr-defined]
    assert f'<a href="{thanks_page}">Birch &amp; Co</a>: Send the handwritten card, due 4 Mar' in str(html)
