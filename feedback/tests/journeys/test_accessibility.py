"""Every main page, with realistic data, checked by axe-core in the browser.

axe-core comes from npm (package.json's devDependencies). The site's
Content-Security-Policy refuses injected scripts, as it should; only this
module's browser context bypasses it, so axe can be added to each page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.tests.factories import TEST_PASSWORD, ClientFactory
from feedback.services import SurveyResponse, survey_answer_submit
from feedback.tests.factories import make_case, survey_invitation
from feedback.tests.journeys.conftest import SCREENSHOTS, screenshot, sign_in
from offboarding.models import ChurnReason, DepartureCase
from offboarding.outbox.emails import unsubscribe_token
from offboarding.outbox.survey_links import survey_token_for
from offboarding.services.cases import STEPS, case_mark_departed, step_complete
from offboarding.tests.factories import DepartureCaseFactory, improvement_for, ready_to_depart, step_values

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SERIOUS = {"serious", "critical"}


@pytest.fixture
def context_options() -> dict[str, Any]:
    # Only for this module: axe is injected as a script, which the product's CSP refuses.
    return {"bypass_csp": True}


@dataclass(frozen=True)
class Site:
    open_case: DepartureCase
    departed_case: DepartureCase
    new_client_pk: int
    survey_path: str
    unsubscribe_path: str


def _departed_case(account_manager: User) -> DepartureCase:
    """A case closed as departed through the services, with its follow-ups planned and a named survey answer."""
    today = timezone.localdate()
    case = ready_to_depart(
        DepartureCaseFactory.create(
            client=ClientFactory.create(company_name="Alder Studio", account_manager=account_manager),
            notice_received_on=today - timedelta(days=20),
            planned_leave_date=today - timedelta(days=1),
        )
    )
    case_mark_departed(case=case, actor=account_manager)
    answer = SurveyResponse(
        reasons=ChurnReason.objects.filter(key="price-budget-cuts"),
        satisfaction=4,
        could_do_better="Tell us about price rises earlier.",
        did_well="Quick, friendly answers.",
        likelihood_to_return=7,
        may_keep_in_touch=True,
        anonymous=False,
    )
    survey_answer_submit(follow_up=survey_invitation(case), response=answer)
    return case


def _a_year_of_departures(account_manager: User) -> None:
    today = timezone.localdate()
    for months_ago, key in ((2, "price-cheaper-elsewhere"), (5, "service-responsiveness"), (8, "price-budget-cuts")):
        notice = today - timedelta(days=30 * months_ago)
        make_case(owner=account_manager, notice=notice, departed_on=notice, reason=ChurnReason.objects.get(key=key))
    make_case(
        owner=account_manager,
        notice=today - timedelta(days=100),
        status=DepartureCase.Status.SAVED,
        reason=ChurnReason.objects.get(key="service-responsiveness"),
        offer_type="service_fix",
    )


def build_site(account_manager: User) -> Site:
    """An open case with two steps done, a departed case, and a year of data for the dashboard."""
    open_case = DepartureCaseFactory.create(
        client=ClientFactory.create(company_name="Birch & Co", account_manager=account_manager)
    )
    for step in ("probe", "apology"):
        step_complete(case=open_case, step=step, actor=account_manager, values=step_values(step))
    departed_case = _departed_case(account_manager)
    _a_year_of_departures(account_manager)
    client = departed_case.client
    return Site(
        open_case=open_case,
        departed_case=departed_case,
        new_client_pk=ClientFactory.create(company_name="Cedar Labs", account_manager=account_manager).pk,
        survey_path=reverse("feedback:survey", kwargs={"token": survey_token_for(survey_invitation(departed_case).pk)}),
        unsubscribe_path=reverse(
            "outbox:unsubscribe", kwargs={"token": unsubscribe_token(client_id=client.pk, email=client.contact_email)}
        ),
    )


def _open_every_disclosure(page: Page) -> None:
    """Forms folded in <details> are hidden from axe; open them so every step form is checked."""
    page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true; })")


def _axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=AXE)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "\n".join(f"      at {node['target']}: {node['failureSummary']}" for node in violation["nodes"])
        for violation in result["violations"]
        if violation["impact"] in SERIOUS
    ]


# A label must hold words: a radio labelled "---------" is read out as a row of dashes.
UNLABELLED_CONTROLS = r"""() => {
  const words = (text) => /[\p{L}\p{N}]/u.test(text || '');
  const named = (control) => [...control.labels].some((label) => words(label.textContent))
    || words(control.getAttribute('aria-label')) || words(control.title)
    || (control.getAttribute('aria-labelledby') || '').split(/\s+/)
      .some((id) => id && words(document.getElementById(id)?.textContent));
  return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((control) => !named(control))
    .map((control) => control.outerHTML.slice(0, 120));
}"""

DUPLICATE_IDS = """() => {
  const seen = new Map();
  document.querySelectorAll('[id]').forEach((element) => seen.set(element.id, (seen.get(element.id) || 0) + 1));
  return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}"""


CHARTS = """() => [...document.querySelectorAll('[data-chart]')].map((box) => {
  const canvas = box.querySelector('canvas');
  const chart = Chart.getChart(canvas);
  const table = box.parentElement.querySelector('table');
  const texts = (row) => [...row.cells].map((cell) => cell.textContent.trim());
  return {
    key: box.dataset.chart,
    role: canvas.getAttribute('role'),
    alternative: (canvas.getAttribute('aria-label') || '').trim(),
    labels: chart ? chart.data.labels : null,
    datasets: chart ? chart.data.datasets.map((dataset) => [dataset.label, dataset.data]) : [],
    headings: table ? texts(table.tHead.rows[0]) : [],
    rows: table ? [...table.tBodies[0].rows].map(texts) : [],
  };
})"""


def _number(text: str) -> float:
    match = re.search(r"-?[\d,]+(\.\d+)?", text)
    return float(match.group().replace(",", "")) if match else float("nan")


def _chart_problems(page: Page) -> list[str]:
    """Each chart is an image with a text alternative, and the table beside it holds the same numbers."""
    found = []
    for chart in page.evaluate(CHARTS):
        where = f"chart {chart['key']}"
        if chart["role"] != "img" or not chart["alternative"]:
            found.append(f"{where}: the canvas needs role=img and an aria-label")
        if chart["labels"] is None or not chart["rows"]:
            found.append(f"{where}: not drawn, or no table of its numbers beside it")
            continue
        if chart["labels"] != [row[0] for row in chart["rows"]]:
            found.append(f"{where}: bars {chart['labels']} but table rows {[row[0] for row in chart['rows']]}")
        for label, data in chart["datasets"]:
            if label not in chart["headings"]:
                found.append(f"{where}: no table column for {label!r}")
                continue
            column = [_number(row[chart["headings"].index(label)]) for row in chart["rows"]]
            if any(abs(shown - (drawn or 0)) > 0.5 for shown, drawn in zip(column, data, strict=True)):
                found.append(f"{where}: {label!r} drawn as {data}, tabled as {column}")
    return found


def _check(page: Page, name: str, problems: dict[str, list[str]]) -> None:
    """Run every check on the page in view, remember what failed under the page's name, keep a screenshot."""
    found = _axe_violations(page)
    found += _chart_problems(page)
    found += [f"form field without a label: {html}" for html in page.evaluate(UNLABELLED_CONTROLS)]
    found += [f"id used more than once: {element_id}" for element_id in page.evaluate(DUPLICATE_IDS)]
    if found:
        problems[f"{name} ({page.url})"] = found
    screenshot(page, name)


def _report(problems: dict[str, list[str]]) -> str:
    return "Accessibility problems:\n" + "\n".join(
        f"  {page_name}:\n" + "\n".join(f"    - {problem}" for problem in found)
        for page_name, found in problems.items()
    )


def _check_case_page(page: Page, case: DepartureCase, name: str, problems: dict[str, list[str]]) -> None:
    """The case page, and each step's own page with its forms unfolded (or what it recorded), and a picture of it."""
    page.goto(case.get_absolute_url())
    _open_every_disclosure(page)
    _check(page, name, problems)
    for slug in STEPS:
        page.goto(reverse("offboarding:step_save", args=[case.pk, slug]))
        _open_every_disclosure(page)
        _check(page, f"{name}-step-{slug}", problems)
        page.locator("[data-step-in-focus]").screenshot(path=SCREENSHOTS / f"step-{slug}.png")


@pytest.mark.django_db(transaction=True)
def test_every_main_page_has_no_serious_accessibility_problem(page: Page, account_manager: User, manager: User) -> None:
    site = build_site(account_manager)
    # On My work, at the open case's apology step, and offered to the departed case to join.
    improvement = improvement_for(site.open_case, account_manager)
    problems: dict[str, list[str]] = {}

    page.goto(site.survey_path)
    expect(page.get_by_role("button", name="Send my answers")).to_be_visible()
    _check(page, "survey", problems)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Please choose a score.").first).to_be_visible()
    _check(page, "survey-with-errors", problems)
    page.goto(site.unsubscribe_path)
    expect(page.get_by_role("button", name="Unsubscribe")).to_be_visible()
    _check(page, "unsubscribe", problems)
    page.goto("/accounts/login/")
    _check(page, "sign-in", problems)

    sign_in(page, "amelia", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    _check(page, "my-work", problems)
    page.goto(reverse("clients:list"))
    _check(page, "client-list", problems)
    page.goto(reverse("client_detail", args=[site.open_case.client.pk]))
    _check(page, "client-page", problems)
    page.goto(reverse("offboarding:case_open", args=[site.new_client_pk]))
    _check(page, "case-open", problems)
    _check_case_page(page, site.open_case, "case-page", problems)
    page.goto(reverse("offboarding:step_save", args=[site.open_case.pk, "offer"]))
    page.locator("#step-offer").get_by_role("button", name="Mark as done").click()
    expect(page.locator("#step-offer").get_by_text("Record whether an offer was made.")).to_be_visible()
    _check(page, "case-page-with-errors", problems)
    _check_case_page(page, site.departed_case, "case-page-departed", problems)

    page.context.clear_cookies()
    sign_in(page, "marta", TEST_PASSWORD)
    _check(page, "my-work-manager", problems)
    page.goto(reverse("clients:list"))
    _check(page, "client-list-manager", problems)
    page.goto(reverse("feedback:dashboard"))
    expect(page.locator("[data-chart] canvas").first).to_be_visible()
    charts = page.locator("[data-chart]:visible canvas")
    assert charts.count() >= 4, "the dashboard should draw the trend and the breakdowns of this data"
    _check(page, "dashboard", problems)
    page.goto(reverse("feedback:client_words"))
    _check(page, "what-clients-said", problems)
    page.goto(reverse("improvements:list"))
    _check(page, "improvements", problems)
    page.goto(improvement.get_absolute_url())
    _check(page, "improvement", problems)
    page.goto(reverse("improvements:new", args=[site.departed_case.pk]))
    _check(page, "improvement-new", problems)

    assert not problems, _report(problems)


@pytest.mark.django_db(transaction=True)
def test_the_message_editor_handover_lists_settings_and_a_branded_header_have_no_serious_problem(
    page: Page, account_manager: User, manager: User, settings: Any
) -> None:
    # A pale accent (the header's text turns black) and a logo, whose text alternative is the business's name.
    settings.BUSINESS_ACCENT_COLOUR = "#f5d76e"
    settings.BUSINESS_LOGO_URL = "/static/favicon.svg"
    site = build_site(account_manager)
    problems: dict[str, list[str]] = {}
    page.goto(site.survey_path + "?lang=fr")
    expect(page.get_by_role("button", name="Envoyer mes réponses")).to_be_visible()
    _check(page, "survey-in-french", problems)

    sign_in(page, "marta", TEST_PASSWORD)
    expect(page.get_by_role("link", name="Northwind Partners Offboarding")).to_be_visible()
    _check(page, "branded-my-work", problems)
    page.goto(reverse("outbox:messages"))
    _check(page, "messages", problems)
    page.goto(reverse("outbox:message_edit", args=["thank_you", "de"]))
    expect(page.locator("#message-preview iframe")).to_be_visible()
    _check(page, "message-edit", problems)
    page.get_by_label("Subject").fill("Danke {contat_name}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("{contat_name} is not a placeholder we know.", exact=False)).to_be_visible()
    _check(page, "message-edit-with-errors", problems)
    page.goto(reverse("offboarding:handover_lists"))
    _check(page, "handover-lists", problems)
    page.goto(reverse("offboarding:handover_list_edit") + "?segment=Consulting")
    _check(page, "handover-list-edit", problems)
    page.goto(reverse("my_settings"))
    _check(page, "my-settings", problems)

    assert not problems, _report(problems)
