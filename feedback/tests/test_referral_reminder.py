"""A happy leaver's survey answer reminds their account manager to ask for a referral or a testimonial."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.models import Client
from feedback.services import SurveyResponse, survey_answer_submit
from feedback.tests.factories import make_case, survey_invitation
from offboarding.models import FollowUp
from offboarding.outbox.digests import staff_digests_plan

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ANSWERED_AT = datetime(2026, 3, 2, 10, tzinfo=LONDON)
REMINDER = "Ask them for a referral or a testimonial: they left happy"


def _answer(
    account_manager: User,
    *,
    satisfaction: int = 5,
    likelihood: int = 9,
    may_keep_in_touch: bool | None = True,
    anonymous: bool = False,
    name: str = "Happy Ltd",
) -> None:
    case = make_case(owner=account_manager, notice=date(2026, 1, 10), departed_on=date(2026, 2, 1), name=name)
    invitation = survey_invitation(case)
    response = SurveyResponse(
        reasons=[],
        satisfaction=satisfaction,
        could_do_better="",
        did_well="Everything",
        likelihood_to_return=likelihood,
        may_keep_in_touch=may_keep_in_touch,
        anonymous=anonymous,
    )
    with time_machine.travel(ANSWERED_AT, tick=False):
        survey_answer_submit(follow_up=FollowUp.objects.get(pk=invitation.pk), response=response, now=ANSWERED_AT)


def _referral_reminders() -> list[FollowUp]:
    return list(FollowUp.objects.filter(kind=FollowUp.Kind.STAFF_REMINDER, note=REMINDER))


def test_a_happy_leaver_reminds_their_account_manager_on_my_work(
    account_manager: User, am_client: BrowserClient
) -> None:
    _answer(account_manager)

    [reminder] = _referral_reminders()
    assert reminder.recipient_user == account_manager
    assert reminder.client is not None
    assert reminder.client.company_name == "Happy Ltd"
    with time_machine.travel(ANSWERED_AT, tick=False):
        my_work = am_client.get(reverse("home")).content.decode()
    assert "Your reminders" in my_work
    assert REMINDER in my_work
    assert len(mail.outbox) == 0, "nothing is mailed to the client"


def test_the_reminder_reaches_the_account_managers_digest(account_manager: User) -> None:
    _answer(account_manager)

    morning = datetime(2026, 3, 3, 8, tzinfo=LONDON)
    with time_machine.travel(morning, tick=False):
        assert staff_digests_plan(now=morning) == 1
    digest = FollowUp.objects.get(kind=FollowUp.Kind.STAFF_DIGEST, recipient_user=account_manager)
    assert f"{REMINDER}: Happy Ltd" in digest.body_text


def test_marking_the_reminder_done_takes_it_off_my_work(account_manager: User, am_client: BrowserClient) -> None:
    _answer(account_manager)
    [reminder] = _referral_reminders()

    with time_machine.travel(ANSWERED_AT, tick=False):
        done = am_client.post(reverse("outbox:done", args=[reminder.pk]), {"back": "my_work"}, follow=True)

    reminder.refresh_from_db()
    assert reminder.status == FollowUp.Status.DONE
    assert done.redirect_chain[-1][0] == reverse("home")
    assert "Marked as done." in done.content.decode()
    assert REMINDER not in done.content.decode()


@pytest.mark.parametrize(
    "answer",
    [
        {"satisfaction": 3},
        {"likelihood": 7},
        {"may_keep_in_touch": False},
        {"may_keep_in_touch": None},  # the client was never asked: no consent to go on
        {"anonymous": True},
    ],
    ids=["satisfaction 3", "likelihood 7", "declined contact", "consent not asked", "anonymous"],
)
def test_no_reminder_for_a_leaver_who_is_not_happy_or_not_in_touch(
    account_manager: User, answer: dict[str, object]
) -> None:
    _answer(account_manager, **answer)  # type: ignore[arg-type]

    assert _referral_reminders() == []


def test_an_earlier_yes_to_keeping_in_touch_counts_when_the_survey_leaves_it_unanswered(
    account_manager: User,
) -> None:
    case = make_case(owner=account_manager, notice=date(2026, 1, 10), departed_on=date(2026, 2, 1), name="Said Yes Ltd")
    Client.objects.filter(pk=case.client_id).update(keep_in_touch=Client.KeepInTouch.YES)
    invitation = survey_invitation(case)
    response = SurveyResponse(
        reasons=[], satisfaction=4, could_do_better="", did_well="", likelihood_to_return=8,
        may_keep_in_touch=None, anonymous=False,
    )  # fmt: skip

    survey_answer_submit(follow_up=FollowUp.objects.get(pk=invitation.pk), response=response, now=ANSWERED_AT)

    [reminder] = _referral_reminders()
    assert reminder.case == case
