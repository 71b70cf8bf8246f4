"""Each client in their own language: every email, its dates, and the pages they open from it."""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

import re
from datetime import date, datetime
from email.header import decode_header, make_header
from email.message import Message
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client as BrowserClient

from clients.models import Client
from offboarding.models import FollowUp, ThankStep
from offboarding.outbox.digests import staff_digests_plan
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.wording import fill, shipped_wording
from offboarding.tests.factories import ClientFactory
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    SmtpSink,
    by_kind,
    former_client,
    planned_case,
    smtp_sink,
)

LONDON = ZoneInfo("Europe/London")
Kind = FollowUp.Kind
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# The client emails a departure plans; the "we changed it" note comes later (test_we_changed_it_note.py).
PLANNED_AT_DEPARTURE = (Kind.THANK_YOU, Kind.SURVEY, Kind.CHECK_IN, Kind.WIN_BACK)


def client_in(language: str, account_manager: User, **fields: Any) -> Client:
    defaults = {
        "company_name": "Birke & Söhne",
        "contact_name": "Rosa Birke",
        "contact_email": f"rosa.{language}@birke.example",
        "keep_in_touch": "yes",
    }
    return ClientFactory.create(account_manager=account_manager, language=language, **{**defaults, **fields})


def every_client_email(client: Client) -> dict[str, Any]:
    """Each client email of a departure (renewal known) as the dispatcher sends it when it falls due."""
    planned_at = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    with time_machine.travel(planned_at, tick=False):
        follow_ups = by_kind(planned_case(client, date(2026, 3, 4), planned_at, renewal=date(2027, 3, 1)))
    ThankStep.objects.filter(case__client=client).update(personal_note="Es war uns eine Freude.")
    first_of_each = [follow_ups[kind][0] for kind in PLANNED_AT_DEPARTURE]
    FollowUp.objects.exclude(pk__in=[row.pk for row in first_of_each]).update(status=FollowUp.Status.CANCELLED)
    sent = {}
    for follow_up in first_of_each:
        kind = follow_up.kind
        with time_machine.travel(follow_up.due_at, tick=False):
            mail.outbox.clear()
            follow_ups_dispatch_batch(limit=1)
            [sent[kind]] = mail.outbox
    return sent


def html_part(message: Any) -> str:
    [(content, _mimetype)] = message.alternatives
    return str(content)


@pytest.mark.django_db
def test_a_german_client_receives_every_mail_kind_in_german_with_german_dates(account_manager: User) -> None:
    sent = every_client_email(client_in("de", account_manager))
    assert sent[Kind.THANK_YOU].subject == "Herzlichen Dank von uns allen bei Northwind Partners"
    assert sent[Kind.SURVEY].subject == "Zwei Minuten, um uns zu sagen, wie wir waren?"
    assert sent[Kind.CHECK_IN].subject == "Wie läuft es bei Birke & Söhne?"
    assert sent[Kind.WIN_BACK].subject == "Eine offene Tür bei Northwind Partners"
    for message in sent.values():
        assert message.body.startswith("Guten Tag Rosa Birke,\n\n")
        assert "Möchten Sie lieber nichts mehr von uns hören?" in message.body
        assert '<html lang="de">' in html_part(message)
        assert ">Abmelden</a>" in html_part(message)
    assert "Es war uns eine Freude." in sent[Kind.THANK_YOU].body
    assert "etwa im März 2027 zur Verlängerung an" in sent[Kind.WIN_BACK].body, "a German date"
    assert "keine Reaktivierungsgebühr" in sent[Kind.CHECK_IN].body


@pytest.mark.django_db
def test_a_clients_dates_follow_their_language(account_manager: User) -> None:
    for language, month in (
        ("fr", "mars 2027"),
        ("es", "marzo de 2027"),
        ("nl", "maart 2027"),
        ("en-gb", "March 2027"),
    ):
        client = client_in(language, account_manager, contact_email=f"dates.{language}@birke.example")
        assert month in every_client_email(client)[Kind.WIN_BACK].body


@pytest.mark.django_db
def test_a_client_without_a_language_is_written_to_in_the_businesss(account_manager: User, settings: Any) -> None:
    settings.LANGUAGE_CODE = "nl"
    client = client_in("", account_manager)
    assert client.mail_language == "nl"
    assert every_client_email(client)[Kind.CHECK_IN].subject == "Hoe gaat het bij Birke & Söhne?"


def _parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): bytes(part.get_payload(decode=True)).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_kind_in_every_language_passes_the_delivery_checks(
    language: str, account_manager: User, smtp_sink: SmtpSink, settings: Any
) -> None:
    """The checks test_delivery.py applies, through a real SMTP server, to each kind in this language."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    client = client_in(language, account_manager)
    monday = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    with time_machine.travel(monday, tick=False):
        follow_ups = by_kind(planned_case(client, date(2026, 3, 1), monday, renewal=date(2027, 3, 1)))
        one_of_each = [follow_ups[kind][0].pk for kind in PLANNED_AT_DEPARTURE]
        FollowUp.objects.filter(pk__in=one_of_each).update(due_at=monday, next_attempt_at=monday)
        FollowUp.objects.filter(kind__in=FollowUp.CLIENT_FACING_KINDS).exclude(pk__in=one_of_each).delete()
        staff_digests_plan(now=monday)
        follow_ups_dispatch_batch()

    messages = {message["To"]: message for message in smtp_sink.messages}
    assert len(smtp_sink.messages) == 5, "four client emails and the staff digest"
    for message in smtp_sink.messages:
        parts = _parts(message)
        assert set(parts) == {"text/plain", "text/html"}
        assert message["Message-ID"]
    client_mail = [message for message in smtp_sink.messages if message["To"] == client.contact_email]
    assert len(client_mail) == 4
    for message in client_mail:
        parts = _parts(message)
        assert message["Reply-To"] == account_manager.email
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unfolded = " ".join(str(message["List-Unsubscribe"]).split())
        unsubscribe, mailto = (link.strip(" <>") for link in unfolded.split(","))
        assert unsubscribe.startswith("http://testserver/outbox/unsubscribe/")
        assert mailto.startswith("mailto:hello@northwind.example")
        for part in parts.values():
            assert "12 Harbour Street, Bristol BS1 4RN" in part
            assert unsubscribe in part, "the header names the footer's link, which opens the page in this language"
        assert f'<html lang="{language}">' in parts["text/html"]
    subjects = {str(make_header(decode_header(str(message["Subject"])))) for message in client_mail}
    names = {"business_name": "Northwind Partners", "company": "Birke & Söhne"}
    assert subjects == {fill(shipped_wording(kind, language).subject, names) for kind in PLANNED_AT_DEPARTURE}
    assert account_manager.email in messages


def _link(body: str, prefix: str) -> str:
    match = re.search(rf"http://testserver({re.escape(prefix)}\S+)", body)
    assert match is not None, f"no {prefix} link"
    return match.group(1)


@pytest.mark.django_db
def test_a_french_client_opens_the_survey_in_french_and_may_switch(account_manager: User) -> None:
    survey_mail = every_client_email(client_in("fr", account_manager))[Kind.SURVEY]
    visitor = BrowserClient(HTTP_ACCEPT_LANGUAGE="de")
    with time_machine.travel(datetime(2026, 3, 8, 12, tzinfo=LONDON), tick=False):
        path = _link(survey_mail.body, "/feedback/survey/")
        page = visitor.get(path)
        text = unescape(page.content.decode())
        assert page["Content-Language"] == "fr"
        assert '<html lang="fr">' in text
        assert "Merci d'avoir travaillé avec Northwind Partners" in text
        assert "Qu'est-ce qui vous a conduit à partir ?" in text
        assert "Envoyer mes réponses" in text
        assert 'href="?lang=en-gb"' in text
        english = visitor.get(path + "?lang=en-gb").content.decode()
        assert "Thank you for working with Northwind Partners" in english


@pytest.mark.django_db
def test_the_unsubscribe_page_speaks_the_language_of_the_email(account_manager: User) -> None:
    check_in = every_client_email(client_in("es", account_manager))[Kind.CHECK_IN]
    page = BrowserClient().get(_link(check_in.body, "/outbox/unsubscribe/")).content.decode()
    assert "¿Dejar de recibir nuestros correos?" in page
    assert "Darse de baja" in page


@pytest.mark.django_db
def test_the_survey_thank_you_page_speaks_the_language_the_survey_was_answered_in(account_manager: User) -> None:
    survey_mail = every_client_email(client_in("nl", account_manager))[Kind.SURVEY]
    answers = {"satisfaction": "4", "likelihood_to_return": "7"}
    with time_machine.travel(datetime(2026, 3, 8, 12, tzinfo=LONDON), tick=False):
        response = BrowserClient().post(_link(survey_mail.body, "/feedback/survey/"), answers, follow=True)
    assert response.redirect_chain[-1][0] == "/feedback/survey/thanks/?lang=nl"
    assert "Uw antwoorden zijn bij ons aangekomen." in response.content.decode()


@pytest.mark.django_db
def test_a_client_has_a_preferred_language_on_the_client_form(am_client: BrowserClient, former_client: Client) -> None:
    form = am_client.get(f"/clients/{former_client.pk}/edit/").content.decode()
    assert '<option value="" selected>The business&#x27;s language (English)</option>' in form
    assert '<option value="de">Deutsch</option>' in form
