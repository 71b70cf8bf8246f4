"""The timeline on the case and client pages: what each event recorded, before and after, in words."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client as BrowserClient
from django.urls import reverse

from offboarding.models import CaseEvent, DepartureCase

pytestmark = pytest.mark.django_db


def page_text(browser: BrowserClient, url: str) -> str:
    """The page as a person reads it: 200, tags dropped, spaces collapsed."""
    response = browser.get(url)
    assert response.status_code == 200, url
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _move_leave_date(browser: BrowserClient, case: DepartureCase, days: int) -> None:
    response = browser.post(
        reverse("offboarding:case_edit", args=[case.pk]),
        {
            "notice_received_on": case.notice_received_on.isoformat(),
            "planned_leave_date": (case.planned_leave_date + timedelta(days=days)).isoformat(),
            "how_heard": case.how_heard,
            "first_notes": case.first_notes,
        },
    )
    assert response.status_code == 302


def test_a_moved_leave_date_keeps_the_case_and_client_pages_working_for_everyone(
    am_client: BrowserClient, manager_client: BrowserClient, own_case: DepartureCase
) -> None:
    _move_leave_date(am_client, own_case, 7)
    for browser in (am_client, manager_client):
        for url in (own_case.get_absolute_url(), own_case.client.get_absolute_url()):
            text = page_text(browser, url)
            assert "Notice details changed, 5 handover items moved to the new leave date" in text
            new_leave = own_case.planned_leave_date + timedelta(days=7)
            assert f"Planned leave date {own_case.planned_leave_date.isoformat()} → {new_leave.isoformat()}" in text


def test_a_status_change_reads_with_its_labels(am_client: BrowserClient, own_case: DepartureCase) -> None:
    for url in (own_case.get_absolute_url(), own_case.client.get_absolute_url()):
        text = page_text(am_client, url)
        assert "Client status Active → Departing" in text
        assert "active → departing" not in text


def test_stored_status_changes_read_with_their_labels() -> None:
    event = CaseEvent(
        verb="case_saved",
        details={
            "case_status": {"before": "open", "after": "saved"},
            "client_status": {"before": "departing", "after": "active"},
        },
    )
    assert event.changes == [("Case status", "Open", "Saved"), ("Client status", "Departing", "Active")]


def test_events_stored_with_the_moved_count_among_the_changes_show_again(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    # As case_update stored them before the count moved out of the changes.
    CaseEvent.objects.create(
        client=own_case.client,
        case=own_case,
        verb="case_updated",
        summary="Notice details changed",
        details={
            "changes": {
                "how_heard": {"label": "How we heard", "before": "Email", "after": "Phone call"},
                "handover_items_moved": 5,
            }
        },
    )
    migration = importlib.import_module("offboarding.migrations.0007_case_event_moved_count_out_of_changes")
    migration.move_count_out_of_changes(apps, None)
    event = own_case.events.get(summary="Notice details changed")
    assert event.details["handover_items_moved"] == 5
    for url in (own_case.get_absolute_url(), own_case.client.get_absolute_url()):
        assert "How we heard Email → Phone call" in page_text(am_client, url)
