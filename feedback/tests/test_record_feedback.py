from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import Client as BrowserClient
from django.urls import reverse

from feedback.forms import RecordedFeedbackForm
from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.services import feedback_record
from offboarding.models import CaseEvent, DepartureCase
from offboarding.tests.factories import DepartureCaseFactory


@pytest.fixture
def own_case(account_manager: User) -> DepartureCase:
    return DepartureCaseFactory.create(client__account_manager=account_manager, client__company_name="Alder Foods")


@pytest.fixture
def others_case(other_account_manager: User) -> DepartureCase:
    return DepartureCaseFactory.create(client__account_manager=other_account_manager)


FEEDBACK = {
    "heard_on": "2026-03-02",
    "channel": "call",
    "what_they_said": "The monthly reports came late three times.",
    "could_do_better": "Send reports on time.",
    "did_well": "Quick fixes.",
    "satisfaction": "3",
}


@time_machine.travel("2026-03-03 10:00 +00:00", tick=False)
def test_an_account_manager_records_feedback_heard_on_a_call(am_client: BrowserClient, own_case: DepartureCase) -> None:
    url = reverse("feedback:record", args=[own_case.pk])
    assert "Record feedback from Alder Foods" in am_client.get(url).content.decode()
    response = am_client.post(url, FEEDBACK)
    assert response.status_code == 302
    assert response["Location"] == own_case.get_absolute_url()
    feedback = RecordedFeedback.objects.get()
    assert (feedback.case, feedback.heard_on, feedback.satisfaction) == (own_case, date(2026, 3, 2), 3)
    assert CaseEvent.objects.filter(case=own_case, verb="feedback_recorded").exists()


@time_machine.travel("2026-03-03 10:00 +00:00", tick=False)
def test_feedback_dated_in_the_future_is_refused(am_client: BrowserClient, own_case: DepartureCase) -> None:
    response = am_client.post(reverse("feedback:record", args=[own_case.pk]), {**FEEDBACK, "heard_on": "2026-03-09"})
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.content.decode()
    assert not RecordedFeedback.objects.exists()


@time_machine.travel("2026-03-03 10:00 +00:00", tick=False)
def test_the_future_date_rule_is_the_services_and_shows_next_to_the_date(
    am_client: BrowserClient, own_case: DepartureCase, account_manager: User
) -> None:
    assert RecordedFeedbackForm({**FEEDBACK, "heard_on": "2026-03-09"}, today=date(2026, 3, 3)).is_valid()
    with pytest.raises(ValidationError) as refused:
        feedback_record(
            case=own_case, recorded_by=account_manager, heard_on=date(2026, 3, 9), channel="call", what_they_said="Hi"
        )
    assert refused.value.message_dict == {"heard_on": ["The date cannot be in the future."]}
    response = am_client.post(reverse("feedback:record", args=[own_case.pk]), {**FEEDBACK, "heard_on": "2026-03-09"})
    field_error = re.search(r'id="id_heard_on_error".*?</div>', response.content.decode(), re.S)
    assert field_error is not None
    assert "The date cannot be in the future." in field_error.group()
    assert not RecordedFeedback.objects.exists()


def test_another_account_managers_case_is_not_found(am_client: BrowserClient, others_case: DepartureCase) -> None:
    url = reverse("feedback:record", args=[others_case.pk])
    assert am_client.get(url).status_code == 404
    assert am_client.post(url, FEEDBACK).status_code == 404
    assert not RecordedFeedback.objects.exists()


def test_a_manager_may_record_feedback_on_any_case(manager_client: BrowserClient, others_case: DepartureCase) -> None:
    response = manager_client.post(
        reverse("feedback:record", args=[others_case.pk]), {**FEEDBACK, "heard_on": "2020-01-01"}
    )
    assert response.status_code == 302
    assert RecordedFeedback.objects.filter(case=others_case).exists()


def test_the_case_page_snippet_shows_named_answers_and_recorded_feedback_only(
    own_case: DepartureCase, account_manager: User
) -> None:
    RecordedFeedback.objects.create(
        case=own_case, heard_on=date(2026, 3, 2), what_they_said="Reports came late.", recorded_by=account_manager
    )
    SurveyAnswer.objects.create(
        case=own_case, client=own_case.client, month=date(2026, 3, 1), satisfaction=2, likelihood_to_return=4,
        could_do_better="Named: call back sooner.",
    )  # fmt: skip
    SurveyAnswer.objects.create(
        is_anonymous=True, month=date(2026, 3, 1), satisfaction=1, likelihood_to_return=0, could_do_better="Secret."
    )
    html = Template("{% load feedback_tags %}{% case_feedback case %}").render(Context({"case": own_case}))
    assert "Reports came late." in html
    assert "Named: call back sooner." in html
    assert "2 / 5" in html
    assert "Secret." not in html
    assert reverse("feedback:record", args=[own_case.pk]) in html
