"""The whole product in a real browser: a departure from notice to the client's survey answer.

An account manager logs the departure and walks the six steps, the follow-ups
go out through the real dispatcher, the former client answers the survey from
the emailed link and later unsubscribes, and a manager sees the departure on
the dashboard.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from clients.models import Client
from clients.tests.factories import TEST_PASSWORD, ClientFactory
from feedback.models import SurveyAnswer
from feedback.tests.journeys.conftest import screenshot, sign_in
from offboarding.models import DepartureCase, FollowUp
from offboarding.outbox.dispatch import follow_ups_dispatch_batch

ALWAYS_OPEN = {"FOLLOW_UP_BUSINESS_HOURS": (0, 24), "FOLLOW_UP_BUSINESS_WEEKDAYS": (1, 7)}


@pytest.fixture
def leaving_client(account_manager: User) -> Client:
    return ClientFactory.create(
        company_name="Birch & Co",
        contact_name="Rosa Birch",
        contact_email="rosa@birch.example",
        account_manager=account_manager,
        keep_in_touch="yes",
    )


def _link(body: str, path_prefix: str, live_url: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+?)(?=[\s>\"]|$)", body)
    assert match is not None, f"no {path_prefix} link in the email"
    return live_url + match.group(1)


def _step_in_focus(page: Page, slug: str) -> Any:
    """The page has moved on to this step by itself: its form is the one in focus."""
    step = page.locator(f"#step-{slug}[data-step-in-focus]")
    expect(step).to_be_visible()
    return step


def _open_step(page: Page, slug: str, title: str) -> Any:
    """Open a step out of turn, from its line in the list of the other steps."""
    page.get_by_role("link", name=f"Record this step ({title})").click()
    return _step_in_focus(page, slug)


def _log_the_departure(page: Page, client: Client, leave_in_days: int = 1) -> None:
    page.goto(f"/clients/{client.pk}/")
    screenshot(page, "client-page")
    page.get_by_role("link", name="Client is leaving").click()
    today = timezone.localdate()
    page.get_by_label("Notice received on").fill(today.isoformat())
    page.get_by_label("Planned leave date").fill((today + timedelta(days=leave_in_days)).isoformat())
    page.get_by_label("How we heard").select_option(label="Phone call")
    page.get_by_role("button", name="Open departure case").click()
    expect(page.get_by_role("heading", name="Birch & Co is leaving")).to_be_visible()


def _walk_the_six_steps(page: Page) -> None:
    probe = _step_in_focus(page, "probe")
    probe.get_by_label("Primary reason").select_option(label="Budget cuts")
    probe.get_by_label("Contributing reasons").select_option(
        label=["Found a cheaper offer elsewhere", "We were slow to respond"]
    )
    probe.get_by_label("In the client's own words").fill("The board cut every outside contract this year.")
    probe.get_by_label("Which kind of departure is it?").select_option(label="Other")
    probe.get_by_label("Is this client worth saving?").select_option(label="Yes, worth saving")
    probe.get_by_label("Why", exact=True).fill("Pays on time and acts on advice.")
    probe.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Probe: saved. Next: Apologise.")).to_be_visible()
    expect(page.locator("#step-probe")).to_contain_text("Budget cuts")  # now a summary of what was recorded
    expect(page.locator("#step-probe")).to_contain_text("Found a cheaper offer elsewhere, We were slow to respond")

    apology = _step_in_focus(page, "apology")
    apology.get_by_role("radio", name="Not applicable").check()
    apology.get_by_role("button", name="Mark as done").click()

    offer = _step_in_focus(page, "offer")
    offer.get_by_role("radio", name="No offer was made").check()
    offer.get_by_label("Why no offer was made").fill("Their budget is gone; a discount would not change that.")
    offer.get_by_role("button", name="Mark as done").click()

    for slug in ("transition", "thanks"):
        _step_in_focus(page, slug).get_by_role("button", name="Mark as done").click()

    keep_in_touch = _step_in_focus(page, "keep_in_touch")
    keep_in_touch.get_by_role("radio", name="Yes", exact=True).check()
    keep_in_touch.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("6 of 6 closed")).to_be_visible()
    expect(page.get_by_text("Every step is closed: the case is ready to be marked as departed.")).to_be_visible()
    expect(page.locator("[data-step-in-focus]")).to_have_count(0)
    screenshot(page, "case-page")


@pytest.mark.django_db(transaction=True)
def test_a_departure_from_notice_to_survey_answer_in_the_browser(
    page: Page, browser: Browser, live_server: Any, settings: Any, leaving_client: Client, manager: User
) -> None:
    for name, value in ALWAYS_OPEN.items():
        setattr(settings, name, value)
    settings.SITE_URL = live_server.url

    sign_in(page, "amelia", TEST_PASSWORD)
    _log_the_departure(page, leaving_client)
    _walk_the_six_steps(page)
    page.get_by_role("button", name="Mark as departed").click()
    expect(page.get_by_text("is marked as departed")).to_be_visible()
    case = DepartureCase.objects.get(client=leaving_client)
    assert case.status == DepartureCase.Status.DEPARTED
    planned = set(FollowUp.objects.filter(case=case).values_list("kind", flat=True))
    assert {FollowUp.Kind.THANK_YOU, FollowUp.Kind.SURVEY, FollowUp.Kind.CHECK_IN} <= planned
    expect(page.get_by_text("Thank-you email").first).to_be_visible()

    # The dispatcher runs a week later: the thank-you and the survey invitation go out.
    follow_ups_dispatch_batch(now=timezone.now() + timedelta(days=7))
    sent_to_client = [message for message in mail.outbox if message.to == ["rosa@birch.example"]]
    assert len(sent_to_client) == 2
    survey_email = next(message for message in sent_to_client if "survey" in str(message.body).lower())
    survey_link = _link(str(survey_email.body), "/feedback/survey/", live_server.url)

    former_client = browser.new_page()
    former_client.goto(survey_link)
    screenshot(former_client, "survey")
    former_client.locator("label[for=id_satisfaction_3]").click()  # the 4 of 1-5
    former_client.locator("label[for=id_likelihood_to_return_8]").click()  # the 8 of 0-10
    former_client.get_by_label("What could we have done better?").fill("Warn us earlier about price rises.")
    former_client.get_by_role("button", name="Send my answers").click()
    expect(former_client.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    assert SurveyAnswer.objects.get().could_do_better == "Warn us earlier about price rises."

    unsubscribe_link = _link(str(sent_to_client[0].body), "/outbox/unsubscribe/", live_server.url)
    former_client.goto(unsubscribe_link)
    screenshot(former_client, "unsubscribe")
    former_client.get_by_role("button", name="Unsubscribe").click()
    expect(former_client.get_by_text(re.compile("unsubscribed", re.IGNORECASE)).first).to_be_visible()
    assert not FollowUp.objects.filter(case=case, kind=FollowUp.Kind.CHECK_IN, status="scheduled").exists()

    page.get_by_role("button", name="Amelia Hart").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "marta", TEST_PASSWORD)
    page.goto("/feedback/")
    departures = page.locator(".card", has=page.get_by_text("Departures", exact=True))
    expect(departures.locator("p.h4")).to_have_text("1")
    # Rosa's answer is counted: one answer to the one invitation sent, her 4 and her 8 the averages.
    response_rate = page.locator(".card", has=page.get_by_text("Survey response rate", exact=True))
    expect(response_rate.locator("p.h4")).to_have_text("100%")
    expect(response_rate).to_contain_text("1 answer to 1 invitation")
    satisfaction = page.locator(".card", has=page.get_by_text("Average satisfaction (1 to 5)", exact=True))
    expect(satisfaction.locator("p.h4")).to_have_text("4.0")
    likelihood = page.locator(".card", has=page.get_by_text("Likelihood to return (0 to 10)", exact=True))
    expect(likelihood.locator("p.h4")).to_have_text("8.0")
    screenshot(page, "dashboard")


@pytest.mark.django_db(transaction=True)
def test_an_accepted_offer_saves_the_client_in_the_browser(page: Page, leaving_client: Client) -> None:
    sign_in(page, "amelia", TEST_PASSWORD)
    _log_the_departure(page, leaving_client)
    # The step's own form (the offer history beside it has a form for a further offer).
    step = _open_step(page, "offer", "Offer a fix")
    offer = step.locator("form", has=page.get_by_role("button", name="Mark as done"))
    offer.get_by_role("radio", name="Yes, we made an offer").check()
    offer.get_by_label("Offer type").select_option(label="Price change")
    offer.get_by_label("Details").fill("15% off for the next twelve months.")
    offer.get_by_role("radio", name="Accepted").check()
    offer.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Saved", exact=True).first).to_be_visible()
    leaving_client.refresh_from_db()
    assert leaving_client.status == Client.Status.ACTIVE
    assert DepartureCase.objects.get(client=leaving_client).status == DepartureCase.Status.SAVED


@pytest.mark.django_db(transaction=True)
def test_a_departed_client_who_comes_back_is_won_back_in_the_browser(
    page: Page, leaving_client: Client, account_manager: User
) -> None:
    sign_in(page, "amelia", TEST_PASSWORD)
    _log_the_departure(page, leaving_client, leave_in_days=0)
    # After the probe the page offers the apology; the transition is opened out of turn, and from there
    # the page moves on to the thank-you and keeping in touch by itself.
    for slug, title, out_of_turn in (
        ("probe", "Probe", False),
        ("transition", "Transition", True),
        ("thanks", "Thank", False),
        ("keep_in_touch", "Keep in touch", False),
    ):
        step = _open_step(page, slug, title) if out_of_turn else _step_in_focus(page, slug)
        step.locator("summary", has_text="Skip this step").click()
        step.get_by_label("Why is this step skipped?").fill("Handled by the client's new provider directly.")
        step.get_by_role("button", name="Skip this step").click()
    page.get_by_role("button", name="Mark as departed").click()
    expect(page.get_by_text("is marked as departed")).to_be_visible()

    page.goto(f"/clients/{leaving_client.pk}/")
    page.get_by_label("Came back on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Client came back").click()
    expect(page.get_by_text("Won back").first).to_be_visible()
    leaving_client.refresh_from_db()
    assert leaving_client.status == Client.Status.RETURNED
    case = DepartureCase.objects.get(client=leaving_client)
    assert (case.status, case.won_back_on) == (DepartureCase.Status.WON_BACK, timezone.localdate())
