"""Recorded feedback, named survey answers and the dashboard's figures through the REST API, for both roles."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from clients.tests.api_helpers import ApiCaller, results
from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.selectors.departures import headline_figures
from feedback.selectors.filters import DashboardFilter
from feedback.tests.factories import make_case
from offboarding.models import DepartureCase
from offboarding.tests.factories import DepartureCaseFactory

pytestmark = pytest.mark.django_db


def _feedback(case: DepartureCase, owner: User, said: str) -> RecordedFeedback:
    return RecordedFeedback.objects.create(case=case, heard_on=date(2026, 2, 1), what_they_said=said, recorded_by=owner)


def test_recorded_feedback_is_read_only_by_who_may_see_its_case(
    account_manager: User, other_account_manager: User, manager: User
) -> None:
    mine = _feedback(DepartureCaseFactory.create(client__account_manager=account_manager), account_manager, "Too dear")
    theirs = _feedback(
        DepartureCaseFactory.create(client__account_manager=other_account_manager), other_account_manager, "Slow"
    )
    amelia = ApiCaller(account_manager)

    assert [row["what_they_said"] for row in results(amelia.get("/api/v1/feedback/"))] == ["Too dear"]
    assert amelia.get(f"/api/v1/feedback/{theirs.pk}/").status_code == 404
    assert amelia.get(f"/api/v1/feedback/{mine.pk}/").json()["recorded_by"]["name"] == "Amelia Hart"
    assert len(results(ApiCaller(manager).get("/api/v1/feedback/"))) == 2


def test_named_survey_answers_are_read_and_anonymous_ones_never(account_manager: User, manager: User) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager)
    month = timezone.localdate().replace(day=1)
    named = SurveyAnswer.objects.create(
        client=case.client, case=case, month=month, satisfaction=4, likelihood_to_return=8, did_well="Quick replies"
    )
    anonymous = SurveyAnswer.objects.create(
        is_anonymous=True, month=month, segment="Consulting", satisfaction=1, likelihood_to_return=0
    )

    for person in (account_manager, manager):
        api = ApiCaller(person, f"script of {person.username}")
        listed = results(api.get("/api/v1/survey-answers/"))
        assert [row["id"] for row in listed] == [str(named.pk)]
        assert listed[0]["did_well"] == "Quick replies"
        assert api.get(f"/api/v1/survey-answers/{anonymous.pk}/").status_code == 404


def test_the_dashboard_figures_are_the_dashboards_for_a_manager(manager: User, account_manager: User) -> None:
    with time_machine.travel("2026-06-15 12:00", tick=False):
        make_case(owner=account_manager, notice=date(2026, 2, 10), value="1200")
        make_case(
            owner=account_manager,
            notice=date(2026, 3, 10),
            value="800",
            status="saved",
            closed_on=date(2026, 3, 12),  # kept from 10 Jun
            offer_type="price_change",
        )
        make_case(owner=account_manager, notice=date(2024, 3, 10), value="5000")
        response = ApiCaller(manager).get("/api/v1/dashboard/", {"start": "2026-01-01", "end": "2026-06-15"})

    assert response.status_code == 200, response.content
    body = response.json()
    expected = headline_figures(DashboardFilter(start=date(2026, 1, 1), end=date(2026, 6, 15)))
    assert body["headline"]["departures"] == expected.departures == 1
    assert body["headline"]["revenue_lost"] == "1200.00"
    assert body["headline"]["offers_made"] == 1
    assert body["headline"]["save_rate"] == 1.0
    assert (body["headline"]["saves_kept"], body["headline"]["saves_watching"]) == (1, 0)
    assert body["currency"] == "EUR"
    assert [row["label"] for row in body["breakdowns"]["by_account_manager"]] == ["Amelia Hart"]


def test_the_dashboard_defaults_to_the_last_twelve_months_and_refuses_a_backwards_period(manager: User) -> None:
    api = ApiCaller(manager)
    with time_machine.travel("2026-06-15 12:00", tick=False):
        default = api.get("/api/v1/dashboard/").json()
        backwards = api.get("/api/v1/dashboard/", {"start": "2026-05-01", "end": "2026-01-01"})

    assert (default["start"], default["end"]) == ("2025-07-01", "2026-06-15")
    assert backwards.status_code == 400
    assert backwards.json() == {"end": ["The end of the period cannot be before its start."]}


def test_the_dashboard_is_for_managers_only(account_manager: User) -> None:
    response = ApiCaller(account_manager).get("/api/v1/dashboard/")

    assert response.status_code == 403
