from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count

from feedback.models import SurveyAnswer, UsedSurveyInvitation
from offboarding.models import DepartureCase, FollowUp
from offboarding.services.cases import STEP_MODELS


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
