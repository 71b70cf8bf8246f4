"""Every main page fits a phone: nothing makes the page scroll sideways in a 390 x 844 viewport.

Wide tables may scroll inside their own `.table-responsive` box; the page itself must not.
When a page is too wide, the failure names the deepest elements that push it past the edge.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from clients.models import Client
from clients.tests.factories import TEST_PASSWORD
from feedback.tests.journeys.conftest import screenshot, sign_in
from feedback.tests.journeys.test_accessibility import Site, build_site
from offboarding.models import FollowUp
from offboarding.outbox.emails import unsubscribe_token
from offboarding.services.cases import STEPS, step_complete
from offboarding.tests.factories import DepartureCaseFactory, step_values

PHONE: ViewportSize = {"width": 390, "height": 844}
# Some clients' names hold one very long word, as German company names do; addresses can be long too.
LONG_NAME = "Versicherungsvermittlungsgesellschaft Nordwest"
LONG_EMAIL = "forderungsmanagement.buchhaltung@versicherungsvermittlung-nordwest.example"

# What pushes the page past the right edge, innermost first: elements of one kind (tag and classes)
# past the edge that, hidden together, make the page narrower. Kinds are hidden together because
# one row's labels escaping a table are hidden behind the next row's.
TOO_WIDE = """() => {
  const root = document.documentElement;
  const before = root.scrollWidth;
  const kind = (element) => element.tagName.toLowerCase() + [...element.classList].map((name) => `.${name}`).join('');
  // An element's own text running out of its box counts too, such as a long word in a heading.
  const right = (element) => {
    const box = element.getBoundingClientRect();
    return Math.max(box.right, box.left + element.scrollWidth);
  };
  const groups = new Map();
  document.body.querySelectorAll('*').forEach((element) => {
    if (right(element) <= window.innerWidth) return;
    groups.set(kind(element), [...(groups.get(kind(element)) || []), element]);
  });
  const narrows = (elements) => {
    const styles = elements.map((element) => element.getAttribute('style'));
    elements.forEach((element) => element.style.setProperty('display', 'none', 'important'));
    const narrower = root.scrollWidth < before;
    elements.forEach((element, index) => {
      if (styles[index] === null) element.removeAttribute('style'); else element.setAttribute('style', styles[index]);
    });
    return narrower;
  };
  const culprits = [...groups].filter(([, elements]) => narrows(elements));
  const inner = culprits.filter(([name, elements]) => !culprits.some(([other, others]) => other !== name
    && elements.some((element) => others.some((one) => element.contains(one)))));
  return inner.slice(0, 5).map(([name, elements]) => {
    const edge = Math.max(...elements.map(right));
    const text = (elements[0].textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${elements.length} x ${name}, e.g. "${text}", right edge at ${Math.round(edge)}px`;
  });
}"""


def _with_long_words(site: Site) -> Site:
    """The departed client, shown on most pages, with a long name and a long address."""
    client = site.departed_case.client
    Client.objects.filter(pk=client.pk).update(company_name=LONG_NAME, contact_email=LONG_EMAIL)
    FollowUp.objects.filter(client=client).update(recipient_email=LONG_EMAIL)
    token = unsubscribe_token(client_id=client.pk, email=LONG_EMAIL)
    return replace(site, unsubscribe_path=reverse("outbox:unsubscribe", kwargs={"token": token}))


def _check(page: Page, name: str, problems: dict[str, str]) -> None:
    """Remember the page under its name when it is wider than the phone, with what makes it so."""
    page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true; })")
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll_width > inner_width:
        culprits = "; ".join(page.evaluate(TOO_WIDE)) or "no single element found"
        problems[f"{name} ({page.url})"] = (
            f"{scroll_width}px wide in a {inner_width}px viewport, because of: {culprits}"
        )
    screenshot(page, f"phone-{name}")


def _check_anonymous_pages(page: Page, site: Site, problems: dict[str, str]) -> None:
    page.goto(site.survey_path)
    expect(page.get_by_role("button", name="Send my answers")).to_be_visible()
    _check(page, "survey", problems)
    page.goto(site.unsubscribe_path)
    _check(page, "unsubscribe", problems)
    page.goto("/accounts/login/")
    _check(page, "sign-in", problems)


def _check_account_manager_pages(page: Page, site: Site, problems: dict[str, str]) -> None:
    sign_in(page, "amelia", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    _check(page, "my-work", problems)
    pages = {
        "client-list": reverse("clients:list"),
        "client-page": reverse("client_detail", args=[site.departed_case.client.pk]),
        "client-form": reverse("clients:edit", args=[site.open_case.client.pk]),
        "client-is-leaving": reverse("offboarding:case_open", args=[site.new_client_pk]),
        "case-page": site.open_case.get_absolute_url(),
        # The transition's own page: its handover list is the widest table a step shows.
        "case-page-transition": reverse("offboarding:step_save", args=[site.open_case.pk, "transition"]),
        "case-page-departed": site.departed_case.get_absolute_url(),
        "record-feedback": reverse("feedback:record", args=[site.departed_case.pk]),
    }
    for name, path in pages.items():
        page.goto(path)
        _check(page, name, problems)


def _check_manager_pages(page: Page, site: Site, problems: dict[str, str]) -> None:
    page.context.clear_cookies()
    sign_in(page, "marta", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    _check(page, "my-work-manager", problems)
    thank_you = FollowUp.objects.get(case=site.departed_case, kind=FollowUp.Kind.THANK_YOU)
    pages = {
        "client-list-manager": reverse("clients:list"),
        "dashboard-case-list": reverse("feedback:cases"),
        "what-clients-said": reverse("feedback:client_words"),
        "outbox": reverse("outbox:list"),
        "outbox-message": reverse("outbox:detail", args=[thank_you.pk]),
        "reasons": reverse("offboarding:reasons"),
        "messages": reverse("outbox:messages"),
        "message-edit": reverse("outbox:message_edit", args=["survey", "fr"]),
        "handover-lists": reverse("offboarding:handover_lists"),
        "handover-list-edit": reverse("offboarding:handover_list_edit") + "?segment=",
        "my-settings": reverse("my_settings"),
        "erase-confirmation": reverse("feedback:client_erase", args=[site.departed_case.client.pk]),
    }
    for name, path in pages.items():
        page.goto(path)
        _check(page, name, problems)
    page.goto(reverse("feedback:dashboard"))
    expect(page.locator("[data-chart] canvas").first).to_be_visible()
    _check(page, "dashboard", problems)


@pytest.mark.django_db(transaction=True)
def test_no_main_page_scrolls_sideways_on_a_phone(page: Page, account_manager: User, manager: User) -> None:
    site = _with_long_words(build_site(account_manager))
    page.set_viewport_size(PHONE)
    problems: dict[str, str] = {}

    _check_anonymous_pages(page, site, problems)
    _check_account_manager_pages(page, site, problems)
    _check_manager_pages(page, site, problems)

    assert not problems, "Pages wider than a 390 px phone:\n" + "\n".join(
        f"  {name}: {problem}" for name, problem in problems.items()
    )


# Where the step in focus, its save button and the other steps are, in page coordinates.
STEP_LAYOUT = """(slug) => {
  const section = document.querySelector(`[data-step-in-focus]#step-${slug}`);
  const button = section.querySelector(`form[action*="/steps/${slug}/#"] button[type=submit]`);
  const top = (element) => element.getBoundingClientRect().top + window.scrollY;
  const others = [...document.querySelectorAll('[id^="step-"]')].filter((element) => !section.contains(element));
  return {
    buttonBottom: top(button) + button.offsetHeight,
    othersAbove: others.filter((element) => top(element) < top(button)).map((element) => element.id),
    stepForms: [...document.querySelectorAll('form')].filter((form) => form.action.includes('/steps/')).length,
  };
}"""

OPENS_AT_THE_STEP = "(slug) => Math.abs(document.querySelector(`#step-${slug}`).getBoundingClientRect().top) < 2"


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_each_step_and_its_save_button_come_before_the_other_steps(
    page: Page, account_manager: User
) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager)
    step_complete(case=case, step="probe", actor=account_manager, values=step_values("probe"))
    page.set_viewport_size(PHONE)
    sign_in(page, "amelia", TEST_PASSWORD)
    for slug in STEPS:
        # As My work and the page itself link to a step: its own URL, at its anchor.
        page.goto(reverse("offboarding:step_save", args=[case.pk, slug]) + f"#step-{slug}")
        # The page opens at the step (scrolling there smoothly, where motion is allowed).
        page.wait_for_function(OPENS_AT_THE_STEP, arg=slug, timeout=5000)
        layout = page.evaluate(STEP_LAYOUT, slug)
        assert layout["stepForms"] == 2, f"{slug}: only the step in focus has a form (save and skip)"
        assert layout["othersAbove"] == [], f"{slug}: other steps come before its save button"
        screenshot(page, f"phone-step-{slug}")
    # A refused save opens at the step too, its reason in view.
    page.goto(reverse("offboarding:step_save", args=[case.pk, "offer"]))
    page.locator("#step-offer").get_by_role("button", name="Mark as done").click()
    page.wait_for_function(OPENS_AT_THE_STEP, arg="offer", timeout=5000)
    expect(page.get_by_text("Record whether an offer was made.")).to_be_in_viewport()
    page.goto(case.get_absolute_url())  # the case page itself leads with the next open step
    assert page.evaluate(STEP_LAYOUT, "apology")["othersAbove"] == []
