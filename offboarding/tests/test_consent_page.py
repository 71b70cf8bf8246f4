"""The client page's keep-in-touch answer, and the step that reads it (what each writer's "no" does: feedback/tests)."""

from __future__ import annotations

import re

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.models import Client
from offboarding.models import CaseEvent, DepartureCase
from offboarding.outbox.services import follow_up_allowed
from offboarding.services.cases import step_complete
from offboarding.tests.factories import step_values

pytestmark = pytest.mark.django_db


def _checked(html: str, name: str) -> list[str]:
    """The values of the checked radio buttons whose name ends with `name` (a step's form prefixes it)."""
    inputs = re.findall(rf'<input type="radio"[^>]*name="[^"]*{name}"[^>]*>', html)
    return [re.findall(r'value="([^"]*)"', tag)[0] for tag in inputs if re.search(r"\schecked\b", tag)]


def _url(client: Client) -> str:
    return reverse("offboarding:client_keep_in_touch", args=[client.pk])


def test_the_client_page_shows_the_answer_and_changes_it(am_client: BrowserClient, own_client: Client) -> None:
    page = am_client.get(own_client.get_absolute_url()).content.decode()
    assert "May we keep in touch after they leave?" in page
    assert _checked(page, "keep_in_touch") == ["not_asked"]

    response = am_client.post(_url(own_client), {"keep_in_touch": "yes"}, follow=True)

    assert "Keep-in-touch consent saved: yes." in response.content.decode()
    own_client.refresh_from_db()
    assert (own_client.keep_in_touch, own_client.keep_in_touch_changed_by) == ("yes", "client_form")
    event = CaseEvent.objects.get(client=own_client, verb="keep_in_touch_changed")
    assert event.changes == [("Keep-in-touch consent", "Not asked", "Yes")]


def test_the_same_answer_again_changes_nothing(am_client: BrowserClient, own_client: Client) -> None:
    response = am_client.post(_url(own_client), {"keep_in_touch": "not_asked"}, follow=True)
    assert "Nothing changed: the answer was already not asked." in response.content.decode()
    assert not CaseEvent.objects.filter(verb="keep_in_touch_changed").exists()


def test_an_answer_that_is_no_choice_is_refused_and_changes_nothing(
    am_client: BrowserClient, own_client: Client
) -> None:
    response = am_client.post(_url(own_client), {"keep_in_touch": "maybe"}, follow=True)
    assert "Choose yes, no or not asked." in response.content.decode()
    own_client.refresh_from_db()
    assert own_client.keep_in_touch == "not_asked"


def test_another_account_managers_client_is_not_found(am_client: BrowserClient, others_client: Client) -> None:
    assert am_client.post(_url(others_client), {"keep_in_touch": "no"}).status_code == 404
    others_client.refresh_from_db()
    assert others_client.keep_in_touch == "not_asked"


def test_the_keep_in_touch_step_shows_the_clients_answer_as_it_is_now(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    owner = own_case.client.account_manager
    step_complete(case=own_case, step="keep_in_touch", actor=owner, values=step_values("keep_in_touch"))
    am_client.post(_url(own_case.client), {"keep_in_touch": "no"})

    page = am_client.get(own_case.get_absolute_url()).content.decode()

    summary = page.split('id="step-keep_in_touch"', 1)[1]
    assert (
        '<dt class="col-sm-4">Did the client agree that we stay in touch?</dt><dd class="col-sm-8 text-break">No</dd>'
        in summary
    )
    # The step's own form, opened to edit it, starts from that answer too.
    step_page = am_client.get(reverse("offboarding:step_save", args=[own_case.pk, "keep_in_touch"])).content.decode()
    assert _checked(step_page.split('id="step-keep_in_touch"', 1)[1].split("</section>", 1)[0], "consent") == ["no"]


@pytest.mark.parametrize(
    ("answer", "check_in", "win_back"),
    [("yes", True, True), ("not_asked", False, True), ("no", False, False)],
)
def test_a_check_in_needs_a_yes_and_a_win_back_note_goes_unless_no(answer: str, check_in: bool, win_back: bool) -> None:
    client = Client(keep_in_touch=answer)
    assert (follow_up_allowed("check_in", client=client), follow_up_allowed("win_back", client=client)) == (
        check_in,
        win_back,
    )
    assert follow_up_allowed("thank_you", client=client)
