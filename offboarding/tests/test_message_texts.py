"""Managers word the client emails and the staff digest: placeholders, versions, previews, tests, safe HTML."""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.utils import timezone

from clients.models import Client
from offboarding.models import DepartureCase, FollowUp, MessageText, ThankStep
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.wording import EDITABLE_KINDS, shipped_wording, wording_in_use, wording_problems
from offboarding.outbox.wording_services import (
    message_text_restore,
    message_text_restore_shipped,
    message_text_save,
)
from offboarding.tests.outbox_fixtures import by_kind, departed_case, former_client, planned_case  # noqa: F401

LONDON = ZoneInfo("Europe/London")
Kind = FollowUp.Kind
EDIT_URL = "/outbox/messages/{kind}/{language}/"
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def save(manager: User, subject: str, body: str, *, kind: str = Kind.THANK_YOU, language: str = "en-gb") -> MessageText:
    return message_text_save(
        kind=kind, language=language, subject=subject, body=body, saved_by=manager, now=timezone.now()
    )


def sent_thank_you(client: Client, personal_note: str = "") -> Any:
    """The thank-you of a departure planned on a Monday morning, as the dispatcher mails it."""
    monday = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    with time_machine.travel(monday, tick=False):
        thank_you = by_kind(planned_case(client, date(2026, 2, 27), monday))[Kind.THANK_YOU][0]
        FollowUp.objects.exclude(pk=thank_you.pk).update(status=FollowUp.Status.CANCELLED)
        ThankStep.objects.filter(case=thank_you.case).update(personal_note=personal_note)
        follow_ups_dispatch_batch()
    [message] = mail.outbox
    return message


def html_part(message: Any) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(content)


@pytest.mark.django_db
def test_an_unknown_or_misspelt_placeholder_is_refused_naming_it(manager: User) -> None:
    with pytest.raises(ValidationError) as refused:
        save(manager, "Thank you, {contat_name}", "Dear {contact_name}, thanks from {busines_name}.")
    problems = refused.value.message_dict
    assert "{contat_name} is not a placeholder we know." in problems["subject"][0]
    assert "{contact_name}" in problems["subject"][0], "the refusal lists the placeholders there are"
    assert "{busines_name} is not a placeholder we know." in problems["body"][0]
    assert not MessageText.objects.exists()


@pytest.mark.django_db
def test_a_placeholder_of_another_message_is_refused(manager: User) -> None:
    with pytest.raises(ValidationError) as refused:
        save(manager, "Thanks", "Dear {contact_name}, answer here: {survey_link}")
    assert "{survey_link} cannot be used in this message" in refused.value.message_dict["body"][0]


@pytest.mark.django_db
def test_the_survey_invitation_and_the_digest_keep_what_they_are_for(manager: User) -> None:
    with pytest.raises(ValidationError) as no_link:
        save(manager, "Two minutes?", "Dear {contact_name}, tell us how we did.", kind=Kind.SURVEY)
    assert no_link.value.message_dict["body"] == ["The message must contain {survey_link}."]
    with pytest.raises(ValidationError) as inline_list:
        save(manager, "Today", "Good morning, here: {reminders}", kind=Kind.STAFF_DIGEST)
    assert "{reminders} must stand on a line of its own." in inline_list.value.message_dict["body"]


def test_template_syntax_and_attribute_lookups_are_refused_rather_than_evaluated() -> None:
    problems = wording_problems(Kind.THANK_YOU, "Hi {{ client.contact_email }}", "{% if x %}{client.pk}{% endif %}")
    assert problems["subject"] == [
        "{{ client.contact_email }} is not a placeholder we know. Use one of {contact_name}, {company}, "
        "{account_manager}, {business_name}, {leave_date}, {personal_line}."
    ]
    assert any("{client.pk} is not a placeholder we know." in problem for problem in problems["body"])
    double = wording_problems(Kind.THANK_YOU, "Hi {{contact_name}}", "Dear {contact_name},")
    assert double == {"subject": ["Write {{contact_name}} with one brace on each side: {contact_name}."]}


@pytest.mark.django_db
def test_a_saved_wording_is_what_the_client_gets_with_its_placeholders_filled_in(
    former_client: Client, manager: User
) -> None:
    save(
        manager,
        "With thanks, {contact_name}",
        "Hello {contact_name} of {company},\n\n{personal_line}\n\nYours,\n{account_manager}",
    )
    message = sent_thank_you(former_client, personal_note="We loved the launch.")
    assert message.subject == "With thanks, Rosa Birch"
    assert message.body.startswith("Hello Rosa Birch of Birch & Co,\n\nWe loved the launch.\n\nYours,\nAmelia Hart\n")
    assert "Birch &amp; Co" in html_part(message)


@pytest.mark.django_db
def test_text_is_data_nothing_in_it_or_in_a_value_is_evaluated(former_client: Client, manager: User) -> None:
    Client.objects.filter(pk=former_client.pk).update(company_name="{contact_name} {{ settings.SECRET_KEY }}")
    save(manager, "Hello", "Dear {contact_name} of {company}.\n\n{personal_line}")
    message = sent_thank_you(former_client, personal_note="{% now 'Y' %} <b>{company}</b>")
    assert "Dear Rosa Birch of {contact_name} {{ settings.SECRET_KEY }}." in message.body
    assert "{% now 'Y' %} <b>{company}</b>" in message.body
    assert settings.SECRET_KEY not in message.body + html_part(message)
    assert "&lt;b&gt;{company}&lt;/b&gt;" in html_part(message)
    assert "<b>" not in html_part(message)


@pytest.mark.django_db
def test_no_wording_can_lose_the_postal_address_the_unsubscribe_link_or_the_headers(
    former_client: Client, manager: User
) -> None:
    save(manager, "Bye", "Bye.")
    message = sent_thank_you(former_client)
    assert message.body.startswith("Bye.\n\n--\n")
    for part in (message.body, html_part(message)):
        assert "12 Harbour Street, Bristol" in part
        assert "http://testserver/outbox/unsubscribe/" in part
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/outbox/unsubscribe/" in headers["List-Unsubscribe"]
    assert message.reply_to == [former_client.account_manager.email]


@pytest.mark.django_db
def test_the_html_part_is_built_from_the_text_paragraphs_and_links_and_nothing_it_injects(
    former_client: Client, manager: User
) -> None:
    save(
        manager,
        "Hello",
        'First line\nsecond line <script>alert(1)</script>\n\nSee https://northwind.example/door. Or "javascript:x"',
    )
    html = html_part(sent_thank_you(former_client))
    assert "First line<br>second line &lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert '<a href="https://northwind.example/door" ' in html
    assert ">https://northwind.example/door</a>." in html
    assert "<script>" not in html
    assert 'href="javascript' not in html


@pytest.mark.django_db
def test_every_version_is_kept_with_who_and_when_and_an_earlier_one_can_be_restored(
    former_client: Client, manager: User
) -> None:
    first = save(manager, "First thanks, {contact_name}", "One.")
    save(manager, "Second thanks", "Two.")
    restored = message_text_restore(version=first, restored_by=manager, now=timezone.now())
    assert list(MessageText.objects.values_list("subject", flat=True)) == [
        "First thanks, {contact_name}",
        "Second thanks",
        "First thanks, {contact_name}",
    ]
    assert (restored.restored_from, restored.saved_by) == (first, manager)
    assert sent_thank_you(former_client).subject == "First thanks, Rosa Birch"


@pytest.mark.django_db
def test_the_shipped_wording_can_be_restored_and_stays_in_the_history(former_client: Client, manager: User) -> None:
    save(manager, "Edited", "Edited.")
    message_text_restore_shipped(kind=Kind.THANK_YOU, language="en-gb", restored_by=manager, now=timezone.now())
    assert MessageText.objects.count() == 2
    assert wording_in_use(Kind.THANK_YOU, "en-gb").is_shipped
    assert sent_thank_you(former_client).subject == "Thank you from all of us at Northwind Partners"


@pytest.mark.django_db
def test_a_wording_edited_in_one_language_leaves_the_others_as_shipped(manager: User) -> None:
    save(manager, "Danke, {contact_name}", "Guten Tag {contact_name}.", language="de")
    assert wording_in_use(Kind.THANK_YOU, "de").subject == "Danke, {contact_name}"
    assert wording_in_use(Kind.THANK_YOU, "fr") == shipped_wording(Kind.THANK_YOU, "fr")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", EDITABLE_KINDS)
def test_every_shipped_wording_is_translated_and_passes_the_checks_of_a_saved_one(kind: str, language: str) -> None:
    wording = shipped_wording(kind, language)
    assert wording_problems(kind, wording.subject, wording.body) == {}
    if language != "en-gb":
        english = shipped_wording(kind, "en-gb")
        assert (wording.subject, wording.body) != (english.subject, english.body), f"{kind} has no {language} wording"


# --- The managers' pages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_messages_page_lists_every_message_in_every_language(manager_client: BrowserClient) -> None:
    page = manager_client.get("/outbox/messages/").content.decode()
    for kind in EDITABLE_KINDS:
        for language in LANGUAGES:
            assert f'href="{EDIT_URL.format(kind=kind, language=language)}"' in page


@pytest.mark.django_db
def test_saving_on_the_page_refuses_a_misspelt_placeholder_and_changes_nothing(
    manager_client: BrowserClient, former_client: Client
) -> None:
    data = {"subject": "Thanks {contat_name}", "body": "Dear {contact_name},", "action": "save"}
    response = manager_client.post(EDIT_URL.format(kind="thank_you", language="de"), data)
    assert response.status_code == 200
    assert "{contat_name} is not a placeholder we know." in response.content.decode()
    assert not MessageText.objects.exists()


@pytest.mark.django_db
def test_the_preview_renders_a_real_case_with_the_clients_links_as_placeholders(
    manager_client: BrowserClient, former_client: Client
) -> None:
    case = departed_case(client=former_client, leave_date=date(2026, 2, 27))
    data = {"subject": "Kurz gefragt", "body": "Guten Tag {contact_name}:\n{survey_link}", "case": case.pk}
    page = manager_client.post(EDIT_URL.format(kind="survey", language="de"), {**data, "action": "preview"})
    text = page.content.decode()
    assert "Guten Tag Rosa Birch:" in text
    assert "[the client&#x27;s personal survey link]" in text
    assert "/feedback/survey/" not in text
    assert "/outbox/unsubscribe/" not in text
    assert not MessageText.objects.exists(), "a preview saves nothing"


@pytest.mark.django_db
def test_send_me_a_test_mails_the_rendered_message_to_the_manager(
    manager_client: BrowserClient, manager: User, former_client: Client
) -> None:
    case = departed_case(client=former_client, leave_date=date(2026, 2, 27))
    data = {"subject": "Danke, {contact_name}", "body": "Guten Tag {contact_name}.", "case": case.pk, "action": "test"}
    page = manager_client.post(EDIT_URL.format(kind="thank_you", language="de"), data)
    assert f"A test message is on its way to {manager.email}." in page.content.decode()
    [message] = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == "[Test] Danke, Rosa Birch"
    assert message.body.startswith("Guten Tag Rosa Birch.")
    assert "[the client's unsubscribe link]" in message.body, "no working link of the client's goes to staff"
    assert "Abmelden" in html_part(message), "the footer speaks the message's language"
    assert not MessageText.objects.exists()


@pytest.mark.django_db
def test_saving_and_restoring_on_the_page(manager_client: BrowserClient, manager: User) -> None:
    url = EDIT_URL.format(kind="check_in", language="nl")
    manager_client.post(url, {"subject": "Hoi {company}", "body": "Beste {contact_name},", "action": "save"})
    manager_client.post(url, {"subject": "Dag {company}", "body": "Beste {contact_name},", "action": "save"})
    first, second = MessageText.objects.order_by("pk")
    assert (first.saved_by, first.language, second.subject) == (manager, "nl", "Dag {company}")
    page = manager_client.get(url).content.decode()
    assert f'action="/outbox/messages/check_in/nl/versions/{first.pk}/restore/"' in page
    manager_client.post(f"/outbox/messages/check_in/nl/versions/{first.pk}/restore/")
    assert wording_in_use(Kind.CHECK_IN, "nl").subject == "Hoi {company}"
    manager_client.post("/outbox/messages/check_in/nl/shipped/")
    assert wording_in_use(Kind.CHECK_IN, "nl").subject == "Hoe gaat het bij {company}?"


@pytest.mark.django_db
def test_an_account_manager_cannot_edit_messages(am_client: BrowserClient) -> None:
    url = EDIT_URL.format(kind="thank_you", language="en-gb")
    assert am_client.get(url).status_code == 403
    assert am_client.post(url, {"subject": "x", "body": "y", "action": "save"}).status_code == 403
    assert not MessageText.objects.exists()


@pytest.mark.django_db
def test_an_unknown_message_or_language_is_not_found(manager_client: BrowserClient) -> None:
    assert manager_client.get(EDIT_URL.format(kind="staff_reminder", language="de")).status_code == 404
    assert manager_client.get(EDIT_URL.format(kind="thank_you", language="it")).status_code == 404


@pytest.mark.django_db
def test_the_editor_page_costs_the_same_queries_with_many_versions(
    manager_client: BrowserClient, manager: User, former_client: Client, django_assert_max_num_queries: Any
) -> None:
    DepartureCase.objects.all().delete()
    departed_case(client=former_client, leave_date=date(2026, 2, 27))
    for number in range(30):
        save(manager, f"Version {number}", "Dear {contact_name},")
    with django_assert_max_num_queries(12):
        manager_client.get(EDIT_URL.format(kind="thank_you", language="en-gb"))


@pytest.mark.django_db
def test_the_html_part_carries_the_logo_with_a_text_alternative_on_the_accent(
    former_client: Client, settings: Any
) -> None:
    settings.BUSINESS_LOGO_URL = "/static/brand/logo.png"
    settings.BUSINESS_ACCENT_COLOUR = "#1d3557"
    html = html_part(sent_thank_you(former_client))
    assert '<img src="http://testserver/static/brand/logo.png" alt="Northwind Partners"' in html
    assert "background:#1d3557;color:#ffffff;" in html
