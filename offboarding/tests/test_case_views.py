"""The case page and its forms, for both roles; another account manager's case is a 404."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from clients.roles import ACCOUNT_MANAGERS
from offboarding.forms.cases import ApologyForm, KeepInTouchForm, OfferForm, ProbeForm, StepSkipForm
from offboarding.models import (
    ApologyStep,
    ChurnReason,
    DepartureCase,
    FollowUp,
    KeepInTouchStep,
    OfferStep,
    ProbeStep,
)
from offboarding.services.cases import STEPS, case_mark_departed, step_complete, step_is_editable, step_skip
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart, step_values
from offboarding.tests.outbox_fixtures import departed_case
from offboarding.tests.pageforms import read_page

pytestmark = pytest.mark.django_db


def _case_posts(case: DepartureCase) -> list[tuple[str, dict[str, Any]]]:
    """Every POST the case page offers, with valid data."""
    item = case.handover_items.first()
    assert item is not None
    reason = ChurnReason.objects.get(key="price-budget-cuts")
    return [
        (reverse("offboarding:step_save", args=[case.pk, "probe"]), {"probe-primary_reason": reason.pk}),
        (reverse("offboarding:step_skip", args=[case.pk, "apology"]), {"skip-apology-reason": "Not needed"}),
        (
            reverse("offboarding:handover_add", args=[case.pk]),
            {"handover-title": "x", "handover-days_from_leave_date": 0},
        ),
        (reverse("offboarding:handover_done", args=[case.pk, item.pk]), {"done": "1"}),
        (reverse("offboarding:case_depart", args=[case.pk]), {}),
        (
            reverse("offboarding:case_edit", args=[case.pk]),
            {
                "notice_received_on": case.notice_received_on.isoformat(),
                "planned_leave_date": case.planned_leave_date.isoformat(),
                "how_heard": "call",
            },
        ),
    ]


def _step_forms(text: str, path: str) -> list[str]:
    """The actions of the step forms (save or skip) a page offers."""
    return [form.action for form in read_page(text, path).forms if "/steps/" in form.action]


def test_the_case_page_leads_with_the_first_step_and_shows_the_others_in_one_line(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    response = am_client.get(own_case.get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "Alder Foods is leaving" in text
    assert "0 of 6 closed" in text
    assert "Step 1 of 6: Probe" in text
    assert "The client owes us no explanation" in text  # the probe's guidance, in focus
    # The steps ahead: their title, what they are for, and a link to their own page; not their guidance or form.
    assert "Finish the work already promised" not in text
    assert "Finish what was promised and hand over everything they need." in text
    assert f'href="{reverse("offboarding:step_save", args=[own_case.pk, "keep_in_touch"])}#step-keep_in_touch"' in text
    probe = reverse("offboarding:step_save", args=[own_case.pk, "probe"])
    assert _step_forms(text, own_case.get_absolute_url()) == [probe, f"{probe}skip/"]
    assert "Departure logged" in text
    assert "Amelia Hart" in text


def test_a_steps_own_page_opens_that_step_alone(am_client: BrowserClient, own_case: DepartureCase) -> None:
    url = reverse("offboarding:step_save", args=[own_case.pk, "transition"])
    response = am_client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Step 4 of 6: Transition" in text
    assert "Finish the work already promised" in text
    assert "Send the final invoice" in text  # its handover list
    assert _step_forms(text, url) == [url, f"{url}skip/"]
    assert "The client owes us no explanation" not in text
    assert "Learn the real reason they leave" in text  # the probe, still ahead, in one line


def test_saving_a_step_moves_on_to_the_next_open_step_and_says_what_was_saved(
    am_client: BrowserClient, own_case: DepartureCase, account_manager: Any
) -> None:
    step_complete(case=own_case, step="thanks", actor=account_manager, values=step_values("thanks"))
    response = am_client.post(
        reverse("offboarding:step_save", args=[own_case.pk, "transition"]),
        {"transition-notes": "Files to their new agency by Friday."},
    )
    # The next open step after this one: the thank-you is done already, so keeping in touch.
    assert response["Location"] == reverse("offboarding:step_save", args=[own_case.pk, "keep_in_touch"]) + (
        "#step-keep_in_touch"
    )
    text = am_client.get(response["Location"]).content.decode()
    assert "Transition: saved. Next: Keep in touch." in text
    assert "Step 6 of 6: Keep in touch" in text
    assert "Files to their new agency by Friday." in text  # the transition's summary


def test_after_the_last_step_the_next_open_one_is_the_first_still_to_do(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    response = am_client.post(
        reverse("offboarding:step_skip", args=[own_case.pk, "keep_in_touch"]),
        {"skip-keep_in_touch-reason": "They asked us not to."},
    )
    assert response["Location"] == reverse("offboarding:step_save", args=[own_case.pk, "probe"]) + "#step-probe"


def test_when_every_step_is_closed_the_page_says_the_case_is_ready(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    ready_to_depart(own_case)
    am_client.post(reverse("offboarding:step_skip", args=[own_case.pk, "apology"]), {"skip-apology-reason": "No."})
    response = am_client.post(
        reverse("offboarding:step_skip", args=[own_case.pk, "offer"]), {"skip-offer-reason": "Not worth it."}
    )
    assert response["Location"] == f"{own_case.get_absolute_url()}#checklist"
    text = am_client.get(response["Location"]).content.decode()
    assert "Offer a fix: skipped." in text
    assert "Every step is closed: the case is ready to be marked as departed." in text
    assert _step_forms(text, own_case.get_absolute_url()) == []
    assert "Mark as departed" in text


def test_the_probe_reasons_are_one_list_grouped_by_category(am_client: BrowserClient, own_case: DepartureCase) -> None:
    text = am_client.get(own_case.get_absolute_url()).content.decode()
    select = re.search(r'<select name="probe-contributing_reasons".*?</select>', text, re.S)
    assert select is not None, "no list of contributing reasons"
    assert "multiple" in select.group()
    assert 'type="checkbox"' not in text
    groups = re.findall(r'<optgroup label="([^"]+)">', select.group())
    assert groups[:2] == ["Price", "Service problems"]
    price = re.search(r'<optgroup label="Price">(.*?)</optgroup>', select.group(), re.S)
    assert price is not None
    assert "Budget cuts" in price.group(1)
    assert "Budget cuts" not in select.group().split('<optgroup label="Service problems">')[1]


def test_chosen_contributing_reasons_stay_chosen_when_the_probe_is_edited(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    cheaper = ChurnReason.objects.get(key="price-cheaper-elsewhere")
    budget = ChurnReason.objects.get(key="price-budget-cuts")
    url = reverse("offboarding:step_save", args=[own_case.pk, "probe"])
    am_client.post(url, {"probe-primary_reason": budget.pk, "probe-contributing_reasons": [cheaper.pk]})
    assert list(ProbeStep.objects.get(case=own_case).contributing_reasons.all()) == [cheaper]
    text = am_client.get(url).content.decode()
    assert re.search(rf'<option value="{cheaper.pk}" selected>', text)
    assert "Save changes" in text


def test_another_account_managers_case_is_a_404_for_reading_and_every_post(
    am_client: BrowserClient, others_case: DepartureCase
) -> None:
    assert am_client.get(others_case.get_absolute_url()).status_code == 404
    assert am_client.get(reverse("offboarding:case_edit", args=[others_case.pk])).status_code == 404
    for step in STEPS:
        assert am_client.get(reverse("offboarding:step_save", args=[others_case.pk, step])).status_code == 404, step
    for url, data in _case_posts(others_case):
        assert am_client.post(url, data).status_code == 404, url
    others_case.refresh_from_db()
    assert others_case.status == DepartureCase.Status.OPEN
    assert others_case.events.count() == 1


def test_a_manager_works_on_anyones_case(manager_client: BrowserClient, others_case: DepartureCase) -> None:
    assert manager_client.get(others_case.get_absolute_url()).status_code == 200
    for url, data in _case_posts(others_case):
        assert manager_client.post(url, data).status_code in (302, 200), url
    others_case.probe.refresh_from_db()
    assert others_case.probe.status == "done"
    assert others_case.events.filter(actor__username="marta").exists()


def test_opening_a_case_from_the_client_page(am_client: BrowserClient, own_client: Client) -> None:
    page = am_client.get(own_client.get_absolute_url())
    assert "Client is leaving" in page.content.decode()
    url = reverse("offboarding:case_open", args=[own_client.pk])
    assert am_client.get(url).status_code == 200
    response = am_client.post(
        url,
        {
            "notice_received_on": "2026-11-02",
            "planned_leave_date": "2026-12-31",
            "how_heard": "call",
            "first_notes": "Budget cut.",
        },
        follow=True,
    )
    case = DepartureCase.objects.get(client=own_client)
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    assert "Departure case opened" in response.content.decode()
    assert case.first_notes == "Budget cut."


def test_a_leave_date_before_the_notice_is_refused(am_client: BrowserClient, own_client: Client) -> None:
    response = am_client.post(
        reverse("offboarding:case_open", args=[own_client.pk]),
        {"notice_received_on": "2026-11-02", "planned_leave_date": "2026-10-01", "how_heard": "call"},
    )
    assert response.status_code == 200
    assert "cannot be before the notice" in response.content.decode()
    assert not DepartureCase.objects.exists()


@pytest.mark.parametrize(("notice", "leave"), [("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")])
def test_dates_outside_1900_to_2199_are_refused_on_the_page(
    am_client: BrowserClient, own_client: Client, notice: str, leave: str
) -> None:
    # The handover list is due a week either side of the leave date: past the calendar's ends, the date
    # arithmetic used to fail with a server error.
    response = am_client.post(
        reverse("offboarding:case_open", args=[own_client.pk]),
        {"notice_received_on": notice, "planned_leave_date": leave, "how_heard": "call"},
    )
    assert response.status_code == 200
    assert response.content.decode().count("Enter a date between 1900 and 2199.") == 2
    assert not DepartureCase.objects.exists()


def test_opening_a_second_case_leads_to_the_open_one(am_client: BrowserClient, own_case: DepartureCase) -> None:
    response = am_client.get(reverse("offboarding:case_open", args=[own_case.client.pk]), follow=True)
    assert response.redirect_chain[-1][0] == own_case.get_absolute_url()
    assert "already has an open departure case" in response.content.decode()
    assert DepartureCase.objects.count() == 1


def test_the_way_to_the_open_case_is_told_in_the_readers_language(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    url = reverse("offboarding:case_open", args=[own_case.client.pk])
    page = am_client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "hat bereits einen offenen Abgangsfall: hier geht es damit weiter." in page
    assert "already has an open departure case" not in page


def test_the_open_case_form_of_a_departed_client_opens_nothing(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    case_mark_departed(case=ready_to_depart(own_case), actor=own_case.client.account_manager)
    url = reverse("offboarding:case_open", args=[own_case.client.pk])
    data = {"notice_received_on": "2026-11-02", "planned_leave_date": "2026-12-31", "how_heard": "call"}
    for response in (am_client.get(url, follow=True), am_client.post(url, data, follow=True)):
        assert response.redirect_chain[-1][0] == own_case.client.get_absolute_url()
        assert "has left" in response.content.decode()
    own_case.client.refresh_from_db()
    assert own_case.client.status == Client.Status.DEPARTED
    assert DepartureCase.objects.filter(client=own_case.client).count() == 1


def test_another_account_managers_client_cannot_get_a_case(am_client: BrowserClient, others_client: Client) -> None:
    url = reverse("offboarding:case_open", args=[others_client.pk])
    assert am_client.get(url).status_code == 404
    data = {"notice_received_on": "2026-11-02", "planned_leave_date": "2026-12-31", "how_heard": "call"}
    assert am_client.post(url, data).status_code == 404
    assert not DepartureCase.objects.exists()


def test_a_step_form_saves_and_shows_who_completed_it(am_client: BrowserClient, own_case: DepartureCase) -> None:
    reason = ChurnReason.objects.get(key="service-quality")
    response = am_client.post(
        reverse("offboarding:step_save", args=[own_case.pk, "probe"]),
        {
            "probe-primary_reason": reason.pk,
            "probe-client_words": "Too many missed deadlines.",
            "probe-worth_saving": "yes",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == (
        reverse("offboarding:step_save", args=[own_case.pk, "apology"]) + "#step-apology"
    )
    text = response.content.decode()
    assert "Probe: saved. Next: Apologise." in text
    assert "1 of 6 closed" in text
    assert "Done by Amelia Hart" in text
    assert "Too many missed deadlines." in text
    assert "Step 2 of 6: Apologise" in text


def test_the_case_page_names_each_person_who_closed_a_step(
    am_client: BrowserClient, own_case: DepartureCase, manager: User, account_manager: User
) -> None:
    step_complete(case=own_case, step="probe", actor=manager, values=step_values("probe"))
    step_complete(case=own_case, step="apology", actor=account_manager, values=step_values("apology"))
    text = am_client.get(own_case.get_absolute_url()).content.decode()
    steps = dict(re.findall(r'id="step-(\w+)"(.*?)(?=id="step-\w+"|$)', text, flags=re.S))
    assert "Done by Marta Lindqvist" in steps["probe"]
    assert "Done by Amelia Hart" in steps["apology"]
    assert "Done by" not in steps["offer"]


def test_a_step_without_its_required_answer_shows_the_error_and_changes_nothing(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    response = am_client.post(
        reverse("offboarding:step_save", args=[own_case.pk, "offer"]), {"offer-offer_made": "yes"}
    )
    assert response.status_code == 400
    assert "Describe the offer." in response.content.decode()
    own_case.offer.refresh_from_db()
    assert own_case.offer.status == "pending"


def test_retired_reasons_leave_the_probe_form(am_client: BrowserClient, own_case: DepartureCase) -> None:
    ChurnReason.objects.filter(key="moved-in-house").update(retired_at="2026-01-01T00:00Z")
    text = am_client.get(own_case.get_absolute_url()).content.decode()
    assert "Moved the work in-house" not in text
    assert "Budget cuts" in text


def test_skipping_without_a_reason_is_refused(am_client: BrowserClient, own_case: DepartureCase) -> None:
    response = am_client.post(
        reverse("offboarding:step_skip", args=[own_case.pk, "apology"]), {"skip-apology-reason": "  "}
    )
    assert response.status_code == 400
    assert "Say why this step is skipped." in response.content.decode()
    own_case.apology.refresh_from_db()
    assert own_case.apology.status == "pending"


def test_skipping_with_a_reason_shows_it(am_client: BrowserClient, own_case: DepartureCase) -> None:
    response = am_client.post(
        reverse("offboarding:step_skip", args=[own_case.pk, "apology"]),
        {"skip-apology-reason": "Nothing went wrong on our side."},
        follow=True,
    )
    assert "Reason for skipping:</strong> Nothing went wrong on our side." in response.content.decode()


def test_an_accepted_offer_closes_the_case_as_saved(am_client: BrowserClient, own_case: DepartureCase) -> None:
    response = am_client.post(
        reverse("offboarding:step_save", args=[own_case.pk, "offer"]),
        {
            "offer-offer_made": "yes",
            "offer-offer_type": "price_change",
            "offer-details": "10% off for a year",
            "offer-answer": "accepted",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "The offer was accepted" in text
    # A saved case has nothing left to do: no step is in focus and no step form is offered.
    assert "Nothing on this checklist is left to do: what each step recorded is below." in text
    assert _step_forms(text, own_case.get_absolute_url()) == []
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.SAVED
    assert Client.objects.get(pk=own_case.client.pk).status == Client.Status.ACTIVE


def test_the_offer_step_summary_shows_its_effect_in_the_cases_currency(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    DepartureCase.objects.filter(pk=own_case.pk).update(currency="GBP")
    am_client.post(
        reverse("offboarding:step_save", args=[own_case.pk, "offer"]),
        {
            "offer-offer_made": "yes",
            "offer-offer_type": "price_change",
            "offer-details": "A discount for a year",
            "offer-monthly_value_effect": "-1300",
            "offer-answer": "declined",
        },
    )
    text = am_client.get(own_case.get_absolute_url()).content.decode()
    assert re.search(r"Effect on monthly value</dt>\s*<dd[^>]*>-1,300.00 GBP</dd>", text), (
        "the effect without its currency"
    )


def test_marking_departed_too_early_names_the_open_steps(am_client: BrowserClient, own_case: DepartureCase) -> None:
    response = am_client.post(reverse("offboarding:case_depart", args=[own_case.pk]), follow=True)
    assert "complete or skip (with a reason): Probe, Transition, Thank, Keep in touch." in response.content.decode()
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.OPEN


def test_marking_departed_when_ready(am_client: BrowserClient, own_case: DepartureCase) -> None:
    ready_to_depart(own_case)
    response = am_client.post(reverse("offboarding:case_depart", args=[own_case.pk]), follow=True)
    assert "is marked as departed" in response.content.decode()
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.DEPARTED


DECLINED = "The client would rather we did not keep in touch. Change their answer at the keep-in-touch step first."
NOT_AGREED = "The client has not agreed that we keep in touch. Record their consent at the keep-in-touch step first."


@pytest.mark.parametrize(
    ("consent", "kind", "message"),
    [(False, "check_in", DECLINED), (False, "win_back", DECLINED), (None, "check_in", NOT_AGREED)],
)
def test_an_email_the_client_did_not_agree_to_cannot_be_added_by_hand(
    am_client: BrowserClient, own_client: Client, consent: bool | None, kind: str, message: str
) -> None:
    case = departed_case(client=own_client, leave_date=date(2026, 3, 11), consent=consent)
    add_url = reverse("outbox:add", args=[case.pk])
    assert f'href="{add_url}"' in am_client.get(case.get_absolute_url()).content.decode()
    response = am_client.post(add_url, {"kind": kind, "due_at": "2030-01-08T11:00", "note": "Say hello"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FollowUp.objects.filter(case=case).exists()
    assert not case.events.filter(verb="follow_up_added").exists()


def test_handover_items_are_ticked_and_added_in_the_browser(am_client: BrowserClient, own_case: DepartureCase) -> None:
    item = own_case.handover_items.get(title="Send the final invoice")
    am_client.post(reverse("offboarding:handover_done", args=[own_case.pk, item.pk]), {"done": "1"})
    item.refresh_from_db()
    assert item.done_at is not None
    response = am_client.post(
        reverse("offboarding:handover_add", args=[own_case.pk]),
        {"handover-title": "Transfer the domain", "handover-days_from_leave_date": "-2"},
        follow=True,
    )
    assert "Transfer the domain" in response.content.decode()
    added = own_case.handover_items.get(title="Transfer the domain")
    assert added.due_on == own_case.planned_leave_date - timedelta(days=2)


def test_adding_a_handover_item_twice_says_it_is_there_already(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    url = reverse("offboarding:handover_add", args=[own_case.pk])
    am_client.post(url, {"handover-title": "Transfer the domain", "handover-days_from_leave_date": "0"})
    response = am_client.post(url, {"handover-title": " transfer the Domain", "handover-days_from_leave_date": "2"})
    assert response.status_code == 400
    assert "is already on the handover list" in response.content.decode()
    assert own_case.handover_items.filter(title__iexact="transfer the domain").count() == 1


# Self-sufficient on purpose, as transactional tests are: the flush after it empties every table.
@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_adds_of_one_handover_item_add_it_once() -> None:
    # In the group: a signed-in person without a role is refused every page.
    case = DepartureCaseFactory.create(client__account_manager__role=ACCOUNT_MANAGERS)
    browsers = [BrowserClient() for _ in range(4)]
    for browser in browsers:
        browser.force_login(case.client.account_manager)
    url = reverse("offboarding:handover_add", args=[case.pk])
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def add(browser: BrowserClient) -> None:
        try:
            barrier.wait()
            response = browser.post(
                url, {"handover-title": "Transfer the domain", "handover-days_from_leave_date": "0"}
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 400, 400, 400]
    assert case.handover_items.filter(title="Transfer the domain").count() == 1


def test_a_handover_item_title_with_text_direction_controls_is_refused(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    before = own_case.handover_items.count()
    response = am_client.post(
        reverse("offboarding:handover_add", args=[own_case.pk]),
        {"handover-title": "Transfer the \u202eniamod", "handover-days_from_leave_date": "0"},
    )
    assert response.status_code == 400
    assert "Remove the invisible text-direction characters" in response.content.decode()
    assert own_case.handover_items.count() == before


def test_changing_the_leave_date_in_the_browser_moves_open_items(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    new_leave = own_case.planned_leave_date + timedelta(days=10)
    response = am_client.post(
        reverse("offboarding:case_edit", args=[own_case.pk]),
        {
            "notice_received_on": own_case.notice_received_on.isoformat(),
            "planned_leave_date": new_leave.isoformat(),
            "how_heard": "call",
            "first_notes": "",
        },
    )
    assert response.status_code == 302
    assert own_case.handover_items.get(title="Send the final invoice").due_on == new_leave + timedelta(days=7)


def test_a_departed_cases_probe_is_shown_read_only(am_client: BrowserClient, own_case: DepartureCase) -> None:
    case_mark_departed(case=ready_to_depart(own_case), actor=own_case.client.account_manager)
    text = am_client.get(own_case.get_absolute_url()).content.decode()
    assert reverse("offboarding:step_save", args=[own_case.pk, "probe"]) not in text
    assert reverse("offboarding:step_save", args=[own_case.pk, "thanks"]) in text
    assert "Mark as departed" not in text
    # Its own page, asked for directly, shows what was recorded and no form.
    probe_url = reverse("offboarding:step_save", args=[own_case.pk, "probe"])
    probe_page = am_client.get(probe_url).content.decode()
    assert "This case is departed: this step can no longer be changed." in probe_page
    assert "The board cut every supplier budget by a third." in probe_page
    assert _step_forms(probe_page, probe_url) == []


def test_an_unknown_step_is_a_404(am_client: BrowserClient, own_case: DepartureCase) -> None:
    assert am_client.post(reverse("offboarding:step_save", args=[own_case.pk, "gossip"])).status_code == 404
    assert am_client.get(reverse("offboarding:step_save", args=[own_case.pk, "gossip"])).status_code == 404


def _query_count(browser: BrowserClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url).status_code == 200
    return len(queries)


def _add_rows(case: DepartureCase, count: int) -> None:
    first = case.handover_items.count()
    for number in range(first, first + count):
        case.handover_items.create(title=f"Item {number}", due_on=case.planned_leave_date)
        case.events.create(client=case.client, verb="note", summary=f"Note {number}")


def test_the_case_page_query_count_does_not_grow_with_items_and_events(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    ready_to_depart(own_case)
    _add_rows(own_case, 3)
    pages = [own_case.get_absolute_url(), reverse("offboarding:step_save", args=[own_case.pk, "transition"])]
    few = [_query_count(am_client, url) for url in pages]
    _add_rows(own_case, 27)
    many = [_query_count(am_client, url) for url in pages]
    assert few == many
    assert max(many) <= 20


def test_the_leave_date_constraints_message_shows_next_to_the_leave_date(
    am_client: BrowserClient, own_client: Client
) -> None:
    response = am_client.post(
        reverse("offboarding:case_open", args=[own_client.pk]),
        {"notice_received_on": "2026-11-10", "planned_leave_date": "2026-11-09", "how_heard": "call"},
    )
    field_error = re.search(r'id="id_planned_leave_date_error".*?</div>', response.content.decode(), re.S)
    assert field_error is not None
    assert "The leave date cannot be before the notice was received." in field_error.group()
    assert not DepartureCase.objects.exists()


def test_the_step_forms_leave_every_step_rule_to_the_service() -> None:
    # Each of these is refused by step_complete or step_skip, in their words, next to the field.
    empty_forms = [
        ProbeForm({"probe-client_words": "They did not say."}, instance=ProbeStep(), prefix="probe"),
        ApologyForm({}, instance=ApologyStep(), prefix="apology"),
        OfferForm({}, instance=OfferStep(), prefix="offer"),
        KeepInTouchForm({}, instance=KeepInTouchStep(), prefix="keep_in_touch"),
        StepSkipForm({"skip-probe-reason": "  "}, step="probe"),
    ]
    assert [form.errors for form in empty_forms] == [{}] * len(empty_forms)


@pytest.mark.parametrize(
    ("step", "data", "field", "message"),
    [
        ("probe", {"probe-client_words": "They did not say."}, "primary_reason", "Choose the main reason"),
        ("apology", {"apology-what_we_said": "Sorry."}, "fell_short", "Say whether we fell short."),
        ("offer", {}, "offer_made", "Record whether an offer was made."),
    ],
)
def test_a_step_the_service_refuses_shows_its_reason_next_to_the_field(
    am_client: BrowserClient, own_case: DepartureCase, step: str, data: dict[str, str], field: str, message: str
) -> None:
    response = am_client.post(reverse("offboarding:step_save", args=[own_case.pk, step]), data)
    assert response.status_code == 400
    field_error = re.search(rf'id="id_{step}-{field}_error".*?</div>', response.content.decode(), re.S)
    assert field_error is not None, f"no error next to {field}"
    assert message in field_error.group()
    assert getattr(own_case, step).__class__.objects.get(case=own_case).status == "pending"


def test_a_case_page_offers_a_step_form_exactly_where_the_service_takes_it(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    ready_to_depart(own_case)
    case_mark_departed(case=own_case, actor=own_case.client.account_manager)
    own_case.refresh_from_db()
    text = am_client.get(own_case.get_absolute_url()).content.decode()
    for step in STEPS:
        url = reverse("offboarding:step_save", args=[own_case.pk, step])
        assert (url in text) == step_is_editable(own_case, step), step
        assert (_step_forms(am_client.get(url).content.decode(), url) != []) == step_is_editable(own_case, step), step


def test_each_step_shows_whether_it_is_done_skipped_or_still_to_do_as_a_coloured_badge(
    am_client: BrowserClient, own_case: DepartureCase, account_manager: User
) -> None:
    step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    step_skip(case=own_case, step="apology", actor=account_manager, reason="They asked us not to.")
    text = am_client.get(own_case.get_absolute_url()).content.decode()
    badges = {
        slug: re.search(r'<span class="badge ([\w -]+)">([^<]+)</span>', text.split(f'id="step-{slug}"')[1])
        for slug in STEPS
    }
    assert {slug: match.groups() for slug, match in badges.items() if match} == {
        "probe": ("text-bg-success", "Done"),
        "apology": ("text-bg-secondary", "Skipped"),
        "offer": ("text-bg-light border", "To do"),
        "transition": ("text-bg-light border", "To do"),
        "thanks": ("text-bg-light border", "To do"),
        "keep_in_touch": ("text-bg-light border", "To do"),
    }
