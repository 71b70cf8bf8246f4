# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import resolve

from clients.models import Client
from offboarding.models import FollowUp, ThankStep
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.survey_links import follow_up_id_from_survey_token
from offboarding.tests.outbox_fixtures import by_kind, former_client, planned_case  # noqa: F401

LONDON = ZoneInfo("Europe/London")
Kind = FollowUp.Kind


def sent_email(kind: str, client: Client, **answers: object) -> tuple[FollowUp, Any]:
    """Plan a departure, then travel to when the follow-up of this kind is due and dispatch it."""
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False):
        follow_ups = by_kind(planned_case(client, date(2026, 3, 4), datetime(2026, 3, 2, 10, tzinfo=LONDON), **answers))
    follow_up = follow_ups[kind][0]
    FollowUp.objects.exclude(pk=follow_up.pk).update(status=FollowUp.Status.CANCELLED)
    with time_machine.travel(follow_up.due_at, tick=False):
        follow_ups_dispatch_batch()
    [message] = mail.outbox
    return follow_up, message


def html_part(message: mail.EmailMultiAlternatives) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(content)


@pytest.mark.django_db
def test_the_thank_you_thanks_them_keeps_the_door_open_and_replies_to_their_account_manager(
    former_client: Client,
) -> None:
    ThankStep.objects.filter(case__client=former_client).update(personal_note="It was a joy to plan your launch.")
    _follow_up, message = sent_email(Kind.THANK_YOU, former_client)
    assert message.to == ["rosa@birch.example"]
    assert message.reply_to == [former_client.account_manager.email]
    assert "Dear Rosa Birch" in message.body
    assert "Thank you" in message.body
    assert "no reactivation fee" in message.body
    assert "12 Harbour Street, Bristol" in message.body
    assert "no reactivation fee" in html_part(message)
    assert "12 Harbour Street, Bristol" in html_part(message)
    assert "Birch &amp; Co" in html_part(message)
    assert "Birch & Co" in message.body, "the text part is not HTML-escaped"


@pytest.mark.django_db
def test_every_client_email_carries_one_click_unsubscribe_headers_and_a_stable_message_id(
    former_client: Client,
) -> None:
    follow_up, message = sent_email(Kind.THANK_YOU, former_client)
    headers = message.message()
    assert headers["Message-ID"] == follow_up.message_id
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url, mailto = (part.strip(" <>") for part in headers["List-Unsubscribe"].split(","))
    assert url.startswith("http://testserver/outbox/unsubscribe/")
    assert resolve(url.removeprefix("http://testserver")).view_name == "outbox:unsubscribe"
    assert mailto.startswith("mailto:hello@northwind.example")
    assert url in message.body


@pytest.mark.django_db
def test_the_survey_invitation_links_to_the_survey_page_for_this_follow_up(former_client: Client) -> None:
    follow_up, message = sent_email(Kind.SURVEY, former_client)
    path = next(word for word in message.body.split() if "/feedback/survey/" in word).removeprefix("http://testserver")
    match = resolve(path)
    assert match.view_name == "feedback:survey"
    with time_machine.travel(follow_up.due_at):
        assert follow_up_id_from_survey_token(match.kwargs["token"]) == follow_up.pk


@pytest.mark.django_db
def test_the_check_in_is_a_friendly_hello(former_client: Client) -> None:
    _follow_up, message = sent_email(Kind.CHECK_IN, former_client, consent=True)
    assert message.subject == "How are things at Birch & Co?"
    assert "Coming back is easy" in message.body


@pytest.mark.django_db
def test_the_win_back_note_mentions_their_renewal(former_client: Client) -> None:
    _follow_up, message = sent_email(Kind.WIN_BACK, former_client, renewal=date(2027, 3, 1))
    assert "March 2027" in message.body
    assert "no reactivation fee" in message.body
