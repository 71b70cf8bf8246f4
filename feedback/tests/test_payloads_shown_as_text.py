"""Script and HTML typed into any free-text field is shown as text: in pages, emails and CSV exports.

Every free-text field of one client's story holds a payload tagged with the field's code
(feedback/tests/payloads.py). Each page, email and export must show every field it shows
escaped, with its tag, and never a payload's raw tag or attribute; CSV cells that a
spreadsheet would run as a formula start with a quote.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils.html import escape

from clients.csv_safety import starts_like_formula
from clients.tests.helpers import client_row, csv_upload, downloaded_rows
from feedback.tests.payloads import EMAIL, RAW_MARKUP, TAIL, Story, build_story, payload, short_payload, shown
from offboarding.models import FollowUp
from offboarding.outbox.emails import follow_up_message, render_follow_up
from offboarding.outbox.survey_links import survey_token_for

pytestmark = pytest.mark.django_db

# page: the codes of the fields it shows (fn and ln are the account manager's first and last name)
PAGES = {
    "my work": "fn ln c2",
    "client list": "co cn sg fn ln c2",
    "client page": "co cn ph sg no fn ln rl cw cp ww sk od tn pn ht fu fc",
    "client form": "co cn ph sg no fn ln",
    "case page": "co fn ln rl fi cw cp ww sk od tn pn ht fu fc rf rc rd sc sd",
    "dashboard": "sg fn ln rl cp",
    "dashboard case list": "co sg fn ln rl cp",
    "what clients said": "co fn ln rl cw rf rc rd sc sd",
    "outbox": "co fu fc",
    "thank-you in the outbox": "co cn fn ln pn",
    "digest in the outbox": "co fn ln fu",
    "reasons": "rl",
    "reason form": "rl rs",
    "record feedback": "co",
    "erase": "co",
    "survey": "rl",
}
# email kind: the codes of the fields it shows
EMAILS = {
    "thank_you": "co cn fn ln pn",
    "survey": "cn fn ln",
    "check_in": "co cn fn ln",
    "win_back": "cn fn ln",
    "staff_digest": "co fn ln fu",
}


@pytest.fixture(scope="module")
def story(module_db: None) -> Story:
    return build_story()


@pytest.fixture
def manager_browser(story: Story) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(User.objects.get(username="marta"))
    return browser


def _path(story: Story, page: str) -> str:
    case, client = story.case, story.client
    paths = {
        "my work": lambda: "/",
        "client list": lambda: reverse("clients:list"),
        "client page": client.get_absolute_url,
        "client form": lambda: reverse("clients:edit", args=[client.pk]),
        "case page": case.get_absolute_url,
        "dashboard": lambda: reverse("feedback:dashboard"),
        "dashboard case list": lambda: reverse("feedback:cases") + "?outcome=departed",
        "what clients said": lambda: reverse("feedback:client_words"),
        "outbox": lambda: reverse("outbox:list"),
        "thank-you in the outbox": lambda: reverse("outbox:detail", args=[_follow_up(story, "thank_you").pk]),
        "digest in the outbox": lambda: reverse("outbox:detail", args=[_follow_up(story, "staff_digest").pk]),
        "reasons": lambda: reverse("offboarding:reasons"),
        "reason form": lambda: reverse("offboarding:reason_edit", args=[story.reason.pk]),
        "record feedback": lambda: reverse("feedback:record", args=[case.pk]),
        "erase": lambda: reverse("feedback:client_erase", args=[client.pk]),
        "survey": lambda: reverse("feedback:survey", args=[survey_token_for(story.survey.pk)]),
    }
    return paths[page]()


def _follow_up(story: Story, kind: str) -> FollowUp:
    # Fetched afresh with its case: the story's own case object holds its steps as they were first created.
    follow_ups = FollowUp.objects.select_related("case", "client__account_manager").filter(kind=kind)
    return follow_ups.filter(client=story.client).first() or follow_ups.get()


def _assert_shown_as_text(html: str, codes: str) -> None:
    assert [markup for markup in RAW_MARKUP if markup in html] == []
    assert [code for code in codes.split() if shown(code) not in html] == []
    assert TAIL in html  # the template syntax is shown, not run


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_payloads_as_text(story: Story, manager_browser: BrowserClient, page: str) -> None:
    response = manager_browser.get(_path(story, page))
    assert response.status_code == 200
    _assert_shown_as_text(response.content.decode(), PAGES[page])


def test_the_client_page_shows_a_script_in_the_email_address_as_text(
    story: Story, manager_browser: BrowserClient
) -> None:
    page = manager_browser.get(story.client.get_absolute_url()).content.decode()
    assert escape(EMAIL) in page
    assert EMAIL not in page


def test_a_reason_label_a_manager_types_is_text_in_the_confirmation_and_the_list(
    story: Story, manager_browser: BrowserClient
) -> None:
    form = {"key": "typed-payload", "label": payload("rt"), "category": "other", "description": payload("rv")}
    response = manager_browser.post(reverse("offboarding:reasons"), form, follow=True)
    assert escape(f"Reason “{payload('rt')}” added.") in response.content.decode()
    _assert_shown_as_text(response.content.decode(), "rt rl")


@pytest.mark.parametrize("kind", EMAILS)
def test_emails_escape_the_payloads_in_html_and_keep_them_literal_in_text(story: Story, kind: str) -> None:
    follow_up = _follow_up(story, kind)
    message = follow_up_message(follow_up, render_follow_up(follow_up))
    html = str(message.alternatives[0].content)  # type: ignore[attr-defined]
    _assert_shown_as_text(html, EMAILS[kind])
    for code in EMAILS[kind].split():
        assert f'<script>alert("{code}")</script>' in message.body  # plain text: shown as typed
    assert "&lt;" not in message.body


def _exported_row(browser: BrowserClient, url: str, column: str, value: str) -> dict[str, str]:
    """The download's row whose `column` holds `value`, once no cell of the file could run as a formula."""
    header, *rows = downloaded_rows(browser.get(url))
    assert [cell for row in [header, *rows] for cell in row if starts_like_formula(cell)] == []
    return next(cells for row in rows if (cells := dict(zip(header, row, strict=True)))[column] == value)


def test_the_client_export_neutralises_formulas_and_keeps_the_text(
    story: Story, manager_browser: BrowserClient
) -> None:
    row = _exported_row(manager_browser, reverse("clients:export"), "contact_email", EMAIL)
    assert row["company_name"] == "'" + payload("co")
    assert row["contact_name"] == "'" + payload("cn")
    assert row["contact_phone"] == "'" + short_payload("ph")
    assert row["segment"] == "'" + short_payload("sg")
    assert row["notes"] == "'" + payload("no")


def test_the_dashboard_export_neutralises_formulas_and_keeps_the_text(
    story: Story, manager_browser: BrowserClient
) -> None:
    row = _exported_row(manager_browser, reverse("feedback:export"), "Case", str(story.case.pk))
    assert row["Client"] == "'" + payload("co")
    assert row["Account manager"] == "'" + f"{payload('fn')} {payload('ln')}"
    assert row["Segment"] == "'" + short_payload("sg")
    assert row["Primary reason"] == "'" + payload("rl")
    assert row["Competitor"] == "'" + payload("cp")


def test_an_import_shows_the_cells_it_refuses_as_text(story: Story, manager_browser: BrowserClient) -> None:
    row = client_row("payload@import.example", account_manager=payload("am"), currency=short_payload("cu"))
    response = manager_browser.post(reverse("clients:import"), {"file": csv_upload([row])})
    assert "Nothing was imported" in response.content.decode()
    _assert_shown_as_text(response.content.decode(), "am")
