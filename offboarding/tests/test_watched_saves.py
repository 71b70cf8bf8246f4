"""A save is watched: notice again inside the watch period relapses it, after it the save is kept.

Figures by hand, with the default 90-day watch: a save on 1 March 2026 is watched up to and
including 29 May (day 89) and kept from 30 May (day 90) on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient

from clients.models import Client
from offboarding.models import CaseEvent, DepartureCase, FollowUp, WebhookEndpoint, WebhookEvent
from offboarding.models.cases import SaveState, SaveWatchConditions
from offboarding.services.cases import case_mark_departed, case_mark_saved
from offboarding.tests.factories import DepartureCaseFactory, FollowUpFactory, ready_to_depart

pytestmark = pytest.mark.django_db

SAVED_ON = date(2026, 3, 1)
LAST_WATCHED_DAY = date(2026, 5, 29)  # 1 March + 89 days
FIRST_KEPT_DAY = date(2026, 5, 30)  # 1 March + 90 days


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _saved(client: Client, on: date = SAVED_ON) -> DepartureCase:
    case = DepartureCaseFactory.create(client=client, notice_received_on=on - timedelta(days=5))
    return case_mark_saved(case=case, actor=client.account_manager, now=_noon(on))


def _notice_again(client: Client, on: date) -> DepartureCase:
    return DepartureCaseFactory.create(client=client, notice_received_on=on)


def test_notice_on_the_last_watched_day_relapses_the_save_and_links_the_new_case(own_client: Client) -> None:
    saved = _saved(own_client)
    relapse = _notice_again(own_client, LAST_WATCHED_DAY)
    saved.refresh_from_db()
    assert relapse.relapse_of == saved
    assert saved.relapsed_on == LAST_WATCHED_DAY
    assert saved.days_kept == 89
    assert saved.save_state(date(2026, 12, 1)) == SaveState.RELAPSED
    event = saved.events.get(verb=CaseEvent.Verb.CASE_RELAPSED)
    assert event.summary == "Save relapsed: the client gave notice again after 89 days"
    assert event.details["relapse_case"] == relapse.pk


def test_notice_on_the_day_the_watch_ends_leaves_the_save_kept(own_client: Client) -> None:
    saved = _saved(own_client)
    later = _notice_again(own_client, FIRST_KEPT_DAY)
    saved.refresh_from_db()
    assert later.relapse_of is None
    assert saved.relapsed_on is None
    assert saved.save_state(FIRST_KEPT_DAY) == SaveState.KEPT
    assert not saved.events.filter(verb=CaseEvent.Verb.CASE_RELAPSED).exists()


def test_a_save_is_watching_to_the_last_day_and_kept_from_the_next(own_client: Client) -> None:
    saved = _saved(own_client)
    assert saved.save_state(SAVED_ON) == SaveState.WATCHING
    assert saved.watch_days_left(SAVED_ON) == 90
    assert saved.save_state(LAST_WATCHED_DAY) == SaveState.WATCHING
    assert saved.watch_days_left(LAST_WATCHED_DAY) == 1
    assert saved.save_state(FIRST_KEPT_DAY) == SaveState.KEPT
    assert saved.watch_days_left(FIRST_KEPT_DAY) is None


def test_the_database_conditions_count_as_the_model_method_does(own_client: Client, others_client: Client) -> None:
    _saved(own_client)  # relapses below
    _notice_again(own_client, date(2026, 4, 10))
    _saved(others_client, on=date(2026, 2, 28))  # kept from 29 May
    saves = DepartureCase.objects.filter(status=DepartureCase.Status.SAVED)
    for today, expected in [
        (date(2026, 5, 28), {"watching": 1, "kept": 0, "relapsed": 1}),
        (date(2026, 5, 29), {"watching": 0, "kept": 1, "relapsed": 1}),
    ]:
        conditions = SaveWatchConditions.on(today)
        counted = {state: saves.filter(getattr(conditions, state)).count() for state in expected}
        assert counted == expected
        by_method = [case.save_state(today) for case in saves]
        assert {state: by_method.count(state) for state in expected} == expected


def test_the_watch_period_follows_the_setting(own_client: Client, settings: object) -> None:
    settings.SAVE_WATCH_DAYS = 30  # type: ignore[attr-defined]
    saved = _saved(own_client)
    kept_by_then = _notice_again(own_client, SAVED_ON + timedelta(days=30))
    assert kept_by_then.relapse_of is None
    assert saved.save_state(SAVED_ON + timedelta(days=29)) == SaveState.WATCHING
    assert saved.save_state(SAVED_ON + timedelta(days=30)) == SaveState.KEPT


def test_each_notice_relapses_the_save_before_it_and_no_other(own_client: Client) -> None:
    first = _saved(own_client, on=date(2026, 1, 10))
    second = _saved(own_client, on=date(2026, 3, 1))  # its notice, 24 Feb, came 45 days after the first save
    relapse = _notice_again(own_client, date(2026, 3, 20))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.relapse_of, first.relapsed_on, first.days_kept) == (first, date(2026, 2, 24), 45)
    assert (relapse.relapse_of, second.relapsed_on, second.days_kept) == (second, date(2026, 3, 20), 19)
    assert list(first.relapses.all()) == [second]


def test_a_relapse_sends_the_case_relapsed_webhook(own_client: Client) -> None:
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", events=["case.relapsed"])
    saved = _saved(own_client)
    relapse = _notice_again(own_client, date(2026, 4, 15))
    event = WebhookEvent.objects.get(type="case.relapsed")
    assert event.payload["case"]["id"] == saved.pk
    assert event.payload["case"]["days_kept"] == 45
    assert event.payload["relapse"]["id"] == relapse.pk


def test_a_relapsed_case_plans_its_follow_ups_as_any_departure_and_sends_nothing_again(
    own_client: Client, others_client: Client, account_manager: User
) -> None:
    saved = _saved(own_client)
    sent_before = FollowUpFactory.create(client=own_client, case=saved, status=FollowUp.Status.SENT)
    relapse = ready_to_depart(_notice_again(own_client, date(2026, 4, 15)))
    fresh = ready_to_depart(DepartureCaseFactory.create(client=others_client, notice_received_on=date(2026, 4, 15)))
    for case in (relapse, fresh):
        case_mark_departed(case=case, actor=account_manager, now=_noon(date(2026, 4, 20)))
    kinds = sorted(relapse.follow_ups.values_list("kind", flat=True))
    assert kinds == sorted(fresh.follow_ups.values_list("kind", flat=True))
    assert FollowUp.Kind.THANK_YOU in kinds
    sent_before.refresh_from_db()
    assert sent_before.status == FollowUp.Status.SENT
    assert list(saved.follow_ups.all()) == [sent_before]


def test_the_new_case_page_says_which_save_it_relapsed(am_client: BrowserClient, own_client: Client) -> None:
    saved = _saved(own_client)
    relapse = _notice_again(own_client, date(2026, 4, 15))
    page = am_client.get(relapse.get_absolute_url()).content.decode()
    assert "follows the save of 1 Mar 2026" in page
    assert saved.get_absolute_url() in page
    saved_page = am_client.get(saved.get_absolute_url()).content.decode()
    assert "relapsed after 45 days" in saved_page
