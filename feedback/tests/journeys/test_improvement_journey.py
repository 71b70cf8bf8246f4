"""Closing the loop in a real browser: an apology becomes an improvement, the owner finishes it, a manager tells the
former client "we changed it" through a real SMTP server, the client comes back and the dashboard credits the note."""

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

from clients.models import Client
from clients.tests.factories import TEST_PASSWORD, ClientFactory
from feedback.tests.journeys.conftest import screenshot, sign_in
from offboarding.models import CaseReturn, DepartureCase, Improvement
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.services.cases import case_mark_departed, step_complete
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart, step_values
from offboarding.tests.outbox_fixtures import SmtpSink, always_open, smtp_sink  # noqa: F401

PROMISE = "Every email answered within one working day"
SUBJECT = f"You told us, and we changed it: {PROMISE}"


@pytest.fixture
def departed(account_manager: User) -> DepartureCase:
    client = ClientFactory.create(
        company_name="Birch & Co",
        contact_name="Rosa Birch",
        contact_email="rosa@birch.example",
        account_manager=account_manager,
    )
    today = timezone.localdate()
    case = DepartureCaseFactory.create(
        client=client, notice_received_on=today - timedelta(days=20), planned_leave_date=today - timedelta(days=1)
    )
    apology = {**step_values("apology"), "what_will_change": PROMISE}
    step_complete(case=case, step="apology", actor=account_manager, values=apology)
    ready_to_depart(case)  # the keep-in-touch step records her yes
    return case_mark_departed(case=case, actor=account_manager)


def subject_of(message: Message) -> str:
    # Unfolded: a long subject reaches the server on two lines.
    return str(make_header(decode_header(str(message["Subject"]).replace("\r\n", ""))))


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Amelia Hart").click()
    page.get_by_role("button", name="Sign out").click()


def _turn_the_apology_into_an_improvement(page: Page, case: DepartureCase) -> None:
    page.goto(case.get_absolute_url())
    apology = page.locator("#step-apology")
    apology.get_by_role("link", name="Turn into an improvement").click()
    expect(page.get_by_label("Title")).to_have_value(PROMISE)
    page.get_by_label("Due on").fill((timezone.localdate() + timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Create the improvement").click()
    expect(page.get_by_role("heading", name=PROMISE)).to_be_visible()


def _the_owner_marks_it_done(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name=PROMISE).click()
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_role("button", name="Save the status").click()
    expect(page.get_by_text("Status saved: Done.")).to_be_visible()


def _the_manager_sends_the_note(page: Page) -> None:
    page.get_by_role("link", name="Every improvement, by reason").click()
    # Listed under each reason the probe recorded (budget cuts, responsiveness).
    expect(page.get_by_role("link", name=PROMISE)).to_have_count(2)
    page.get_by_role("link", name=PROMISE).first.click()
    expect(page.get_by_text("It would reach 1 former client now.")).to_be_visible()
    screenshot(page, "improvement-page")
    page.get_by_role("button", name="Send the “we changed it” note").click()
    expect(page.get_by_text("on its way to 1 former client(s)")).to_be_visible()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("always_open")
def test_an_apology_becomes_an_improvement_the_note_goes_out_and_the_dashboard_credits_the_return(
    page: Page, departed: DepartureCase, manager: User, smtp_sink: SmtpSink, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    sign_in(page, "amelia", TEST_PASSWORD)
    _turn_the_apology_into_an_improvement(page, departed)
    _the_owner_marks_it_done(page)
    assert Improvement.objects.get().status == Improvement.Status.DONE
    _sign_out(page)

    sign_in(page, "marta", TEST_PASSWORD)
    _the_manager_sends_the_note(page)
    follow_ups_dispatch_batch()
    [note] = [message for message in smtp_sink.messages if subject_of(message) == SUBJECT]
    assert note["To"] == "rosa@birch.example"

    page.goto(f"/clients/{departed.client_id}/")
    expect(page.get_by_label("What brought them back")).to_have_value("we_changed_it")
    page.get_by_role("button", name="Client came back").click()
    expect(page.get_by_text("Welcome back, Birch & Co!")).to_be_visible()
    assert CaseReturn.objects.get().cause == "we_changed_it"
    assert Client.objects.get(pk=departed.client_id).status == Client.Status.RETURNED

    page.get_by_role("link", name="Dashboard").click()
    table = page.locator("section", has=page.get_by_role("heading", name="Win-backs by what brought them back"))
    expect(table.get_by_role("row", name="A “we changed it” note")).to_contain_text("1")
    screenshot(page, "dashboard-returns-by-cause")
