"""The departure-case services: opening, steps, saved, departed, won back, and the timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Client
from offboarding.models import CaseEvent, ChurnReason, DepartureCase, FollowUp, HandoverItem
from offboarding.outbox.services import follow_up_add
from offboarding.selectors.cases import case_for_page
from offboarding.services import cases as services
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart, step_values

pytestmark = pytest.mark.django_db


def _events(case: DepartureCase, verb: str) -> list[CaseEvent]:
    return list(case.events.filter(verb=verb))


def test_opening_a_case_marks_the_client_departing_and_seeds_steps_and_handover(own_client: Client) -> None:
    case = DepartureCaseFactory.create(
        client=own_client, planned_leave_date=date(2026, 12, 31), notice_received_on=date(2026, 11, 1)
    )
    own_client.refresh_from_db()
    assert own_client.status == Client.Status.DEPARTING
    assert case.probe.status == "pending"
    assert case.keep_in_touch.status == "pending"
    assert case.handover_items.count() == 5
    assert case.handover_items.get(title="Send the final invoice").due_on == date(2027, 1, 7)
    assert _events(case, "case_opened")[0].details["client_status"] == {"before": "active", "after": "departing"}


def test_a_change_recorded_for_a_given_moment_is_on_the_timeline_at_that_moment(
    own_client: Client, account_manager: User
) -> None:
    # Back-office entry after the fact (and the demo's stories) pass the moment things happened.
    opened_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    case = services.case_open(
        client=own_client,
        opened_by=account_manager,
        notice_received_on=date(2026, 3, 2),
        planned_leave_date=date(2026, 3, 20),
        how_heard="call",
        now=opened_at,
    )
    services.step_complete(
        case=case, step="probe", actor=account_manager, values=step_values("probe"), now=opened_at + timedelta(days=1)
    )
    services.step_skip(
        case=case, step="apology", actor=account_manager, reason="n/a", now=opened_at + timedelta(days=2)
    )
    case.refresh_from_db()
    assert case.opened_at == opened_at
    assert [(event.verb, event.created_at) for event in case.events.order_by("pk")] == [
        ("case_opened", opened_at),
        ("step_completed", opened_at + timedelta(days=1)),
        ("step_skipped", opened_at + timedelta(days=2)),
    ]


def test_a_client_has_one_open_case_at_a_time(own_case: DepartureCase) -> None:
    with pytest.raises(ValidationError, match="already has an open departure case"):
        DepartureCaseFactory.create(client=own_case.client)
    assert DepartureCase.objects.filter(client=own_case.client).count() == 1


def test_a_departed_client_cannot_get_a_second_case(own_case: DepartureCase, account_manager: User) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    with pytest.raises(ValidationError, match="has left"):
        DepartureCaseFactory.create(client=own_case.client)
    own_case.client.refresh_from_db()
    assert own_case.client.status == Client.Status.DEPARTED
    assert DepartureCase.objects.filter(client=own_case.client).count() == 1


def test_a_returned_client_can_leave_again(own_case: DepartureCase, account_manager: User) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    with time_machine.travel(own_case.planned_leave_date + timedelta(days=30), tick=False):
        services.client_mark_returned(
            client=own_case.client, actor=account_manager, returned_on=own_case.planned_leave_date + timedelta(days=20)
        )
        assert services.case_open_refusal(own_case.client) == ""
        second = DepartureCaseFactory.create(client=own_case.client)
    assert second.status == DepartureCase.Status.OPEN
    own_case.client.refresh_from_db()
    assert own_case.client.status == Client.Status.DEPARTING


def test_completing_a_step_records_who_when_and_what_changed(own_case: DepartureCase, account_manager: User) -> None:
    with time_machine.travel("2026-11-20 10:00Z", tick=False):
        services.step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    own_case.probe.refresh_from_db()
    assert own_case.probe.status == "done"
    assert own_case.probe.completed_by == account_manager
    assert own_case.probe.completed_at is not None
    assert own_case.probe.completed_at.isoformat().startswith("2026-11-20T10:00")
    assert [r.key for r in own_case.probe.contributing_reasons.all()] == ["service-responsiveness"]
    event = _events(own_case, "step_completed")[0]
    assert event.actor == account_manager
    assert event.details["changes"]["competitor"] == {
        "label": "Competitor they are moving to",
        "before": "",
        "after": "Brightside Digital",
    }
    assert event.details["changes"]["status"] == {"label": "Status", "before": "To do", "after": "Done"}


def test_editing_a_done_step_records_the_change_and_keeps_who_completed_it(
    own_case: DepartureCase, account_manager: User, manager: User
) -> None:
    services.step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    services.step_complete(
        case=own_case, step="probe", actor=manager, values={**step_values("probe"), "competitor": "Northpeak"}
    )
    own_case.probe.refresh_from_db()
    assert own_case.probe.competitor == "Northpeak"
    assert own_case.probe.completed_by == account_manager
    event = _events(own_case, "step_updated")[0]
    assert event.actor == manager
    assert event.details["changes"] == {
        "competitor": {"label": "Competitor they are moving to", "before": "Brightside Digital", "after": "Northpeak"}
    }


def test_saving_a_step_unchanged_records_nothing(own_case: DepartureCase, account_manager: User) -> None:
    services.step_complete(case=own_case, step="apology", actor=account_manager, values=step_values("apology"))
    services.step_complete(case=own_case, step="apology", actor=account_manager, values=step_values("apology"))
    assert len(_events(own_case, "step_completed")) == 1
    assert _events(own_case, "step_updated") == []


def test_the_probe_needs_a_primary_reason(own_case: DepartureCase, account_manager: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.step_complete(
            case=own_case, step="probe", actor=account_manager, values={**step_values("probe"), "primary_reason": None}
        )
    assert "primary_reason" in error.value.error_dict
    own_case.probe.refresh_from_db()
    assert own_case.probe.status == "pending"


def test_an_offer_needs_an_answer_and_no_offer_needs_a_why(own_case: DepartureCase, account_manager: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.step_complete(
            case=own_case, step="offer", actor=account_manager, values={**step_values("offer"), "answer": ""}
        )
    assert "answer" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.step_complete(case=own_case, step="offer", actor=account_manager, values={"offer_made": False})
    assert "no_offer_reason" in error.value.error_dict
    services.step_complete(
        case=own_case,
        step="offer",
        actor=account_manager,
        values={"offer_made": False, "no_offer_reason": "They are consolidating with their parent company."},
    )
    own_case.offer.refresh_from_db()
    assert own_case.offer.status == "done"


def test_skipping_needs_a_reason(own_case: DepartureCase, account_manager: User) -> None:
    with pytest.raises(ValidationError, match="why this step is skipped"):
        services.step_skip(case=own_case, step="apology", actor=account_manager, reason="   ")
    own_case.apology.refresh_from_db()
    assert own_case.apology.status == "pending"


def test_skipping_with_a_reason_closes_the_step_and_records_it(own_case: DepartureCase, account_manager: User) -> None:
    services.step_skip(case=own_case, step="apology", actor=account_manager, reason="We did not fall short.")
    own_case.apology.refresh_from_db()
    assert own_case.apology.status == "skipped"
    assert own_case.apology.skip_reason == "We did not fall short."
    event = _events(own_case, "step_skipped")[0]
    assert event.details["changes"]["status"] == {"label": "Status", "before": "To do", "after": "Skipped"}


def test_an_accepted_offer_saves_the_client(own_case: DepartureCase, account_manager: User, manager: User) -> None:
    services.step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    with time_machine.travel("2026-11-21 09:00Z", tick=False):
        services.step_complete(
            case=own_case,
            step="offer",
            actor=account_manager,
            values={**step_values("offer"), "answer": "accepted", "approved_by": manager},
        )
    own_case.refresh_from_db()
    own_case.client.refresh_from_db()
    assert own_case.status == DepartureCase.Status.SAVED
    assert own_case.saved_on == date(2026, 11, 21)
    assert own_case.closed_at is not None
    assert own_case.client.status == Client.Status.ACTIVE
    own_case.probe.refresh_from_db()
    own_case.transition.refresh_from_db()
    assert own_case.probe.status == "done"
    assert own_case.transition.status == "skipped"
    assert own_case.transition.skip_reason == "Not needed: the client stayed"
    event = _events(own_case, "case_saved")[0]
    assert event.details["client_status"] == {"before": "departing", "after": "active"}
    assert "probe" not in event.details["steps_closed_as_not_needed"]


def test_accepting_an_offer_cancels_a_pending_follow_up_as_saved(
    own_case: DepartureCase, account_manager: User, manager: User
) -> None:
    now = timezone.now()
    reminder = follow_up_add(
        case=own_case,
        kind=FollowUp.Kind.STAFF_REMINDER,
        due_at=now + timedelta(days=14),
        note="Ask how the move is going",
        actor=account_manager,
        now=now,
    )
    services.step_complete(
        case=own_case,
        step="offer",
        actor=account_manager,
        values={**step_values("offer"), "answer": "accepted", "approved_by": manager},
    )
    reminder.refresh_from_db()
    assert (reminder.status, reminder.cancelled_reason) == (FollowUp.Status.CANCELLED, "saved")
    assert _events(own_case, "case_saved")[0].details["follow_ups_cancelled"] == 1


def test_a_declined_offer_keeps_the_case_open(own_case: DepartureCase, account_manager: User) -> None:
    services.step_complete(case=own_case, step="offer", actor=account_manager, values=step_values("offer"))
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.OPEN


def test_a_case_departs_only_once_the_required_steps_are_closed(own_case: DepartureCase, account_manager: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.case_mark_departed(case=own_case, actor=account_manager)
    assert error.value.messages[0].endswith(": Probe, Transition, Thank, Keep in touch.")
    for step in ("transition", "thanks", "keep_in_touch"):
        services.step_complete(case=own_case, step=step, actor=account_manager, values=step_values(step))
    with pytest.raises(ValidationError) as error:
        services.case_mark_departed(case=own_case, actor=account_manager)
    assert error.value.messages[0].endswith("complete or skip (with a reason): Probe.")
    own_case.refresh_from_db()
    own_case.client.refresh_from_db()
    assert own_case.status == DepartureCase.Status.OPEN
    assert own_case.client.status == Client.Status.DEPARTING
    assert _events(own_case, "case_departed") == []


def test_skipped_steps_count_towards_departure(own_case: DepartureCase, account_manager: User) -> None:
    for step in ("probe", "transition", "thanks", "keep_in_touch"):
        services.step_skip(case=own_case, step=step, actor=account_manager, reason="The client would not talk to us.")
    services.case_mark_departed(case=own_case, actor=account_manager)
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.DEPARTED


def test_marking_departed_closes_the_case_on_the_leave_date(own_case: DepartureCase, account_manager: User) -> None:
    ready_to_depart(own_case)
    services.case_mark_departed(case=own_case, actor=account_manager)
    own_case.refresh_from_db()
    own_case.client.refresh_from_db()
    assert own_case.status == DepartureCase.Status.DEPARTED
    assert own_case.departed_on == own_case.planned_leave_date
    assert own_case.closed_at is not None
    assert own_case.client.status == Client.Status.DEPARTED
    assert _events(own_case, "case_departed")[0].details["case_status"] == {"before": "open", "after": "departed"}


def test_a_departed_case_cannot_depart_again_or_be_saved(own_case: DepartureCase, account_manager: User) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    with pytest.raises(ValidationError):
        services.case_mark_departed(case=own_case, actor=account_manager)
    with pytest.raises(ValidationError):
        services.case_mark_saved(case=own_case, actor=account_manager)


def test_after_departure_the_probe_is_frozen_but_thanks_can_still_be_recorded(
    own_case: DepartureCase, account_manager: User
) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    services.step_complete(
        case=own_case,
        step="thanks",
        actor=account_manager,
        values={**step_values("thanks"), "card_sent_on": date(2026, 11, 20)},
    )
    own_case.thanks.refresh_from_db()
    assert own_case.thanks.card_sent_on == date(2026, 11, 20)


def test_a_saved_case_is_read_only(own_case: DepartureCase, account_manager: User) -> None:
    services.case_mark_saved(case=own_case, actor=account_manager)
    with pytest.raises(ValidationError):
        services.step_skip(case=own_case, step="thanks", actor=account_manager, reason="x")
    with pytest.raises(ValidationError):
        services.handover_item_add(case=own_case, actor=account_manager, title="Late item", days_from_leave_date=0)


def test_a_returning_client_wins_back_the_latest_departed_case(own_case: DepartureCase, account_manager: User) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    returned_on = own_case.planned_leave_date + timedelta(days=90)
    with time_machine.travel(returned_on + timedelta(days=1), tick=False):
        services.client_mark_returned(client=own_case.client, actor=account_manager, returned_on=returned_on)
    own_case.refresh_from_db()
    own_case.client.refresh_from_db()
    assert own_case.status == DepartureCase.Status.WON_BACK
    assert own_case.won_back_on == returned_on
    assert own_case.client.status == Client.Status.RETURNED
    event = _events(own_case, "client_returned")[0]
    assert event.details["client_status"] == {"before": "departed", "after": "returned"}


def test_a_returning_client_has_every_pending_follow_up_cancelled_as_returned(
    own_case: DepartureCase, account_manager: User
) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    planned = list(own_case.follow_ups.filter(status__in=FollowUp.PENDING_STATUSES))
    assert {follow_up.kind for follow_up in planned} >= {"thank_you", "survey", "check_in", "win_back"}
    returned_on = own_case.planned_leave_date + timedelta(days=1)
    with time_machine.travel(returned_on + timedelta(days=1), tick=False):
        services.client_mark_returned(client=own_case.client, actor=account_manager, returned_on=returned_on)
    assert set(own_case.follow_ups.values_list("status", "cancelled_reason")) == {
        (FollowUp.Status.CANCELLED, "returned")
    }
    assert _events(own_case, "client_returned")[0].details["follow_ups_cancelled"] == len(planned)


def test_only_a_departed_client_can_return(own_case: DepartureCase, account_manager: User) -> None:
    with pytest.raises(ValidationError, match="Only a departed client"):
        services.client_mark_returned(client=own_case.client, actor=account_manager, returned_on=date(2026, 1, 1))
    own_case.client.refresh_from_db()
    assert own_case.client.status == Client.Status.DEPARTING


def test_a_departed_client_without_a_departure_case_cannot_come_back(own_client: Client, account_manager: User) -> None:
    Client.objects.filter(pk=own_client.pk).update(status=Client.Status.DEPARTED)  # as an old import left them
    with pytest.raises(ValidationError, match="no departure case to win back"):
        services.client_mark_returned(client=own_client, actor=account_manager, returned_on=date(2026, 1, 1))
    own_client.refresh_from_db()
    assert own_client.status == Client.Status.DEPARTED
    assert not own_client.events.exists()
    # The way out: log the departure, close it as departed, then record the return.
    case = services.case_mark_departed(
        case=ready_to_depart(DepartureCaseFactory.create(client=own_client)), actor=account_manager
    )
    with time_machine.travel(case.planned_leave_date + timedelta(days=2), tick=False):
        services.client_mark_returned(client=own_client, actor=account_manager, returned_on=case.planned_leave_date)
    case.refresh_from_db()
    assert case.status == DepartureCase.Status.WON_BACK


def test_a_client_cannot_return_before_leaving(own_case: DepartureCase, account_manager: User) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    with (
        time_machine.travel(own_case.planned_leave_date + timedelta(days=5), tick=False),
        pytest.raises(ValidationError),
    ):
        services.client_mark_returned(
            client=own_case.client, actor=account_manager, returned_on=own_case.planned_leave_date - timedelta(days=1)
        )
    own_case.refresh_from_db()
    assert own_case.status == DepartureCase.Status.DEPARTED


def test_keep_in_touch_consent_is_kept_on_the_client(own_case: DepartureCase, account_manager: User) -> None:
    services.step_complete(
        case=own_case, step="keep_in_touch", actor=account_manager, values=step_values("keep_in_touch")
    )
    own_case.client.refresh_from_db()
    assert (own_case.client.keep_in_touch, own_case.client.keep_in_touch_changed_by) == ("yes", "step")
    assert own_case.client.keep_in_touch_changed_by_user == account_manager
    services.step_complete(
        case=own_case,
        step="keep_in_touch",
        actor=account_manager,
        values={**step_values("keep_in_touch"), "consent": False},
    )
    own_case.client.refresh_from_db()
    assert own_case.client.keep_in_touch == "no"
    change = _events(own_case, "step_updated")[0].details["changes"]["keep_in_touch"]
    assert (change["before"], change["after"]) == ("Yes", "No")


def test_a_no_at_the_keep_in_touch_step_after_departure_cancels_the_check_ins_and_win_back(
    own_case: DepartureCase, account_manager: User
) -> None:
    services.case_mark_departed(case=ready_to_depart(own_case), actor=account_manager)
    # Twice a year: at six months and at a year.
    assert own_case.follow_ups.filter(kind=FollowUp.Kind.CHECK_IN, status=FollowUp.Status.SCHEDULED).count() == 2
    no_thanks = {**step_values("keep_in_touch"), "consent": False}
    services.step_complete(case=own_case, step="keep_in_touch", actor=account_manager, values=no_thanks)
    assert sorted(own_case.follow_ups.values_list("kind", "status")) == [
        *[("check_in", "cancelled")] * 2,
        *[("staff_reminder", "scheduled")] * 2,
        ("survey", "scheduled"),
        ("thank_you", "scheduled"),
        ("win_back", "cancelled"),
    ]
    event = _events(own_case, "step_updated")[0]
    assert event.summary == "Keep in touch: updated, 3 planned emails cancelled"
    assert event.details["follow_ups_cancelled"] == 3


def test_keep_in_touch_needs_a_yes_or_no(own_case: DepartureCase, account_manager: User) -> None:
    with pytest.raises(ValidationError):
        services.step_complete(
            case=own_case, step="keep_in_touch", actor=account_manager, values={"consent": None, "cadence": ""}
        )


def test_a_new_leave_date_moves_handover_items_not_done(own_case: DepartureCase, account_manager: User) -> None:
    invoice = own_case.handover_items.get(title="Send the final invoice")
    data_return = own_case.handover_items.get(title="Return their data and documents")
    services.handover_item_set_done(item=data_return, actor=account_manager, done=True)
    old_due = data_return.due_on
    new_leave = own_case.planned_leave_date + timedelta(days=14)
    services.case_update(
        case=own_case,
        actor=account_manager,
        notice_received_on=own_case.notice_received_on,
        planned_leave_date=new_leave,
        how_heard=own_case.how_heard,
        first_notes=own_case.first_notes,
    )
    invoice.refresh_from_db()
    data_return.refresh_from_db()
    assert invoice.due_on == new_leave + timedelta(days=7)
    assert data_return.due_on == old_due
    event = _events(own_case, "case_updated")[0]
    assert event.details["changes"]["planned_leave_date"]["after"] == new_leave.isoformat()


def test_handover_items_are_added_and_ticked_with_who_and_when(own_case: DepartureCase, account_manager: User) -> None:
    item = services.handover_item_add(
        case=own_case, actor=account_manager, title="Transfer the domain", days_from_leave_date=-3
    )
    assert item.due_on == own_case.planned_leave_date - timedelta(days=3)
    services.handover_item_set_done(item=item, actor=account_manager, done=True)
    item.refresh_from_db()
    assert item.done_by == account_manager
    assert item.done_at is not None
    services.handover_item_set_done(item=item, actor=account_manager, done=False)
    item.refresh_from_db()
    assert item.done_at is None
    assert [e.verb for e in own_case.events.all()[:3]] == [
        "handover_item_reopened",
        "handover_item_done",
        "handover_item_added",
    ]


def test_a_retired_reason_still_shows_on_old_cases(own_case: DepartureCase, account_manager: User) -> None:
    services.step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    ChurnReason.objects.filter(key="price-budget-cuts").update(retired_at="2026-01-01T00:00Z")
    own_case.probe.refresh_from_db()
    assert own_case.probe.primary_reason is not None
    assert own_case.probe.primary_reason.label == "Budget cuts"


def test_the_same_handover_item_cannot_be_added_twice(own_case: DepartureCase, account_manager: User) -> None:
    services.handover_item_add(
        case=own_case, actor=account_manager, title="Transfer the domain", days_from_leave_date=0
    )
    for title in ("Transfer the domain", "  transfer THE domain ", "Send the final invoice"):
        with pytest.raises(ValidationError, match="already on the handover list") as refused:
            services.handover_item_add(case=own_case, actor=account_manager, title=title, days_from_leave_date=3)
        assert "title" in refused.value.message_dict
    assert own_case.handover_items.filter(title__iexact="transfer the domain").count() == 1
    assert own_case.handover_items.count() == 6
    assert len(_events(own_case, "handover_item_added")) == 1


def test_another_case_may_have_the_same_handover_item(own_case: DepartureCase, account_manager: User) -> None:
    other = DepartureCaseFactory.create(client__account_manager=account_manager)
    for case in (own_case, other):
        services.handover_item_add(
            case=case, actor=account_manager, title="Transfer the domain", days_from_leave_date=0
        )
    assert HandoverItem.objects.filter(title="Transfer the domain").count() == 2


def test_the_database_refuses_a_handover_item_twice_on_one_list(own_case: DepartureCase) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        HandoverItem.objects.create(case=own_case, title=" SEND the final invoice", due_on=own_case.planned_leave_date)
    assert own_case.handover_items.count() == 5


LEAVE_BEFORE_NOTICE = "The leave date cannot be before the notice was received."


def test_opening_a_case_that_leaves_before_the_notice_is_refused_with_the_constraints_message(
    own_client: Client, account_manager: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.case_open(
            client=own_client,
            opened_by=account_manager,
            notice_received_on=date(2026, 11, 10),
            planned_leave_date=date(2026, 11, 9),
            how_heard="call",
        )
    assert refused.value.message_dict == {"planned_leave_date": [LEAVE_BEFORE_NOTICE]}
    constraint = next(c for c in DepartureCase._meta.constraints if c.name == "case_leave_date_not_before_notice")
    assert str(constraint.violation_error_message) == LEAVE_BEFORE_NOTICE
    assert not own_client.cases.exists()


def test_moving_the_leave_date_before_the_notice_is_refused_with_the_same_message(
    own_case: DepartureCase, account_manager: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.case_update(
            case=own_case,
            actor=account_manager,
            notice_received_on=own_case.notice_received_on,
            planned_leave_date=own_case.notice_received_on - timedelta(days=1),
            how_heard=own_case.how_heard,
            first_notes=own_case.first_notes,
        )
    assert refused.value.message_dict == {"planned_leave_date": [LEAVE_BEFORE_NOTICE]}
    leave_date = own_case.planned_leave_date
    own_case.refresh_from_db()
    assert own_case.planned_leave_date == leave_date


@pytest.mark.parametrize("status", [status for status, _label in DepartureCase.Status.choices])
def test_a_step_changes_exactly_when_step_is_editable_says_so(
    own_case: DepartureCase, account_manager: User, status: str
) -> None:
    DepartureCase.objects.filter(pk=own_case.pk).update(status=status)
    own_case.refresh_from_db()
    taken = {step: _skip_is_taken(own_case, step, account_manager) for step in services.STEPS}
    assert taken == {step: services.step_is_editable(own_case, step) for step in services.STEPS}


def _skip_is_taken(case: DepartureCase, step: str, actor: User) -> bool:
    try:
        services.step_skip(case=case, step=step, actor=actor, reason="Not needed here.")
    except ValidationError:
        return False
    return True


def test_the_steps_blocking_departure_are_read_from_the_loaded_case_without_a_query(
    own_case: DepartureCase, account_manager: User, django_assert_num_queries: Any
) -> None:
    services.step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    loaded = case_for_page(DepartureCase.objects.all(), own_case.pk, today=timezone.localdate())
    with django_assert_num_queries(0):
        blocking = services.case_steps_blocking_departure(loaded)
    assert blocking == ["Transition", "Thank", "Keep in touch"]


def test_the_client_page_and_the_return_ask_the_same_refusal(own_client: Client, account_manager: User) -> None:
    Client.objects.filter(pk=own_client.pk).update(status=Client.Status.DEPARTED)  # as an old import left them
    own_client.refresh_from_db()
    refusal = services.client_return_refusal(own_client)
    assert refusal.startswith("This client has no departure case to win back")
    with pytest.raises(ValidationError) as refused:
        services.client_mark_returned(client=own_client, actor=account_manager, returned_on=timezone.localdate())
    assert refused.value.messages == [refusal]


def _next(case: DepartureCase, after: str | None = None) -> str | None:
    return services.case_next_open_step(DepartureCase.objects.get(pk=case.pk), after=after)


def test_the_next_open_step_looks_on_from_the_step_just_saved_and_round_to_the_start(
    own_case: DepartureCase, account_manager: User
) -> None:
    assert _next(own_case) == "probe"
    for step in ("transition", "thanks"):
        services.step_complete(case=own_case, step=step, actor=account_manager, values=step_values(step))
    assert _next(own_case, after="transition") == "keep_in_touch"
    services.step_skip(case=own_case, step="keep_in_touch", actor=account_manager, reason="They said no.")
    assert _next(own_case, after="keep_in_touch") == "probe"
    assert _next(own_case) == "probe"


def test_after_departure_the_next_open_step_is_one_that_may_still_change(
    own_case: DepartureCase, account_manager: User
) -> None:
    case = ready_to_depart(own_case)
    services.case_mark_departed(case=case, actor=account_manager)
    # The apology and the offer were never recorded, and are frozen now: nothing is left to do.
    assert _next(case) is None
    saved = DepartureCaseFactory.create()
    services.case_mark_saved(case=saved, actor=account_manager)
    assert _next(saved) is None
