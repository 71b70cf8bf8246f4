"""Each person's private calendar feed: their follow-ups, reminders, leave dates and renewals, in their time zone."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from icalendar import Calendar

from clients.tests.factories import ClientFactory
from offboarding.models import FollowUp, KeepInTouchStep
from offboarding.services.cases import case_mark_departed
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _feed_url(browser: BrowserClient) -> str:
    browser.post("/settings/calendar/")
    match = re.search(r'id="feed-url"[^>]*value="http://testserver([^"]+)"', browser.get("/settings/").content.decode())
    assert match, "the calendar address is not on the settings page"
    return match.group(1)


def _calendar(path: str) -> Calendar:
    response = BrowserClient().get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _events(path: str) -> dict[str, object]:
    return {str(event["SUMMARY"]): event for event in _calendar(path).walk("VEVENT")}


@pytest.fixture
def amelias_book(account_manager: User, other_account_manager: User) -> dict[str, object]:
    with time_machine.travel("2026-06-01 09:30 +01:00", tick=False):
        leaving = DepartureCaseFactory.create(
            client__account_manager=account_manager,
            client__company_name="Alder Logistics",
            notice_received_on=date(2026, 5, 20),
            planned_leave_date=date(2026, 7, 31),
        )
        gone = DepartureCaseFactory.create(
            client__account_manager=account_manager,
            client__company_name="Birch Legal",
            notice_received_on=date(2026, 5, 1),
            planned_leave_date=date(2026, 6, 30),
        )
        ready_to_depart(gone)
        KeepInTouchStep.objects.filter(case=gone).update(new_contract_renewal_on=date(2027, 3, 1))
        case_mark_departed(case=gone, actor=account_manager)
        DepartureCaseFactory.create(
            client=ClientFactory.create(account_manager=other_account_manager, company_name="Jonas Own Client")
        )
    return {"leaving": leaving, "gone": gone}


def test_the_feed_holds_the_persons_follow_ups_leave_dates_and_renewals_in_their_time_zone(
    am_client: BrowserClient, amelias_book: dict[str, object]
) -> None:
    calendar = _calendar(_feed_url(am_client))
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}

    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    leave = events["Alder Logistics leaves"]
    assert leave.decoded("DTSTART") == date(2026, 7, 31)
    assert leave.decoded("DTEND") == date(2026, 8, 1)
    renewal = events["Birch Legal's new contract comes up for renewal: the moment a return is most likely"]
    assert renewal.decoded("DTSTART") == date(2027, 3, 1)
    thank_you = events["Thank-you email to Birch Legal goes out"]
    row = FollowUp.objects.get(case=amelias_book["gone"], kind="thank_you")  # type: ignore[misc]
    start = thank_you.decoded("DTSTART")
    assert isinstance(start, datetime)
    assert str(start.tzinfo) == "Europe/London"
    assert start == row.due_at
    assert thank_you["DTSTART"].params["TZID"] == "Europe/London"
    assert start.astimezone(LONDON).hour == 9  # the thank-you leaves at 09:00 on the leave date, London time
    assert "Call them: 90 days since they left: Birch Legal" in events
    assert str(leave["URL"]).startswith("http://testserver/cases/")


def test_another_persons_clients_never_appear_not_even_in_a_managers_feed(
    am_client: BrowserClient, other_am_client: BrowserClient, manager_client: BrowserClient, amelias_book: object
) -> None:
    amelias = " ".join(_events(_feed_url(am_client)))
    jonas = " ".join(_events(_feed_url(other_am_client)))
    martas = _events(_feed_url(manager_client))

    assert "Jonas Own Client" not in amelias
    assert "Alder Logistics" not in jonas
    assert "Birch Legal" not in jonas
    assert "Jonas Own Client leaves" in jonas
    assert martas == {}


def test_a_new_address_ends_the_old_one(am_client: BrowserClient, amelias_book: object) -> None:
    old = _feed_url(am_client)
    new = _feed_url(am_client)

    assert old != new
    assert BrowserClient().get(old).status_code == 404
    assert BrowserClient().get(new).status_code == 200


def test_the_feed_of_a_person_who_lost_their_role_is_gone(am_client: BrowserClient, account_manager: User) -> None:
    path = _feed_url(am_client)
    account_manager.groups.clear()

    assert BrowserClient().get(path).status_code == 404


def test_a_follow_up_moved_or_done_leaves_the_feed(am_client: BrowserClient, amelias_book: dict[str, object]) -> None:
    path = _feed_url(am_client)
    FollowUp.objects.filter(case=amelias_book["gone"]).exclude(kind="thank_you").update(status="cancelled")  # type: ignore[misc]

    summaries = set(_events(path))

    assert {summary for summary in summaries if "Birch Legal" in summary and "goes out" in summary} == {
        "Thank-you email to Birch Legal goes out"
    }
