"""The demo data tells stories that could have happened, and a first start mails only what is due.

The demo is loaded at two moments: a weekday in business hours and a Monday before business
hours (when the weekend's mail would have waited).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from clients.models import Client
from feedback.models import SurveyAnswer
from offboarding.models import CaseEvent, DepartureCase, FollowUp
from offboarding.outbox.dispatch import follow_ups_dispatch_batch

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DEMO_MOMENTS = {
    "wednesday-11": datetime(2026, 3, 4, 11, 0, tzinfo=LONDON),
    "monday-07": datetime(2026, 3, 9, 7, 0, tzinfo=LONDON),
}
# A client's status as their latest departure case leaves it; no case: active.
STATUS_AFTER: dict[str | None, str] = {
    None: Client.Status.ACTIVE,
    DepartureCase.Status.OPEN: Client.Status.DEPARTING,
    DepartureCase.Status.SAVED: Client.Status.ACTIVE,
    DepartureCase.Status.DEPARTED: Client.Status.DEPARTED,
    DepartureCase.Status.WON_BACK: Client.Status.RETURNED,
}


@pytest.fixture(params=list(DEMO_MOMENTS.values()), ids=list(DEMO_MOMENTS))
def demo_loaded_at(request: pytest.FixtureRequest) -> Iterator[datetime]:
    with time_machine.travel(request.param, tick=False):
        call_command("seed_demo")
        yield request.param


def test_every_demo_clients_status_agrees_with_their_cases(demo_loaded_at: datetime) -> None:
    for client in Client.objects.all():
        latest = client.cases.order_by("-notice_received_on", "-pk").first()
        # A partial departure leaves the client a client, whatever its case's state.
        expected = (
            Client.Status.ACTIVE if latest and latest.is_partial else STATUS_AFTER[latest.status if latest else None]
        )
        assert client.status == expected, client.company_name


def test_no_demo_follow_up_belongs_to_a_client_without_that_case(demo_loaded_at: datetime) -> None:
    assert FollowUp.objects.exists()
    strays = FollowUp.objects.exclude(client=None).filter(Q(case=None) | ~Q(case__client=F("client")))
    assert list(strays) == []


def test_nothing_due_in_the_past_is_left_waiting(demo_loaded_at: datetime) -> None:
    overdue = FollowUp.objects.filter(status__in=FollowUp.PENDING_STATUSES, next_attempt_at__lt=demo_loaded_at)
    assert [str(follow_up) for follow_up in overdue] == []
    assert not FollowUp.objects.filter(status=FollowUp.Status.SENDING).exists()


def test_a_first_start_mails_at_most_a_few_clients_and_never_two_check_ins_at_once(demo_loaded_at: datetime) -> None:
    # The worker starts a minute after the demo is loaded; then the days go by.
    for minutes in (1, 60 * 3, 60 * 24):
        with time_machine.travel(demo_loaded_at + timedelta(minutes=minutes), tick=False):
            follow_ups_dispatch_batch()
        to_clients = [message for message in mail.outbox if not message.to[0].endswith("@northwind.example")]
        assert len(to_clients) <= 3, [message.subject for message in to_clients]
        mail.outbox.clear()
    # The days that follow mail what falls due on them: never two check-ins of one client the same day.
    planned = FollowUp.objects.filter(kind=FollowUp.Kind.CHECK_IN, status=FollowUp.Status.SCHEDULED)
    same_day = Counter((row.client_id, timezone.localdate(row.due_at)) for row in planned)
    assert [key for key, count in same_day.items() if count > 1] == []


def test_past_mail_was_sent_and_stored_and_the_outbox_shows_what_happened(demo_loaded_at: datetime) -> None:
    sent = FollowUp.objects.filter(status=FollowUp.Status.SENT)
    assert sent.filter(kind=FollowUp.Kind.THANK_YOU).count() >= 4
    assert not sent.filter(Q(subject="") | Q(body_text="") | Q(sent_at__gt=demo_loaded_at)).exists()
    for follow_up in sent.select_related("case"):
        assert follow_up.case is not None
        assert follow_up.case.departed_on is not None
        assert follow_up.sent_at is not None
        assert timezone.localdate(follow_up.sent_at) >= follow_up.case.departed_on
    statuses = set(FollowUp.objects.values_list("status", flat=True))
    assert {"sent", "scheduled", "cancelled", "done", "failed"} <= statuses
    # Mail planned after a client came back, unsubscribed or said no was cancelled, never sent.
    for client in Client.objects.filter(status=Client.Status.RETURNED):
        case = client.cases.get(status=DepartureCase.Status.WON_BACK)
        assert case.won_back_on is not None
        after = FollowUp.objects.filter(client=client, due_at__date__gt=case.won_back_on)
        assert after.exists()
        assert set(after.values_list("status", flat=True)) == {"cancelled"}


def test_every_timeline_reads_in_the_order_it_happened(demo_loaded_at: datetime) -> None:
    for case in DepartureCase.objects.all():
        events = list(case.events.order_by("pk"))
        moments = [event.created_at for event in events]
        assert moments == sorted(moments), case
        assert case.opened_at <= moments[0]
        assert moments[-1] <= demo_loaded_at
        assert events[0].verb == "case_opened"
        assert timezone.localdate(moments[0]) == case.notice_received_on
    assert not CaseEvent.objects.filter(created_at__gt=demo_loaded_at).exists()


def test_survey_answers_follow_their_invitations(demo_loaded_at: datetime) -> None:
    answers = SurveyAnswer.objects.all()
    assert answers.filter(is_anonymous=False).exists()
    assert answers.filter(is_anonymous=True).exists()
    for answer in answers.filter(is_anonymous=False).select_related("follow_up", "case"):
        assert answer.follow_up is not None
        assert answer.case is not None
        assert answer.follow_up.status == FollowUp.Status.SENT
        assert answer.follow_up.sent_at is not None
        assert answer.submitted_at is not None
        assert answer.follow_up.sent_at < answer.submitted_at <= demo_loaded_at
        assert answer.case.events.filter(verb="survey_answered").exists()
    invited = FollowUp.objects.filter(kind=FollowUp.Kind.SURVEY, status=FollowUp.Status.SENT).count()
    assert answers.count() < invited
