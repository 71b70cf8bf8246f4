# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User

from clients.models import Client
from offboarding.models import FollowUp, KeepInTouchStep
from offboarding.outbox.services import follow_ups_plan_for_departure, suppression_add
from offboarding.tests.factories import DepartureCaseFactory
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    by_kind,
    depart_through_case_services,
    departed_case,
    former_client,
    planned_case,
)

LONDON = ZoneInfo("Europe/London")
Kind = FollowUp.Kind
# A Monday morning in London.
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_a_departure_plans_thank_you_on_the_leave_morning_and_the_survey_days_later(former_client: Client) -> None:
    follow_ups = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10))
    thank_you = follow_ups[Kind.THANK_YOU][0]
    assert local(thank_you.due_at) == datetime(2026, 3, 11, 9, 0, tzinfo=LONDON)
    assert thank_you.recipient_email == "rosa@birch.example"
    assert thank_you.next_attempt_at == thank_you.due_at
    # Four days after Wednesday is a Sunday: the survey waits for Monday morning.
    assert local(follow_ups[Kind.SURVEY][0].due_at) == datetime(2026, 3, 16, 9, 0, tzinfo=LONDON)


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_a_leave_date_in_the_past_sends_the_thank_you_now_in_business_hours(former_client: Client) -> None:
    follow_ups = by_kind(planned_case(former_client, date(2026, 2, 20), MONDAY_10))
    assert follow_ups[Kind.THANK_YOU][0].due_at == MONDAY_10


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 3, 6, 19, 30, tzinfo=LONDON), tick=False)
def test_a_departure_logged_on_friday_evening_thanks_them_on_monday_morning(former_client: Client) -> None:
    now = datetime(2026, 3, 6, 19, 30, tzinfo=LONDON)
    follow_ups = by_kind(planned_case(former_client, date(2026, 3, 6), now))
    assert local(follow_ups[Kind.THANK_YOU][0].due_at) == datetime(2026, 3, 9, 9, 0, tzinfo=LONDON)


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_check_ins_at_30_90_and_180_days_only_with_consent(former_client: Client, account_manager: User) -> None:
    with_consent = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=True))
    days = [(local(row.due_at).date() - date(2026, 3, 11)).days for row in with_consent[Kind.CHECK_IN]]
    assert days == [30, 90, 180]
    other = Client.objects.create(
        company_name="Cedar", contact_name="C", contact_email="c@cedar.example", account_manager=account_manager
    )
    without = by_kind(planned_case(other, date(2026, 3, 11), MONDAY_10, consent=False))
    assert Kind.CHECK_IN not in without
    assert Kind.WIN_BACK not in without, "a client who refused contact gets no win-back note"


# The check-ins each cadence of the keep-in-touch step plans, in days after the leave date ("": not said).
CHECK_IN_DAYS = {
    "": [30, 90, 180],
    KeepInTouchStep.Cadence.QUARTERLY: [30, 90, 180, 270, 365],
    KeepInTouchStep.Cadence.TWICE_A_YEAR: [180, 365],
    KeepInTouchStep.Cadence.YEARLY: [365],
    KeepInTouchStep.Cadence.RENEWAL_ONLY: [],
}


def test_every_cadence_the_step_offers_has_its_plan_tested() -> None:
    assert set(CHECK_IN_DAYS) == {"", *KeepInTouchStep.Cadence.values}


@pytest.mark.django_db
@pytest.mark.parametrize(("cadence", "days"), CHECK_IN_DAYS.items())
@time_machine.travel(MONDAY_10, tick=False)
def test_the_cadence_the_client_chose_shapes_the_check_ins(
    former_client: Client, cadence: str, days: list[int]
) -> None:
    leave_date = date(2026, 3, 11)
    follow_ups = by_kind(planned_case(former_client, leave_date, MONDAY_10, consent=True, cadence=cadence))
    planned = [(local(row.due_at).date() - leave_date).days for row in follow_ups.get(Kind.CHECK_IN, [])]
    assert len(planned) == len(days), planned
    # A check-in due on a weekend waits for Monday morning.
    assert all(0 <= got - wanted <= 2 for got, wanted in zip(planned, days, strict=True)), planned
    assert len(follow_ups[Kind.WIN_BACK]) == 1


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_only_around_their_renewal_plans_the_win_back_note_before_it_and_no_check_ins(former_client: Client) -> None:
    follow_ups = by_kind(
        planned_case(
            former_client, date(2026, 3, 11), MONDAY_10, consent=True, cadence="renewal_only", renewal=date(2027, 3, 1)
        )
    )
    assert Kind.CHECK_IN not in follow_ups
    assert date(2026, 12, 31) <= local(follow_ups[Kind.WIN_BACK][0].due_at).date() <= date(2027, 1, 4)


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_only_around_an_unknown_renewal_plans_the_win_back_note_about_eleven_months_later(
    former_client: Client,
) -> None:
    follow_ups = by_kind(
        planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=True, cadence="renewal_only")
    )
    assert Kind.CHECK_IN not in follow_ups
    months = (local(follow_ups[Kind.WIN_BACK][0].due_at).date() - date(2026, 3, 11)).days / 30.4
    assert 10.5 < months < 11.5


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_without_an_answer_the_clients_standing_consent_decides(former_client: Client) -> None:
    former_client.keep_in_touch = "yes"
    former_client.save()
    follow_ups = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=None))
    assert len(follow_ups[Kind.CHECK_IN]) == 3


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_the_win_back_note_comes_60_days_before_their_new_contract_renews(former_client: Client) -> None:
    follow_ups = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10, renewal=date(2027, 3, 1)))
    win_back = local(follow_ups[Kind.WIN_BACK][0].due_at)
    assert date(2026, 12, 31) <= win_back.date() <= date(2027, 1, 4)
    assert win_back.hour == 9


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_without_a_renewal_date_the_win_back_note_comes_about_eleven_months_later(former_client: Client) -> None:
    follow_ups = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10))
    months = (local(follow_ups[Kind.WIN_BACK][0].due_at).date() - date(2026, 3, 11)).days / 30.4
    assert 10.5 < months < 11.5


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_the_account_manager_is_reminded_to_send_the_card_and_to_call_at_90_days(
    former_client: Client, account_manager: User
) -> None:
    reminders = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10))[Kind.STAFF_REMINDER]
    assert [row.note for row in reminders] == ["Send the handwritten card", "Call them: 90 days since they left"]
    assert {row.recipient_user for row in reminders} == {account_manager}
    assert (local(reminders[1].due_at).date() - date(2026, 3, 11)).days == 90


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_no_card_reminder_when_no_card_is_to_be_sent(former_client: Client) -> None:
    reminders = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10, send_card=False))
    assert [row.note for row in reminders[Kind.STAFF_REMINDER]] == ["Call them: 90 days since they left"]


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_planning_twice_is_harmless(former_client: Client) -> None:
    case = departed_case(client=former_client, leave_date=date(2026, 3, 11), consent=True)
    first = follow_ups_plan_for_departure(case=case, actor=None, now=MONDAY_10)
    second = follow_ups_plan_for_departure(case=case, actor=None, now=MONDAY_10 + timedelta(hours=1))
    assert sorted(row.pk for row in first) == sorted(row.pk for row in second)
    assert FollowUp.objects.filter(case=case).count() == len(first) == 8


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_a_suppressed_address_gets_no_emails_planned(former_client: Client) -> None:
    suppression_add(email="ROSA@birch.example", reason="unsubscribed")
    follow_ups = by_kind(planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=True))
    assert set(follow_ups) == {Kind.STAFF_REMINDER}


@pytest.mark.django_db
def test_marking_a_case_departed_plans_its_follow_ups(former_client: Client, account_manager: User) -> None:
    case = DepartureCaseFactory.create(client=former_client)
    depart_through_case_services(case, account_manager)
    kinds = set(FollowUp.objects.filter(case=case).values_list("kind", flat=True))
    assert {Kind.THANK_YOU, Kind.SURVEY, Kind.STAFF_REMINDER} <= kinds
