# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
"""Keep-in-touch consent has one home: whichever writer changes it, the follow-ups that depend on it follow at once.

Lives in `feedback`, the highest product app, because two of the writers (a survey answer,
an erasure) are its services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from feedback.services import SurveyResponse, survey_answer_submit
from feedback.services_erasure import client_erase
from offboarding.models import CaseEvent, DepartureCase, FollowUp
from offboarding.services.cases import case_mark_departed, step_complete
from offboarding.services.consent import client_keep_in_touch_update, client_unsubscribe
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart, step_values
from offboarding.tests.outbox_fixtures import former_client, planned_case  # noqa: F401

pytestmark = pytest.mark.django_db

Kind = FollowUp.Kind
Status = FollowUp.Status
LONDON = ZoneInfo("Europe/London")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)


def _case_of(follow_ups: list[FollowUp]) -> DepartureCase:
    return DepartureCase.objects.get(follow_ups=follow_ups[0])


def _survey_answer(case: DepartureCase, *, may_keep_in_touch: bool) -> None:
    response = SurveyResponse(
        reasons=[],
        satisfaction=4,
        could_do_better="",
        did_well="",
        likelihood_to_return=6,
        may_keep_in_touch=may_keep_in_touch,
        anonymous=False,
    )
    survey_answer_submit(follow_up=case.follow_ups.get(kind=Kind.SURVEY), response=response)


def _no_at_the_step(case: DepartureCase, people: dict[str, User], browser: BrowserClient) -> None:
    values = {**step_values("keep_in_touch"), "consent": False}
    step_complete(case=case, step="keep_in_touch", actor=people["account_manager"], values=values)


def _no_in_the_survey(case: DepartureCase, people: dict[str, User], browser: BrowserClient) -> None:
    _survey_answer(case, may_keep_in_touch=False)


def _unsubscribed(case: DepartureCase, people: dict[str, User], browser: BrowserClient) -> None:
    client_unsubscribe(client=case.client, email=case.client.contact_email, now=timezone.now())


def _no_on_the_client_page(case: DepartureCase, people: dict[str, User], browser: BrowserClient) -> None:
    response = browser.post(reverse("offboarding:client_keep_in_touch", args=[case.client_id]), {"keep_in_touch": "no"})
    assert response.status_code == 302


def _erased(case: DepartureCase, people: dict[str, User], browser: BrowserClient) -> None:
    client_erase(client=case.client, erased_by=people["manager"], now=timezone.now())


Writer = Callable[[DepartureCase, dict[str, User], BrowserClient], None]
WRITERS: list[tuple[Writer, str, str]] = [
    (_no_at_the_step, "step", "step_updated"),
    (_no_in_the_survey, "survey", "survey_answered"),
    (_unsubscribed, "unsubscribe", "client_unsubscribed"),
    (_no_on_the_client_page, "client_form", "keep_in_touch_changed"),
    (_erased, "erasure", "client_erased"),
]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def departed(account_manager: User) -> DepartureCase:
    """Departed through the services with a yes at the step: two check-ins and a win-back note planned."""
    case = ready_to_depart(DepartureCaseFactory.create(client__account_manager=account_manager))
    return case_mark_departed(case=case, actor=account_manager)


@pytest.mark.parametrize(("writer", "source", "verb"), WRITERS, ids=[source for _, source, _ in WRITERS])
def test_a_no_from_any_writer_cancels_the_check_ins_and_win_back_at_once_and_says_how_many(
    writer: Writer,
    source: str,
    verb: str,
    departed: DepartureCase,
    account_manager: User,
    manager: User,
    am_client: BrowserClient,
) -> None:
    keep_in_touch_mail = departed.follow_ups.filter(kind__in=[Kind.CHECK_IN, Kind.WIN_BACK])
    assert sorted(keep_in_touch_mail.values_list("status", flat=True)) == [Status.SCHEDULED] * 3

    writer(departed, {"account_manager": account_manager, "manager": manager}, am_client)

    assert sorted(keep_in_touch_mail.values_list("status", flat=True)) == [Status.CANCELLED] * 3
    client = Client.objects.get(pk=departed.client_id)
    assert (client.keep_in_touch, client.keep_in_touch_changed_by) == ("no", source)
    cancelled = FollowUp.objects.filter(client=client, status=Status.CANCELLED).count()
    event = CaseEvent.objects.get(client=client, verb=verb)
    assert event.details["follow_ups_cancelled"] == cancelled
    if verb != "client_erased":  # an erasure's summary names nothing but who erased
        assert f", {cancelled} planned emails cancelled" in event.summary


def test_the_client_page_says_what_its_no_cancelled(
    departed: DepartureCase, am_client: BrowserClient, account_manager: User
) -> None:
    url = reverse("offboarding:client_keep_in_touch", args=[departed.client_id])
    page = am_client.post(url, {"keep_in_touch": "no"}, follow=True).content.decode()
    assert "Keep-in-touch consent saved: no, 3 planned emails cancelled." in page
    assert "through the client&#x27;s details, by Amelia Hart" in page


def test_a_yes_after_a_no_plans_again_only_what_is_still_ahead_and_never_resends(
    former_client: Client, account_manager: User, clock: time_machine.Traveller
) -> None:
    rows = {row.key.rsplit(":", 1)[-1]: row for row in planned_case(former_client, date(2026, 3, 11), MONDAY_10)}
    assert former_client.keep_in_touch == "not_asked"
    case = _case_of(list(rows.values()))
    # Not asked: no check-ins; the win-back note is planned (it goes unless the client said no).
    assert {"30", "90", "180"} & rows.keys() == set()
    step_complete(case=case, step="keep_in_touch", actor=account_manager, values={"consent": True, "cadence": ""})
    check_ins = {row.note: row for row in case.follow_ups.filter(kind=Kind.CHECK_IN)}
    assert sorted(check_ins) == ["180-day check-in", "30-day check-in", "90-day check-in"]
    FollowUp.objects.filter(pk=check_ins["30-day check-in"].pk).update(status=Status.SENT, sent_at=timezone.now())
    clock.move_to(datetime(2026, 5, 4, 10, 0, tzinfo=LONDON))  # the 30-day check-in went; the 90-day is ahead
    client_keep_in_touch_update(client=former_client, answer="no", actor=account_manager, now=timezone.now())
    clock.move_to(datetime(2026, 7, 6, 10, 0, tzinfo=LONDON))  # the 90-day check-in's time passed meanwhile

    change = client_keep_in_touch_update(client=former_client, answer="yes", actor=account_manager, now=timezone.now())

    after = {
        row.note or row.kind: (row.status, row.due_at)
        for row in case.follow_ups.filter(kind__in=["check_in", "win_back"])
    }
    assert after == {
        "30-day check-in": (Status.SENT, check_ins["30-day check-in"].due_at),
        "90-day check-in": (Status.CANCELLED, check_ins["90-day check-in"].due_at),
        "180-day check-in": (Status.SCHEDULED, check_ins["180-day check-in"].due_at),
        "win_back": (Status.SCHEDULED, rows["win_back"].due_at),
    }
    assert change.planned == 2
    event = CaseEvent.objects.filter(client=former_client, verb="keep_in_touch_changed").order_by("-id")[0]
    assert event.summary == "Keep-in-touch consent: yes, 2 emails planned"


@time_machine.travel(MONDAY_10, tick=False)
def test_a_yes_in_the_survey_after_a_no_at_the_step_plans_the_check_ins_never_planned(
    former_client: Client,
) -> None:
    case = _case_of(planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=False, cadence="yearly"))
    assert not case.follow_ups.filter(kind__in=[Kind.CHECK_IN, Kind.WIN_BACK]).exists()

    _survey_answer(case, may_keep_in_touch=True)

    planned = case.follow_ups.filter(kind__in=[Kind.CHECK_IN, Kind.WIN_BACK], status=Status.SCHEDULED)
    assert sorted(planned.values_list("kind", "note")) == [("check_in", "365-day check-in"), ("win_back", "")]
    event = CaseEvent.objects.get(case=case, verb="survey_answered")
    assert event.summary.endswith("may keep in touch, 2 emails planned")


@time_machine.travel(MONDAY_10, tick=False)
def test_not_asked_stops_the_check_ins_but_not_the_win_back_note(former_client: Client, account_manager: User) -> None:
    case = _case_of(planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=True))
    mail = case.follow_ups.filter(kind__in=[Kind.CHECK_IN, Kind.WIN_BACK])

    client_keep_in_touch_update(client=former_client, answer="not_asked", actor=account_manager, now=timezone.now())
    assert sorted(mail.values_list("kind", "status")) == [
        *[("check_in", "cancelled")] * 3,
        ("win_back", "scheduled"),
    ]
    client_keep_in_touch_update(client=former_client, answer="no", actor=account_manager, now=timezone.now())
    assert mail.get(kind=Kind.WIN_BACK).status == Status.CANCELLED
    client_keep_in_touch_update(client=former_client, answer="not_asked", actor=account_manager, now=timezone.now())
    assert sorted(mail.values_list("kind", "status")) == [
        *[("check_in", "cancelled")] * 3,
        ("win_back", "scheduled"),
    ]


@time_machine.travel(MONDAY_10, tick=False)
def test_a_yes_after_unsubscribing_plans_nothing(former_client: Client, account_manager: User) -> None:
    case = _case_of(planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=True))
    client_unsubscribe(client=former_client, email=former_client.contact_email, now=timezone.now())

    change = client_keep_in_touch_update(client=former_client, answer="yes", actor=account_manager, now=timezone.now())

    assert (change.changed, change.planned) == (True, 0)
    assert not case.follow_ups.filter(kind__in=[Kind.CHECK_IN, Kind.WIN_BACK], status=Status.SCHEDULED).exists()


def test_an_erased_clients_answer_stays_no(
    departed: DepartureCase, manager: User, manager_client: BrowserClient
) -> None:
    client_erase(client=departed.client, erased_by=manager, now=timezone.now())
    url = reverse("offboarding:client_keep_in_touch", args=[departed.client_id])

    page = manager_client.post(url, {"keep_in_touch": "yes"}, follow=True).content.decode()

    assert "personal data was erased: we no longer keep in touch" in page
    assert Client.objects.get(pk=departed.client_id).keep_in_touch == "no"
    assert not FollowUp.objects.filter(client_id=departed.client_id, status=Status.SCHEDULED).exists()
