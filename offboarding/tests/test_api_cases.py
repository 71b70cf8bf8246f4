"""Departure cases, follow-ups and reasons through the REST API, for both roles: the case page's rules and events."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from clients.tests.api_helpers import ApiCaller, results
from clients.tests.factories import ClientFactory
from offboarding.models import CaseEvent, DepartureCase, FollowUp
from offboarding.services.cases import case_mark_departed, step_complete
from offboarding.tests.db_snapshot import snapshot
from offboarding.tests.factories import DepartureCaseFactory, FollowUpFactory, ready_to_depart, step_values

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"


def _opening(client_id: int, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "client": client_id,
        "notice_received_on": "2026-03-02",
        "planned_leave_date": "2026-04-30",
        "how_heard": "call",
        "first_notes": "Moving the work in-house.",
    }
    body.update(changes)
    return body


def test_opening_a_case_through_the_api_records_the_event_the_page_records(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager, company_name="Alder Logistics")

    response = ApiCaller(account_manager).post(CASES, _opening(client.pk))

    assert response.status_code == 201, response.content
    case = DepartureCase.objects.get(pk=response.json()["id"])
    assert (case.client, case.planned_leave_date, case.opened_by) == (client, date(2026, 4, 30), account_manager)
    event = CaseEvent.objects.get(case=case)
    assert (event.verb, event.actor) == ("case_opened", account_manager)
    assert event.summary == "Departure logged: leaving on 30 Apr 2026"
    client.refresh_from_db()
    assert client.status == "departing"
    assert len(response.json()["handover_items"]) == 5


def test_a_case_cannot_be_opened_for_another_account_managers_client(
    account_manager: User, other_account_manager: User
) -> None:
    theirs = ClientFactory.create(account_manager=other_account_manager)
    api = ApiCaller(account_manager)
    api.get(CASES)
    before = snapshot()

    response = api.post(CASES, _opening(theirs.pk))

    assert response.status_code == 400
    assert set(response.json()) == {"client"}
    assert snapshot() == before


def test_a_refusal_of_the_service_is_a_400_in_its_words_and_changes_nothing(account_manager: User) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager)
    staying = ClientFactory.create(account_manager=account_manager)
    api = ApiCaller(account_manager)
    api.get(CASES)
    before = snapshot()

    second = api.post(CASES, _opening(case.client.pk))
    backwards = api.post(CASES, _opening(staying.pk, planned_leave_date="2026-01-01"))

    assert second.status_code == 400
    assert second.json() == {"non_field_errors": ["This client already has an open departure case."]}
    assert backwards.status_code == 400
    assert backwards.json() == {"planned_leave_date": ["The leave date cannot be before the notice was received."]}
    assert snapshot() == before


def test_bad_input_names_each_field(account_manager: User) -> None:
    response = ApiCaller(account_manager).post(
        CASES,
        {"client": "x", "notice_received_on": "3024-02-30", "planned_leave_date": "0001-01-01", "how_heard": "owl"},
    )

    assert response.status_code == 400
    assert set(response.json()) == {"client", "notice_received_on", "planned_leave_date", "how_heard"}


def test_a_case_reads_with_its_steps_and_offers(account_manager: User) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager)
    step_complete(case=case, step="probe", actor=account_manager, values=step_values("probe"))
    step_complete(case=case, step="offer", actor=account_manager, values=step_values("offer"))

    body = ApiCaller(account_manager).get(f"{CASES}{case.pk}/").json()

    assert body["steps"]["probe"]["status"] == "done"
    assert body["steps"]["probe"]["competitor"] == "Brightside Digital"
    assert body["steps"]["probe"]["completed_by"] == {"id": account_manager.pk, "name": "Amelia Hart"}
    assert body["steps"]["apology"]["status"] == "pending"
    assert body["offers"] == [
        {
            "offer_type": "price_change",
            "details": "15% off for twelve months.",
            "monthly_value_effect": None,
            "approved_by": None,
            "answer": "declined",
        }
    ]


def test_each_role_lists_the_cases_it_may_see_and_another_account_managers_case_is_a_404(
    account_manager: User, other_account_manager: User, manager: User
) -> None:
    mine = DepartureCaseFactory.create(client__account_manager=account_manager)
    theirs = DepartureCaseFactory.create(client__account_manager=other_account_manager)

    amelia = ApiCaller(account_manager)
    assert [row["id"] for row in results(amelia.get(CASES))] == [mine.pk]
    assert amelia.get(f"{CASES}{theirs.pk}/").status_code == 404
    managers = {row["id"] for row in results(ApiCaller(manager).get(CASES, {"status": "open"}))}
    assert managers == {mine.pk, theirs.pk}
    assert results(ApiCaller(manager).get(CASES, {"client": theirs.client.pk}))[0]["id"] == theirs.pk


def test_follow_ups_are_listed_without_their_bodies_and_only_ones_own(
    account_manager: User, other_account_manager: User
) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager)
    case_mark_departed(case=ready_to_depart(case), actor=account_manager)
    FollowUp.objects.filter(case=case).update(body_text="Your survey: http://testserver/feedback/survey/secret/")
    theirs = FollowUpFactory.create(client__account_manager=other_account_manager)
    api = ApiCaller(account_manager)

    listed = results(api.get("/api/v1/follow-ups/", {"page_size": 200}))

    assert {row["case"] for row in listed} == {case.pk}
    assert {row["kind"] for row in listed} >= {"thank_you", "survey", "check_in", "win_back", "staff_reminder"}
    assert "survey/secret" not in str(listed)
    assert [row["kind"] for row in results(api.get("/api/v1/follow-ups/", {"kind": "survey"}))] == ["survey"]
    assert api.get(f"/api/v1/follow-ups/{theirs.pk}/").status_code == 404


def test_the_reason_list_is_read_by_both_roles(account_manager: User, manager: User) -> None:
    keys = [row["key"] for row in results(ApiCaller(account_manager).get("/api/v1/reasons/", {"page_size": 200}))]

    assert "price-budget-cuts" in keys
    assert ApiCaller(manager).get("/api/v1/reasons/").status_code == 200
    assert ApiCaller(manager).post("/api/v1/reasons/", {"key": "x"}).status_code == 405


def test_the_schema_and_its_docs_page_are_served(am_client: object, account_manager: User) -> None:
    schema = ApiCaller(account_manager).get("/api/schema/", {"format": "json"})

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/clients/", "/api/v1/cases/{id}/", "/api/v1/dashboard/"} <= set(paths)
    docs = am_client.get("/api/docs/")  # type: ignore[attr-defined]
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_the_docs_page_sends_an_anonymous_visitor_to_sign_in(client: object) -> None:
    response = client.get("/api/docs/")  # type: ignore[attr-defined]
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dates_are_plain_iso_dates_and_times_have_their_offset(account_manager: User) -> None:
    case = DepartureCaseFactory.create(
        client__account_manager=account_manager, notice_received_on=timezone.localdate() - timedelta(days=1)
    )

    row = results(ApiCaller(account_manager).get(CASES))[0]

    assert row["notice_received_on"] == case.notice_received_on.isoformat()
    assert row["opened_at"].endswith("Z") or "+" in row["opened_at"]
