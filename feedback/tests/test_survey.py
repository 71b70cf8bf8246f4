from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from feedback.models import SurveyAnswer, UsedSurveyInvitation
from feedback.services import SurveyClosed, SurveyResponse, survey_answer_submit
from feedback.services_erasure import client_erase
from feedback.tests.factories import survey_invitation
from offboarding.models import CaseEvent, ChurnReason, DepartureCase, FollowUp
from offboarding.outbox.services import follow_ups_plan_for_departure
from offboarding.outbox.survey_links import survey_token_for
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory
from offboarding.tests.outbox_fixtures import departed_case


@pytest.fixture
def case(account_manager: User) -> DepartureCase:
    return DepartureCaseFactory.create(client__account_manager=account_manager, client__keep_in_touch="not_asked")


@pytest.fixture
def invitation(case: DepartureCase) -> FollowUp:
    return survey_invitation(case)


@pytest.fixture
def departed(account_manager: User) -> DepartureCase:
    """A case closed as departed two days ago, the client having agreed to keep in touch; follow-ups planned."""
    client = ClientFactory.create(account_manager=account_manager)
    case = departed_case(client=client, leave_date=timezone.localdate() - timedelta(days=2), consent=True)
    follow_ups_plan_for_departure(case=case, actor=None, now=timezone.now())
    return case


def pending_kinds(case: DepartureCase) -> list[str]:
    pending = case.follow_ups.filter(status__in=FollowUp.PENDING_STATUSES)
    return sorted(pending.values_list("kind", flat=True))


def survey_url(follow_up: FollowUp) -> str:
    return reverse("feedback:survey", kwargs={"token": survey_token_for(follow_up.pk)})


def answers(**overrides: Any) -> dict[str, Any]:
    reasons = overrides.pop("reasons", None)
    if reasons is None:
        reasons = [ChurnReason.objects.get(key="price-cheaper-elsewhere").pk]
    return {
        "reasons": reasons,
        "satisfaction": "4",
        "could_do_better": "Answer the phone faster.",
        "did_well": "Friendly people.",
        "likelihood_to_return": "7",
        "may_keep_in_touch": "yes",
        **overrides,
    }


def test_the_survey_link_opens_the_questions_without_signing_in(client: BrowserClient, invitation: FollowUp) -> None:
    response = client.get(survey_url(invitation))
    assert response.status_code == 200
    page = response.content.decode()
    for question in ("What led you to leave?", "how satisfied", "done better", "do well", "work with us again"):
        assert question in page
    assert "Answer anonymously" in page


def test_an_identified_answer_is_stored_with_its_case_and_updates_consent(
    client: BrowserClient, invitation: FollowUp, case: DepartureCase
) -> None:
    response = client.post(survey_url(invitation), answers(), follow=True)
    # The thank-you page speaks the survey's language (the business's here: the client chose none).
    assert response.redirect_chain[-1][0] == reverse("feedback:survey_thanks") + "?lang=en-gb"
    assert "Thank you" in response.content.decode()
    answer = SurveyAnswer.objects.get()
    assert (answer.case, answer.client, answer.follow_up) == (case, case.client, invitation)
    assert answer.satisfaction == 4
    assert answer.likelihood_to_return == 7
    assert list(answer.reasons.values_list("key", flat=True)) == ["price-cheaper-elsewhere"]
    case.client.refresh_from_db()
    assert (case.client.keep_in_touch, case.client.keep_in_touch_changed_by) == ("yes", "survey")
    assert CaseEvent.objects.filter(case=case, verb="survey_answered").count() == 1


def test_an_identified_answer_shows_on_the_case_page_and_an_anonymous_one_does_not(
    client: BrowserClient, am_client: BrowserClient, invitation: FollowUp, case: DepartureCase
) -> None:
    client.post(survey_url(invitation), answers(could_do_better="Call back the same day."))
    page = am_client.get(case.get_absolute_url()).content.decode()
    assert "Call back the same day." in page

    second_case = DepartureCaseFactory.create(client__account_manager=case.client.account_manager)
    second_invitation = survey_invitation(second_case)
    client.post(survey_url(second_invitation), answers(could_do_better="Sharper reports.", anonymous="on"))
    assert SurveyAnswer.objects.get(could_do_better="Sharper reports.").is_anonymous
    assert "Sharper reports." not in am_client.get(second_case.get_absolute_url()).content.decode()


def test_an_anonymous_answer_keeps_only_month_and_segment(
    client: BrowserClient, invitation: FollowUp, case: DepartureCase
) -> None:
    client.post(survey_url(invitation), answers(anonymous="on", may_keep_in_touch="no"))
    answer = SurveyAnswer.objects.get()
    assert answer.is_anonymous
    assert (answer.client_id, answer.case_id, answer.follow_up_id, answer.submitted_at) == (None, None, None, None)
    assert answer.month == timezone.localdate().replace(day=1)
    assert answer.segment == "Consulting"
    # Nothing on the client or case tells that they answered, or what.
    assert not CaseEvent.objects.filter(verb="survey_answered").exists()
    case.client.refresh_from_db()
    assert case.client.keep_in_touch == "not_asked"
    # The used-link table holds a keyed hash only, nothing that joins to the answer.
    used = UsedSurveyInvitation.objects.get()
    assert len(used.invitation_hash) == 64
    assert used.invitation_hash != str(invitation.pk)
    assert {f.name for f in UsedSurveyInvitation._meta.get_fields()} == {"invitation_hash"}


def test_a_no_to_keeping_in_touch_cancels_the_planned_check_ins_and_win_back_note(
    client: BrowserClient, am_client: BrowserClient, departed: DepartureCase
) -> None:
    assert pending_kinds(departed).count(FollowUp.Kind.CHECK_IN) == 3
    client.post(survey_url(survey_invitation(departed)), answers(may_keep_in_touch="no"))
    assert pending_kinds(departed) == ["staff_reminder", "staff_reminder", "survey", "thank_you"]
    cancelled = departed.follow_ups.filter(status=FollowUp.Status.CANCELLED)
    assert sorted(cancelled.values_list("kind", flat=True)) == ["check_in"] * 3 + ["win_back"]
    assert set(cancelled.values_list("cancelled_reason", flat=True)) == {
        "The client would rather we did not keep in touch"
    }
    event = CaseEvent.objects.get(case=departed, verb="survey_answered")
    assert event.details["follow_ups_cancelled"] == 4
    summary = "would rather we did not keep in touch, 4 planned emails cancelled"
    assert summary in event.summary
    assert summary in am_client.get(departed.get_absolute_url()).content.decode()


def test_an_anonymous_no_to_keeping_in_touch_cancels_nothing_only_a_named_one_does(
    client: BrowserClient, departed: DepartureCase
) -> None:
    planned = pending_kinds(departed)
    assert planned.count(FollowUp.Kind.CHECK_IN) == 3
    client.post(survey_url(survey_invitation(departed)), answers(may_keep_in_touch="no", anonymous="on"))
    assert SurveyAnswer.objects.get().is_anonymous
    assert pending_kinds(departed) == planned
    # The same "no" with their name on it, through a second invitation, is acted on.
    client.post(survey_url(survey_invitation(departed)), answers(may_keep_in_touch="no"))
    assert FollowUp.Kind.CHECK_IN not in pending_kinds(departed)


def test_a_second_visit_to_a_used_link_says_it_was_answered(client: BrowserClient, invitation: FollowUp) -> None:
    client.post(survey_url(invitation), answers())
    for method in (client.get, client.post):
        response = method(survey_url(invitation), answers())
        assert response.status_code == 410
        assert "You have already answered" in response.content.decode()
    assert SurveyAnswer.objects.count() == 1


def test_an_anonymous_answer_also_uses_up_the_link(client: BrowserClient, invitation: FollowUp) -> None:
    client.post(survey_url(invitation), answers(anonymous="on"))
    response = client.post(survey_url(invitation), answers(anonymous="on"))
    assert response.status_code == 410
    assert SurveyAnswer.objects.count() == 1


def test_a_tampered_link_is_refused_kindly(client: BrowserClient, invitation: FollowUp) -> None:
    token = survey_token_for(invitation.pk)
    response = client.get(reverse("feedback:survey", kwargs={"token": token[:-2] + "xx"}))
    assert response.status_code == 400
    assert "This survey link does not work" in response.content.decode()


def test_a_link_to_a_follow_up_that_is_not_a_survey_is_not_found(client: BrowserClient, case: DepartureCase) -> None:
    other = FollowUp.objects.create(
        key="thanks-1",
        kind=FollowUp.Kind.THANK_YOU,
        client=case.client,
        case=case,
        recipient_email="x@example.com",
        due_at=timezone.now(),
    )
    response = client.get(survey_url(other))
    assert response.status_code == 404
    assert "We could not find this survey" in response.content.decode()


def test_the_link_works_for_thirty_days_then_closes(client: BrowserClient, invitation: FollowUp) -> None:
    url = survey_url(invitation)
    with time_machine.travel(timezone.now() + timedelta(days=29, hours=23)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        response = client.post(url, answers())
    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()
    assert not SurveyAnswer.objects.exists()


def test_missing_scores_are_asked_for_and_nothing_is_stored(client: BrowserClient, invitation: FollowUp) -> None:
    response = client.post(survey_url(invitation), answers(satisfaction="", likelihood_to_return=""))
    assert response.status_code == 200
    assert response.content.decode().count("Please choose a score.") == 2
    assert not SurveyAnswer.objects.exists()
    assert not UsedSurveyInvitation.objects.exists()


# Self-sufficient on purpose: a transactional test may run after another one has
# emptied the tables, so it relies on no migration data (roles, reasons).
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_submits_store_one_answer() -> None:
    case = DepartureCaseFactory.create()
    url = survey_url(survey_invitation(case))
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def submit(anonymous: bool) -> None:
        try:
            barrier.wait()
            response = BrowserClient().post(url, answers(reasons=[], **({"anonymous": "on"} if anonymous else {})))
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n % 2 == 0,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [410] * 9
    assert SurveyAnswer.objects.count() == 1
    assert UsedSurveyInvitation.objects.count() == 1


@pytest.fixture
def erased_after_invitation(departed: DepartureCase, manager: User) -> FollowUp:
    """The survey invitation of a client who asked to be erased after it reached them."""
    invitation = departed.follow_ups.get(kind=FollowUp.Kind.SURVEY)
    FollowUp.objects.filter(pk=invitation.pk).update(status=FollowUp.Status.SENT, sent_at=timezone.now())
    client_erase(client=departed.client, erased_by=manager, now=timezone.now())
    return invitation


def test_an_erased_clients_survey_link_has_closed_and_a_named_answer_stores_nothing(
    client: BrowserClient, erased_after_invitation: FollowUp, departed: DepartureCase
) -> None:
    url = survey_url(erased_after_invitation)
    opened = client.get(url)
    assert opened.status_code == 410
    assert "This survey has closed" in opened.content.decode()

    response = client.post(url, answers(could_do_better="Ring me, Rosa Birch.", may_keep_in_touch="yes"))

    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()
    assert not SurveyAnswer.objects.exists()
    assert not UsedSurveyInvitation.objects.exists()
    departed.client.refresh_from_db()
    assert (departed.client.keep_in_touch, departed.client.keep_in_touch_changed_by) == ("no", "erasure")
    assert not CaseEvent.objects.filter(verb="survey_answered").exists()


@pytest.mark.parametrize("anonymous", [False, True])
def test_the_survey_service_refuses_any_answer_to_an_erased_clients_invitation(
    anonymous: bool, erased_after_invitation: FollowUp
) -> None:
    response = SurveyResponse(
        reasons=[],
        satisfaction=2,
        could_do_better="Sooner replies.",
        did_well="",
        likelihood_to_return=5,
        may_keep_in_touch=True,
        anonymous=anonymous,
    )
    invitation = FollowUp.objects.select_related("client", "case").get(pk=erased_after_invitation.pk)

    with pytest.raises(SurveyClosed):
        survey_answer_submit(follow_up=invitation, response=response)

    assert not SurveyAnswer.objects.exists()
    assert not UsedSurveyInvitation.objects.exists()


def test_erasure_records_on_the_client_when_it_happened(
    erased_after_invitation: FollowUp, departed: DepartureCase
) -> None:
    client = Client.objects.get(pk=departed.client_id)
    assert client.is_erased
    assert client.erased_at is not None
    assert client.erased_at <= timezone.now()
    assert not ClientFactory.create().is_erased
