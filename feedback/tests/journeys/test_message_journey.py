"""A manager words the German thank-you in the browser, previews it on a case, mails herself a test, and a German
client's departure then sends that wording, through a real SMTP server."""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.tests.factories import TEST_PASSWORD, ClientFactory
from feedback.tests.journeys.conftest import screenshot, sign_in
from offboarding.models import DepartureCase, MessageText
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.services.cases import case_mark_departed
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart
from offboarding.tests.outbox_fixtures import SmtpSink, always_open, smtp_sink  # noqa: F401

BODY = (
    "Guten Tag {contact_name},\n\n"
    "danke für die gemeinsamen Jahre mit {company}.\n\n"
    "{personal_line}\n\n"
    "Herzliche Grüße\n{account_manager}"
)


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


def text_of(message: Message) -> str:
    [text] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    return bytes(text.get_payload(decode=True)).decode().replace("\r\n", "\n")


@pytest.fixture
def german_case(account_manager: User) -> DepartureCase:
    client = ClientFactory.create(
        company_name="Birke & Söhne",
        contact_name="Rosa Birke",
        contact_email="rosa@birke.example",
        account_manager=account_manager,
        language="de",
    )
    today = timezone.localdate()
    return ready_to_depart(
        DepartureCaseFactory.create(
            client=client, notice_received_on=today - timedelta(days=20), planned_leave_date=today - timedelta(days=1)
        )
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("always_open")
def test_a_manager_words_the_german_thank_you_and_a_german_client_gets_it(
    page: Page, manager: User, german_case: DepartureCase, smtp_sink: SmtpSink, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    sign_in(page, "marta", TEST_PASSWORD)
    page.get_by_role("link", name="Messages").click()
    page.get_by_role("link", name="Edit Thank-you email, Deutsch").click()
    expect(page.get_by_role("heading", name="Thank-you email Deutsch")).to_be_visible()

    page.get_by_label("Subject").fill("Danke, {contact_name}!")
    page.locator("#id_body").fill(BODY)
    page.get_by_label("Preview with the case of").select_option(
        label=f"Birke & Söhne ({timezone.localdate():%-d %b %Y})"
    )
    preview = page.locator("#message-preview")
    # The preview follows the typing (a static script asks the page for it); the button does the same without it.
    expect(preview.locator("pre")).to_contain_text("danke für die gemeinsamen Jahre mit Birke & Söhne.")
    page.get_by_role("button", name="Preview").click()
    expect(preview.locator("pre")).to_contain_text("Guten Tag Rosa Birke,")
    expect(preview.get_by_text("Subject: Danke, Rosa Birke!")).to_be_visible()
    screenshot(page, "message-edit-preview")

    page.get_by_role("button", name="Send me a test").click()
    expect(page.get_by_text(f"A test message is on its way to {manager.email}.")).to_be_visible()
    [test_message] = smtp_sink.messages
    assert (test_message["To"], subject_of(test_message)) == (manager.email, "[Test] Danke, Rosa Birke!")
    assert "danke für die gemeinsamen Jahre mit Birke & Söhne." in text_of(test_message)

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. This wording is sent from now on.")).to_be_visible()
    assert MessageText.objects.get().saved_by == manager

    case_mark_departed(case=german_case, actor=german_case.client.account_manager)
    follow_ups_dispatch_batch()
    [thank_you] = [message for message in smtp_sink.messages if message["To"] == "rosa@birke.example"]
    assert subject_of(thank_you) == "Danke, Rosa Birke!"
    text = text_of(thank_you)
    assert text.startswith("Guten Tag Rosa Birke,\n\ndanke für die gemeinsamen Jahre mit Birke & Söhne.")
    assert "Möchten Sie lieber nichts mehr von uns hören?" in text, "the product's footer, in German"
    assert "12 Harbour Street, Bristol" in text
