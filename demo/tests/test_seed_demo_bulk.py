from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from clients.models import Client
from feedback.models import SurveyAnswer, UsedSurveyInvitation
from feedback.selectors.departures import headline_figures
from feedback.selectors.filters import DashboardFilter, default_period
from feedback.selectors.surveys import survey_figures
from offboarding.models import DepartureCase, FollowUp
from offboarding.services.cases import STEP_MODELS

# A client's status as their latest departure case leaves it; no case: active.
STATUS_AFTER: dict[str | None, str] = {
    None: Client.Status.ACTIVE,
    DepartureCase.Status.OPEN: Client.Status.DEPARTING,
    DepartureCase.Status.SAVED: Client.Status.ACTIVE,
    DepartureCase.Status.DEPARTED: Client.Status.DEPARTED,
    DepartureCase.Status.WON_BACK: Client.Status.RETURNED,
}


def _contradicting_clients() -> list[str]:
    wrong = []
    for client in Client.objects.prefetch_related("cases"):
        cases = sorted(client.cases.all(), key=lambda case: (case.notice_received_on, case.pk))
        if client.status != STATUS_AFTER[cases[-1].status if cases else None]:
            wrong.append(f"{client.company_name}: {client.status}, cases {[case.status for case in cases]}")
        if any(case.status == DepartureCase.Status.OPEN for case in cases[:-1]):
            wrong.append(f"{client.company_name}: an open case before a later one")
    return wrong


@pytest.mark.django_db
def test_bulk_seeding_adds_cases_with_all_six_steps_and_survey_answers() -> None:
    call_command("seed_demo", "--clients", "40", "--cases", "300")
    assert DepartureCase.objects.count() == 300
    for model in STEP_MODELS:
        assert model.objects.count() == 300, model.__name__
    assert DepartureCase.objects.values("status").distinct().count() == 4
    assert DepartureCase.objects.filter(probe__primary_reason__isnull=False).count() > 200
    assert DepartureCase.objects.filter(offer__offer_made=True).exists()
    # One open case per client at most, as the database demands.
    assert not DepartureCase.objects.filter(status="open").values("client").annotate(n=Count("pk")).filter(n__gt=1)
    answers = SurveyAnswer.objects.count()
    assert answers > 0
    assert UsedSurveyInvitation.objects.count() == answers
    assert FollowUp.objects.filter(kind="survey", status="sent").count() > answers
    assert SurveyAnswer.objects.filter(is_anonymous=True, case__isnull=False).count() == 0


@pytest.mark.django_db
def test_bulk_seeding_runs_again_without_clashing() -> None:
    call_command("seed_demo", "--clients", "5", "--cases", "20")
    call_command("seed_demo", "--clients", "5", "--cases", "20")
    assert DepartureCase.objects.count() == 40


@pytest.mark.django_db
def test_history_adds_closed_cases_years_back_and_leaves_the_last_two_years_alone() -> None:
    call_command("seed_demo", "--clients", "30", "--cases", "200")
    today = timezone.localdate()
    recent = DashboardFilter(*default_period(today))
    before = headline_figures(recent), survey_figures(recent)
    oldest = DepartureCase.objects.order_by("notice_received_on").first()
    assert oldest is not None

    call_command("seed_demo", "--history", "500")

    assert DepartureCase.objects.count() == 700
    history = DepartureCase.objects.filter(notice_received_on__lt=oldest.notice_received_on)
    assert history.count() == 500
    assert not history.filter(status=DepartureCase.Status.OPEN).exists()
    for model in STEP_MODELS:
        assert model.objects.filter(case__in=history).count() == 500, model.__name__
    # Every copy lies before the originals, so the twelve months the dashboard shows are unchanged...
    assert (headline_figures(recent), survey_figures(recent)) == before
    # ...while the years before hold departures, survey invitations and answers of their own.
    years_back = DashboardFilter(start=today - timedelta(days=365 * 12), end=oldest.notice_received_on)
    assert headline_figures(years_back).departures > 100
    assert survey_figures(years_back).invitations_sent > survey_figures(years_back).answers > 0


@pytest.mark.django_db
@pytest.mark.parametrize(("clients", "cases"), [(40, 300), (50, 20)])
def test_bulk_clients_have_the_status_their_latest_case_gives_them(clients: int, cases: int) -> None:
    call_command("seed_demo", "--clients", str(clients), "--cases", str(cases))
    assert _contradicting_clients() == []
    call_command("seed_demo", "--history", "200")
    assert _contradicting_clients() == []
