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
from offboarding.models import ApologyStep, DepartureCase, ProbeStep
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


def _sign_in_and_open_my_work(page: Page) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("amelia")
    _type_into(page, page.get_by_label("Password"), TEST_PASSWORD)
    _press_enter_and_load(page)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()


def _save_the_step_in_focus(page: Page, slug: str) -> None:
    _tab_to(page, page.locator(f"#step-{slug}").get_by_role("button", name="Mark as done"))
    _press_enter_and_load(page)


def _expect_the_next_tab_inside(page: Page, slug: str) -> Locator:
    """After a step is saved the page opens at the next one: the first Tab lands in its form, past the others."""
    step = page.locator(f"#step-{slug}[data-step-in-focus]")
    expect(step).to_be_visible()
    page.keyboard.press("Tab")
    assert step.evaluate("(section) => section.contains(document.activeElement)"), f"Tab did not land in {slug}"
    return step


@pytest.mark.django_db(transaction=True)
def test_an_account_manager_walks_a_case_from_probe_to_departed_with_the_keyboard_alone(
    page: Page, account_manager: User
) -> None:
    case = DepartureCaseFactory.create(
        client=ClientFactory.create(company_name="Birch & Co", account_manager=account_manager)
    )
    _sign_in_and_open_my_work(page)
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    # Past the navigation: the first link of the page itself.
    expect(page.get_by_role("main").get_by_role("link", name="Saves being watched")).to_be_focused()

    # My work links straight to the step to do next.
    _tab_to(page, page.get_by_role("link", name="Probe for Birch & Co"))
    _press_enter_and_load(page)
    probe = _expect_the_next_tab_inside(page, "probe")
    _tab_to(page, probe.get_by_label("Primary reason"))
    page.keyboard.type("Budget cuts")
    _tab_to(page, probe.get_by_label("Contributing reasons"))
    page.keyboard.press("ArrowDown")  # the first reason of the list
    page.keyboard.press("Shift+ArrowDown")  # and the next one with it
    _save_the_step_in_focus(page, "probe")

    apology = _expect_the_next_tab_inside(page, "apology")
    _tab_to(page, apology.get_by_role("radio", name="Yes"))
    _arrow_to(page, apology.get_by_role("radio", name="Not applicable"), key="ArrowDown")
    _type_into(page, apology.get_by_label("What we said"), "We said sorry for the slow replies.")
    _save_the_step_in_focus(page, "apology")
    # The apology, closed, reads as what was recorded.
    apology_summary = page.locator("#step-apology")
    expect(apology_summary.get_by_text(re.compile("Done by Amelia Hart"))).to_be_visible()
    expect(apology_summary.locator("dd", has_text="We said sorry for the slow replies.")).to_be_visible()

    offer = _expect_the_next_tab_inside(page, "offer")
    _tab_to(page, offer.get_by_role("radio", name="Yes, we made an offer"))
    _arrow_to(page, offer.get_by_role("radio", name="No offer was made"), key="ArrowDown")
    _type_into(page, offer.get_by_label("Why no offer was made"), "Their budget is gone.")
    _save_the_step_in_focus(page, "offer")

    transition = _expect_the_next_tab_inside(page, "transition")
    _tab_to(page, transition.get_by_role("button", name=re.compile(r"^Done\W+Send the final invoice$")))
    _press_enter_and_load(page)
    expect(page.get_by_text("“Send the final invoice” done.")).to_be_visible()
    _save_the_step_in_focus(page, "transition")

    _expect_the_next_tab_inside(page, "thanks")
    _save_the_step_in_focus(page, "thanks")

    keep_in_touch = _expect_the_next_tab_inside(page, "keep_in_touch")
    _tab_to(page, keep_in_touch.get_by_role("radio", name="Yes", exact=True))
    page.keyboard.press("Space")
    _save_the_step_in_focus(page, "keep_in_touch")

    expect(page.get_by_text("6 of 6 closed")).to_be_visible()
    _tab_to(page, page.get_by_role("button", name="Mark as departed"))
    _press_enter_and_load(page)
    expect(page.get_by_text("is marked as departed")).to_be_visible()

    case.refresh_from_db()
    assert case.status == DepartureCase.Status.DEPARTED
    probe_step, apology_step = ProbeStep.objects.get(case=case), ApologyStep.objects.get(case=case)
    assert probe_step.primary_reason is not None
    assert probe_step.primary_reason.label == "Budget cuts"
    assert probe_step.contributing_reasons.count() == 2
    assert (apology_step.status, apology_step.fell_short) == ("done", ApologyStep.FellShort.NOT_APPLICABLE)
    assert case.handover_items.get(title="Send the final invoice").done_at is not None


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
