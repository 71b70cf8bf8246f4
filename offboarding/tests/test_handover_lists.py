"""Managers keep the handover list each segment's new cases start from."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.utils import timezone

from offboarding.models import HandoverList
from offboarding.services.handover_lists import (
    HandoverListEntry,
    handover_list_save,
    segment_list,
)
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory

pytestmark = pytest.mark.django_db


def keep(segment: str, items: list[tuple[str, int]], manager: User) -> None:
    entries = [HandoverListEntry(title, days) for title, days in items]
    handover_list_save(segment=segment, entries=entries, saved_by=manager, now=timezone.now())


def handover_of(segment: str, account_manager: User) -> list[tuple[str, date]]:
    client = ClientFactory.create(segment=segment, account_manager=account_manager)
    case = DepartureCaseFactory.create(
        client=client, notice_received_on=date(2026, 6, 1), planned_leave_date=date(2026, 6, 30)
    )
    return [(item.title, item.due_on) for item in case.handover_items.order_by("position")]


def test_a_new_case_of_a_segment_starts_from_that_segments_handover_list(manager: User, account_manager: User) -> None:
    keep("Payroll", [("Export the last payroll run", -3), ("Hand over the pension files", 14)], manager)
    assert handover_of("Payroll", account_manager) == [
        ("Export the last payroll run", date(2026, 6, 27)),
        ("Hand over the pension files", date(2026, 7, 14)),
    ]
    assert handover_of("Consulting", account_manager)[0] == ("Finish the work already promised", date(2026, 6, 23))


def test_a_segment_without_a_list_starts_from_the_list_for_every_segment(manager: User, account_manager: User) -> None:
    keep("", [("Archive the shared drive", 0)], manager)
    assert handover_of("Consulting", account_manager) == [("Archive the shared drive", date(2026, 6, 30))]
    assert segment_list("Consulting").own is False


def test_a_changed_list_leaves_the_cases_already_open_as_they_were(manager: User, account_manager: User) -> None:
    keep("Payroll", [("Export the last payroll run", -3)], manager)
    client = ClientFactory.create(segment="Payroll", account_manager=account_manager)
    case = DepartureCaseFactory.create(client=client)
    keep("Payroll", [("Something new", 0)], manager)
    assert list(case.handover_items.values_list("title", flat=True)) == ["Export the last payroll run"]


def test_an_item_twice_is_refused_and_changes_nothing(manager: User) -> None:
    keep("Payroll", [("Export the payroll", 0)], manager)
    with pytest.raises(ValidationError) as refused:
        keep("Payroll", [("Return the keys", 0), ("  return the KEYS ", 3)], manager)
    assert refused.value.messages == ["“return the KEYS” is on the list twice."]
    assert [entry.title for entry in segment_list("Payroll").entries] == ["Export the payroll"]


def test_the_page_edits_a_segments_list_and_goes_back_to_the_shared_one(
    manager_client: BrowserClient, account_manager: User
) -> None:
    ClientFactory.create(segment="Payroll", account_manager=account_manager)
    lists = manager_client.get("/cases/handover-lists/").content.decode()
    assert 'href="/cases/handover-lists/edit/?segment=Payroll"' in lists
    form = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-title": "Export the last payroll run",
        "form-0-days_from_leave_date": "-3",
        "form-1-title": "",
        "form-1-days_from_leave_date": "",
    }
    response = manager_client.post("/cases/handover-lists/edit/?segment=Payroll", form, follow=True)
    assert "New cases of Payroll start from this list." in response.content.decode()
    assert [(entry.title, entry.days_from_leave_date) for entry in segment_list("Payroll").entries] == [
        ("Export the last payroll run", -3)
    ]
    manager_client.post("/cases/handover-lists/reset/", {"segment": "Payroll"})
    assert not HandoverList.objects.filter(segment="Payroll").exists()
    assert segment_list("Payroll").shipped


def test_the_page_refuses_an_item_without_days_and_a_text_direction_trick(
    manager_client: BrowserClient, account_manager: User
) -> None:
    form = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-title": "Return the keys",
        "form-0-days_from_leave_date": "",
        "form-1-title": "Invoice \u202eevil",
        "form-1-days_from_leave_date": "2",
    }
    page = manager_client.post("/cases/handover-lists/edit/?segment=", form).content.decode()
    assert "Say how many days from the leave date it is due." in page
    form["form-0-days_from_leave_date"] = "0"
    page = manager_client.post("/cases/handover-lists/edit/?segment=", form).content.decode()
    assert "Remove the invisible text-direction characters" in page
    assert not HandoverList.objects.exists()


def test_an_unknown_segment_is_not_found_and_only_managers_keep_lists(
    manager_client: BrowserClient, am_client: BrowserClient
) -> None:
    assert manager_client.get("/cases/handover-lists/edit/?segment=Nowhere").status_code == 404
    assert am_client.get("/cases/handover-lists/").status_code == 403
    assert am_client.post("/cases/handover-lists/reset/", {"segment": ""}).status_code == 403
