"""Every kind of case event, produced by the real services, shows on the case and client pages.

Lives in `feedback`, the highest product app, because some events are written by its
services (a survey answer, recorded feedback, an erasure). The kinds come from
CaseEvent.Verb, which every writer goes through: a new kind fails here until the
story below produces it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.utils import timezone
from django.utils.html import escape

from clients.models import Client
from feedback.services import SurveyResponse, feedback_record, survey_answer_submit
from feedback.services_erasure import client_erase
from offboarding.models import CaseEvent, ChurnReason, DepartureCase, FollowUp
from offboarding.outbox import services as follow_up_services
from offboarding.services import cases as case_services
from offboarding.services import consent
from offboarding.tests.factories import (
    ClientFactory,
    DepartureCaseFactory,
    improvement_for,
    ready_to_depart,
    step_values,
)

pytestmark = pytest.mark.django_db


def _steps_and_handover(case: DepartureCase, owner: User) -> None:
    case_services.step_complete(case=case, step="probe", actor=owner, values=step_values("probe"))
    edited = {**step_values("probe"), "competitor": "Northstar Agency"}
    case_services.step_complete(case=case, step="probe", actor=owner, values=edited)
    case_services.step_skip(case=case, step="apology", actor=owner, reason="Nothing went wrong on our side")
    improvement_for(case, owner, title="Quarterly reviews")
    case_services.case_update(
        case=case,
        actor=owner,
        notice_received_on=case.notice_received_on,
        planned_leave_date=case.planned_leave_date + timedelta(days=7),
        how_heard=case.how_heard,
        first_notes=case.first_notes,
    )
    item = case_services.handover_item_add(case=case, actor=owner, title="Transfer the domain", days_from_leave_date=0)
    case_services.handover_item_set_done(item=item, actor=owner, done=True)
    case_services.handover_item_set_done(item=item, actor=owner, done=False)


def _saved_case(client: Client, owner: User) -> DepartureCase:
    case = DepartureCaseFactory.create(client=client)
    _steps_and_handover(case, owner)
    accepted = {**step_values("offer"), "answer": "accepted"}
    case_services.step_complete(case=case, step="offer", actor=owner, values=accepted)
    return case


def _follow_ups_by_hand(case: DepartureCase, owner: User) -> None:
    now = timezone.now()
    planned = case.follow_ups.filter(kind=FollowUp.Kind.CHECK_IN).order_by("due_at")
    follow_up_services.follow_up_reschedule(follow_up=planned[0], due_at=now + timedelta(days=40), actor=owner)
    follow_up_services.follow_up_cancel(follow_up=planned[1], actor=owner)
    follow_up_services.follow_up_add(
        case=case,
        kind=FollowUp.Kind.CHECK_IN,
        due_at=now + timedelta(days=9),
        note="Ask about Q3",
        actor=owner,
        now=now,
    )
    card = case.follow_ups.get(kind=FollowUp.Kind.STAFF_REMINDER, note="Send the handwritten card")
    follow_up_services.follow_up_mark_done(follow_up=card, actor=owner, now=now)
    thank_you = case.follow_ups.get(kind=FollowUp.Kind.THANK_YOU)
    FollowUp.objects.filter(pk=thank_you.pk).update(status=FollowUp.Status.FAILED)  # as the dispatcher leaves it
    follow_up_services.follow_up_retry(follow_up=thank_you, actor=owner, now=now)
    win_back = case.follow_ups.get(kind=FollowUp.Kind.WIN_BACK)
    follow_up_services.follow_up_record_not_sent(follow_up=win_back, reason="The client unsubscribed")


def _feedback(case: DepartureCase, owner: User) -> None:
    feedback_record(
        case=case,
        recorded_by=owner,
        heard_on=timezone.localdate(),
        channel="call",
        what_they_said="Good people, too expensive.",
    )
    answer = SurveyResponse(
        reasons=[ChurnReason.objects.get(key="price-budget-cuts")],
        satisfaction=4,
        could_do_better="Cheaper retainers.",
        did_well="Quick answers.",
        likelihood_to_return=7,
        may_keep_in_touch=True,
        anonymous=False,
    )
    survey_answer_submit(follow_up=case.follow_ups.get(kind=FollowUp.Kind.SURVEY), response=answer)


def _departed_and_back(client: Client, owner: User) -> DepartureCase:
    case = ready_to_depart(DepartureCaseFactory.create(client=client))
    leave_date = timezone.localdate() - timedelta(days=1)
    DepartureCase.objects.filter(pk=case.pk).update(planned_leave_date=leave_date)
    case_services.case_mark_departed(case=case, actor=owner)
    _follow_ups_by_hand(case, owner)
    _feedback(case, owner)
    consent.client_keep_in_touch_update(client=client, answer="no", actor=owner, now=timezone.now())
    case_services.client_mark_returned(client=client, actor=owner, returned_on=timezone.localdate())
    consent.client_unsubscribe(client=client, email=client.contact_email, now=timezone.now())
    return case


@pytest.fixture
def story(account_manager: User, manager: User) -> dict[str, list[str]]:
    """Each page of the story and the events it must show: two cases of one client, and an erased client."""
    client = ClientFactory.create(account_manager=account_manager, company_name="Alder Foods")
    saved = _saved_case(client, account_manager)
    departed = _departed_and_back(client, account_manager)
    erased = DepartureCaseFactory.create(client__account_manager=account_manager).client
    client_erase(client=erased, erased_by=manager, now=timezone.now())
    return {
        saved.get_absolute_url(): list(saved.events.values_list("summary", flat=True)),
        departed.get_absolute_url(): list(departed.events.values_list("summary", flat=True)),
        client.get_absolute_url(): list(client.events.values_list("summary", flat=True)),
        erased.get_absolute_url(): list(erased.events.values_list("summary", flat=True)),
    }


def test_the_story_produces_every_kind_of_case_event(story: dict[str, list[str]]) -> None:
    assert set(CaseEvent.objects.values_list("verb", flat=True)) == set(CaseEvent.Verb.values)


def test_every_kind_of_case_event_shows_on_the_case_and_client_pages(
    am_client: BrowserClient, manager_client: BrowserClient, story: dict[str, list[str]]
) -> None:
    for browser in (am_client, manager_client):
        for url, summaries in story.items():
            response = browser.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            assert [summary for summary in summaries if escape(summary) not in text] == [], url
