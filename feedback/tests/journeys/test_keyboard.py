"""The main tasks done with the keyboard alone: no mouse click anywhere in this module.

Every element the Tab key reaches on the way must show where the focus is.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from clients.tests.factories import TEST_PASSWORD, ClientFactory
from feedback.models import SurveyAnswer
from feedback.tests.factories import survey_invitation
from offboarding.models import ApologyStep, DepartureCase
from offboarding.outbox.survey_links import survey_token_for
from offboarding.tests.factories import DepartureCaseFactory

MAX_TABS = 120

FOCUS = """() => {
  const element = document.activeElement;
  // Focus inside a control's own parts (a date field's calendar button) is outlined by the browser itself.
  if (!element.matches(':focus')) return {visible: true, name: `<${element.tagName.toLowerCase()}> (inner part)`};
  // A visually hidden radio or checkbox (Bootstrap's btn-check) shows its focus on its label.
  const shown = element.classList.contains('btn-check') ? element.labels[0] : element;
  const style = getComputedStyle(shown);
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const name = element.labels?.[0]?.textContent || element.getAttribute('aria-label') || element.textContent;
  return {
    visible: outlined || style.boxShadow !== 'none',
    name: `<${element.tagName.toLowerCase()}> ${(name || '').trim().slice(0, 60)}`,
  };
}"""


@pytest.fixture
def context_options() -> dict[str, Any]:
    # Without transitions the focus ring is drawn at once, so it can be read right after the key press.
    return {"reduced_motion": "reduce"}


def _tab_to(page: Page, target: Locator, key: str = "Tab") -> None:
    """Press Tab (or the given key) until the target has the focus; every stop on the way must show its focus."""
    passed: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS)
        assert focus["visible"], f"no visible focus indicator on {focus['name']} after {passed[-10:]}"
        passed.append(focus["name"])
        if target.evaluate("(element) => element === document.activeElement"):
            return
    pytest.fail(f"{MAX_TABS} presses of {key} never reached {target}; passed {passed[-10:]}")


def _press_enter_and_load(page: Page) -> None:
    """Enter on a link or in a form opens the next page; wait for it before pressing on."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _type_into(page: Page, field: Locator, text: str) -> None:
    _tab_to(page, field)
    page.keyboard.type(text)


def _arrow_to(page: Page, radio: Locator, key: str = "ArrowRight") -> None:
    """Inside a radio group the arrow keys move the choice."""
    for _ in range(11):
        if radio.is_checked():
            return
        page.keyboard.press(key)
    pytest.fail(f"the arrow keys never chose {radio}")


@pytest.mark.django_db(transaction=True)
def test_an_account_manager_records_a_step_with_the_keyboard_alone(page: Page, account_manager: User) -> None:
    case = DepartureCaseFactory.create(
        client=ClientFactory.create(company_name="Birch & Co", account_manager=account_manager)
    )
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("amelia")
    _type_into(page, page.get_by_label("Password"), TEST_PASSWORD)
    _press_enter_and_load(page)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").get_by_role("link", name="Birch & Co")).to_be_focused()  # past the navigation

    _tab_to(page, page.get_by_role("link", name="Clients", exact=True), key="Shift+Tab")
    _press_enter_and_load(page)
    _tab_to(page, page.get_by_role("link", name="Birch & Co"))
    _press_enter_and_load(page)
    _tab_to(page, page.locator(f'main a[href="{case.get_absolute_url()}"]').first)
    _press_enter_and_load(page)
    expect(page.get_by_role("heading", name="Birch & Co is leaving")).to_be_visible()

    _tab_to(page, page.get_by_role("link", name="Apologise"))
    page.keyboard.press("Enter")  # jumps to the step; the next Tab continues from there
    apology = page.locator("#step-apology")
    _tab_to(page, apology.get_by_role("radio", name="Yes"))
    _arrow_to(page, apology.get_by_role("radio", name="Not applicable"), key="ArrowDown")
    _type_into(page, apology.get_by_label("What we said"), "We said sorry for the slow replies.")
    _tab_to(page, apology.get_by_role("button", name="Mark as done"))
    _press_enter_and_load(page)

    expect(apology.get_by_text(re.compile("Done by Amelia Hart"))).to_be_visible()
    expect(apology.locator("dd", has_text="We said sorry for the slow replies.")).to_be_visible()
    apology_step = ApologyStep.objects.get(case=case)
    assert (apology_step.status, apology_step.fell_short) == ("done", ApologyStep.FellShort.NOT_APPLICABLE)


@pytest.mark.django_db(transaction=True)
def test_the_exit_survey_is_answered_with_the_keyboard_alone(page: Page, account_manager: User) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager)
    DepartureCase.objects.filter(pk=case.pk).update(status=DepartureCase.Status.DEPARTED)
    invitation = survey_invitation(case)
    page.goto(reverse("feedback:survey", kwargs={"token": survey_token_for(invitation.pk)}))

    _tab_to(page, page.get_by_role("checkbox", name="Found a cheaper offer elsewhere"))
    page.keyboard.press("Space")
    satisfaction = page.get_by_role("group", name=re.compile("how satisfied"))
    _tab_to(page, satisfaction.get_by_role("radio", name="1", exact=True))
    _arrow_to(page, satisfaction.get_by_role("radio", name="4", exact=True))
    _type_into(page, page.get_by_label("What could we have done better?"), "Warn us earlier about price rises.")
    likelihood = page.get_by_role("group", name=re.compile("work with us again"))
    _tab_to(page, likelihood.get_by_role("radio", name="0", exact=True))
    _arrow_to(page, likelihood.get_by_role("radio", name="8", exact=True))
    _tab_to(page, page.get_by_role("button", name="Send my answers"))
    _press_enter_and_load(page)

    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    answer = SurveyAnswer.objects.get()
    assert (answer.satisfaction, answer.likelihood_to_return) == (4, 8)
    assert answer.could_do_better == "Warn us earlier about price rises."
    assert list(answer.reasons.values_list("key", flat=True)) == ["price-cheaper-elsewhere"]
