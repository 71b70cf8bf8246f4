"""Each client's time: their mail leaves in their own business hours; each person's digest in their own morning."""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client as BrowserClient

from clients.models import Client, StaffProfile
from offboarding.models import FollowUp
from offboarding.outbox.business_hours import zones_in_business_time
from offboarding.outbox.digests import staff_digests_plan
from offboarding.outbox.dispatch import follow_ups_claim, follow_ups_dispatch_batch
from offboarding.outbox.services import message_id_for
from offboarding.tests.factories import ClientFactory
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    FailingBackend,
    by_kind,
    failing_mail,
    former_client,
    planned_case,
)

LONDON = ZoneInfo("Europe/London")
SINGAPORE = ZoneInfo("Asia/Singapore")
UTC = ZoneInfo("UTC")
Kind = FollowUp.Kind
Status = FollowUp.Status


@pytest.fixture
def singapore_client(account_manager: User) -> Client:
    return ClientFactory.create(
        company_name="Lion City Traders",
        contact_name="Wei Ling Tan",
        contact_email="weiling@lioncity.example",
        account_manager=account_manager,
        time_zone="Asia/Singapore",
    )


def check_in_due(client: Client, due_at: datetime) -> FollowUp:
    Client.objects.filter(pk=client.pk).update(keep_in_touch="yes")
    key = f"tz-test:{client.pk}:{due_at.isoformat()}"
    return FollowUp.objects.create(
        key=key,
        kind=Kind.CHECK_IN,
        client=client,
        recipient_email=client.contact_email,
        due_at=due_at,
        next_attempt_at=due_at,
        message_id=message_id_for(key),
    )


@pytest.mark.django_db
def test_the_singapore_client_is_thanked_at_nine_in_singapore_not_at_nine_in_london(singapore_client: Client) -> None:
    # Logged on Friday 27 February 2026, the client leaving on Monday 2 March.
    friday = datetime(2026, 2, 27, 12, tzinfo=LONDON)
    with time_machine.travel(friday, tick=False):
        follow_ups = by_kind(planned_case(singapore_client, date(2026, 3, 2), friday))
    thank_you, survey = follow_ups[Kind.THANK_YOU][0], follow_ups[Kind.SURVEY][0]
    assert thank_you.due_at == datetime(2026, 3, 2, 9, tzinfo=SINGAPORE)
    assert thank_you.due_at.astimezone(LONDON).hour == 1
    assert survey.due_at == datetime(2026, 3, 6, 9, tzinfo=SINGAPORE)


@pytest.mark.django_db
def test_the_singapore_client_is_mailed_in_their_business_hours(
    singapore_client: Client, former_client: Client
) -> None:
    london_morning = datetime(2026, 3, 2, 10, tzinfo=LONDON)  # 18:00 in Singapore
    for_singapore = check_in_due(singapore_client, london_morning - timedelta(hours=1))
    for_london = check_in_due(former_client, london_morning - timedelta(hours=1))

    with time_machine.travel(london_morning, tick=False):
        follow_ups_dispatch_batch()
    assert [message.to for message in mail.outbox] == [["rosa@birch.example"]]
    assert FollowUp.objects.get(pk=for_singapore.pk).status == Status.SCHEDULED

    with time_machine.travel(datetime(2026, 3, 3, 0, 59, tzinfo=LONDON), tick=False):  # 08:59 in Singapore
        follow_ups_dispatch_batch()
    assert FollowUp.objects.get(pk=for_singapore.pk).status == Status.SCHEDULED
    with time_machine.travel(datetime(2026, 3, 3, 1, 0, tzinfo=LONDON), tick=False):  # 09:00 in Singapore
        follow_ups_dispatch_batch()
    assert FollowUp.objects.get(pk=for_singapore.pk).status == Status.SENT
    assert FollowUp.objects.get(pk=for_london.pk).status == Status.SENT
    assert mail.outbox[-1].to == ["weiling@lioncity.example"]


@pytest.mark.django_db
def test_the_claim_locks_only_the_follow_ups_and_takes_staff_digests_at_any_hour(
    singapore_client: Client, account_manager: User
) -> None:
    night = datetime(2026, 3, 2, 23, tzinfo=LONDON)  # 07:00 in Singapore, 23:00 in London
    check_in_due(singapore_client, night - timedelta(minutes=5))
    digest = FollowUp.objects.create(
        key="digest:tz-test",
        kind=Kind.STAFF_DIGEST,
        recipient_email=account_manager.email,
        recipient_user=account_manager,
        due_at=night,
        next_attempt_at=night,
        subject="Your follow-ups",
        body_text="text",
        body_html="<p>html</p>",
    )
    assert [row.pk for row in follow_ups_claim(now=night, limit=10)] == [digest.pk]


@pytest.mark.django_db
def test_a_client_without_a_time_zone_follows_the_business(account_manager: User, settings: object) -> None:
    client = ClientFactory.create(account_manager=account_manager, time_zone="")
    assert client.local_zone == LONDON
    due = check_in_due(client, datetime(2026, 3, 2, 8, 30, tzinfo=LONDON))
    with time_machine.travel(datetime(2026, 3, 2, 8, 45, tzinfo=LONDON), tick=False):
        follow_ups_dispatch_batch()
    assert FollowUp.objects.get(pk=due.pk).status == Status.SCHEDULED
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=LONDON), tick=False):
        follow_ups_dispatch_batch()
    assert FollowUp.objects.get(pk=due.pk).status == Status.SENT


@pytest.mark.django_db
def test_a_retry_waits_for_the_clients_next_business_morning(
    singapore_client: Client, failing_mail: type[FailingBackend]
) -> None:
    FailingBackend.error = OSError("Connection refused")
    late_afternoon = datetime(2026, 3, 2, 16, 59, tzinfo=SINGAPORE)
    due = check_in_due(singapore_client, late_afternoon)
    with time_machine.travel(late_afternoon, tick=False):
        follow_ups_dispatch_batch()
    row = FollowUp.objects.get(pk=due.pk)
    assert row.status == Status.RETRY_WAIT
    assert row.next_attempt_at == datetime(2026, 3, 3, 9, tzinfo=SINGAPORE)


def test_the_zones_in_business_hours_are_those_whose_clock_says_so() -> None:
    monday_morning_in_asia = datetime(2026, 3, 2, 2, tzinfo=UTC)  # 10:00 Singapore, 02:00 London, Sunday in New York
    zones = zones_in_business_time(monday_morning_in_asia)
    assert "Asia/Singapore" in zones
    assert "Asia/Kolkata" not in zones  # 07:30 there
    assert "Europe/London" not in zones
    assert "America/New_York" not in zones
    assert "" not in zones, "the business's own zone (London) is closed"


def test_a_zone_half_an_hour_off_opens_on_its_own_half_hour() -> None:
    assert "Asia/Kolkata" not in zones_in_business_time(datetime(2026, 3, 2, 3, 29, tzinfo=UTC))  # 08:59 in Kolkata
    assert "Asia/Kolkata" in zones_in_business_time(datetime(2026, 3, 2, 3, 30, tzinfo=UTC))  # 09:00 in Kolkata


@pytest.mark.django_db
def test_the_follow_up_list_shows_the_due_time_in_both_zones_where_they_differ(
    am_client: BrowserClient, singapore_client: Client, former_client: Client
) -> None:
    check_in_due(singapore_client, datetime(2026, 3, 10, 9, tzinfo=SINGAPORE))
    check_in_due(former_client, datetime(2026, 3, 10, 9, tzinfo=LONDON))
    singapore_page = am_client.get(f"/clients/{singapore_client.pk}/").content.decode()
    assert "10 Mar 2026 01:00" in singapore_page
    assert "10 Mar 2026 09:00 in Asia/Singapore" in singapore_page
    london_page = am_client.get(f"/clients/{former_client.pk}/").content.decode()
    assert "10 Mar 2026 09:00" in london_page
    assert " in Europe/London" not in london_page, "one zone when the clocks agree"


@pytest.mark.django_db
def test_staff_digests_follow_each_persons_own_time_zone(
    former_client: Client, account_manager: User, other_account_manager: User
) -> None:
    StaffProfile.objects.create(user=other_account_manager, time_zone="Asia/Singapore")
    singapore_clients_client = ClientFactory.create(account_manager=other_account_manager)
    planned = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    with time_machine.travel(planned, tick=False):
        planned_case(former_client, date(2026, 3, 1), planned)
        planned_case(singapore_clients_client, date(2026, 3, 1), planned)

    # 08:00 on Tuesday in Singapore is midnight in London: Jonas's morning, not Amelia's.
    singapore_eight = datetime(2026, 3, 3, 8, tzinfo=SINGAPORE)
    assert staff_digests_plan(now=singapore_eight) == 1
    [digest] = FollowUp.objects.filter(kind=Kind.STAFF_DIGEST)
    assert (digest.recipient_user, digest.key) == (
        other_account_manager,
        f"digest:{other_account_manager.pk}:2026-03-03",
    )
    assert staff_digests_plan(now=datetime(2026, 3, 3, 7, 59, tzinfo=LONDON)) == 0
    assert staff_digests_plan(now=datetime(2026, 3, 3, 8, 0, tzinfo=LONDON)) == 1
    assert FollowUp.objects.get(recipient_user=account_manager, kind=Kind.STAFF_DIGEST).key.endswith(":2026-03-03")


@pytest.mark.django_db
def test_a_staff_members_digest_shows_dates_in_their_own_time_zone_and_language(
    former_client: Client, account_manager: User
) -> None:
    StaffProfile.objects.create(user=account_manager, time_zone="Pacific/Auckland", language="de")
    planned = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    with time_machine.travel(planned, tick=False):
        planned_case(former_client, date(2026, 3, 1), planned)
    # The card reminder was due 09:00 London on 2 March: 22:00 that day in Auckland.
    assert staff_digests_plan(now=datetime(2026, 3, 4, 8, tzinfo=ZoneInfo("Pacific/Auckland"))) == 1
    digest = FollowUp.objects.get(kind=Kind.STAFF_DIGEST)
    assert digest.subject == "Ihre Follow-ups für 4. März 2026: 0 heute fällig, 1 überfällig"
    assert "Die handgeschriebene Karte senden: Birch & Co, fällig am 2 Mär" in digest.body_text


@pytest.mark.django_db
def test_a_staff_member_reads_times_in_their_own_time_zone(am_client: BrowserClient, account_manager: User) -> None:
    StaffProfile.objects.create(user=account_manager, time_zone="America/New_York")
    client = ClientFactory.create(account_manager=account_manager, time_zone="America/New_York")
    check_in_due(client, datetime(2026, 3, 10, 14, tzinfo=UTC))
    page = am_client.get(f"/clients/{client.pk}/").content.decode()
    assert "10 Mar 2026 10:00" in page, "14:00 UTC is 10:00 in New York, for her and for the client"
    assert "in America/New York" not in page
