"""The follow-up outbox: planning, cancelling and rescheduling (the sending is in dispatch.py).

Every follow-up is written in the same transaction as the change that caused
it; its `key` makes planning twice harmless.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from clients.formatting import display_name
from clients.models import Client
from offboarding.models import CaseEvent, DepartureCase, FollowUp, KeepInTouchStep, Suppression, ThankStep
from offboarding.outbox.business_hours import business_morning, business_zone, client_zone, next_business_time
from offboarding.outbox.nudge import nudge_dispatcher_on_commit


# cases.py imports this module (it plans and cancels follow-ups), so events are
# written here directly rather than through its case_event_record.
def _event(
    *,
    client: Client,
    case: DepartureCase | None,
    actor: User | None,
    verb: str,
    summary: str,
    now: datetime | None = None,
    **details: object,
) -> None:
    CaseEvent.objects.record(
        client=client, case=case, actor=actor, verb=verb, summary=summary, details=details, created_at=now
    )


Kind = FollowUp.Kind
Status = FollowUp.Status

# The follow-ups that keeping in touch is about; the rest (thank-you, survey, staff) go regardless.
KEEP_IN_TOUCH_KINDS = (Kind.CHECK_IN, Kind.WIN_BACK, Kind.WE_CHANGED_IT)
DECLINED_CONTACT = gettext_noop("The client would rather we did not keep in touch")
NOT_AGREED = gettext_noop("The client has not agreed that we keep in touch")
KEEP_IN_TOUCH_REFUSALS = (DECLINED_CONTACT, NOT_AGREED)
CLIENT_ERASED = _("The client's personal data was erased")
ERASED_WHILE_SENDING = _("The client was erased while this email was being sent; it may have reached them.")


def address_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def message_id_for(key: str) -> str:
    """A Message-ID fixed when the follow-up is planned, so every attempt sends the same one."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<follow-up.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


@dataclass(frozen=True)
class PlannedFollowUp:
    key: str
    kind: str
    due_at: datetime
    note: str = ""
    to_staff: bool = False


def _leave_morning(case: DepartureCase, days: int, zone: ZoneInfo | None = None) -> datetime:
    """The start of business `days` after the leave date, in the client's time zone unless another is given."""
    zone = zone or client_zone(case.client)
    leave_day = case.departed_on or case.planned_leave_date
    start_hour, _end = settings.FOLLOW_UP_BUSINESS_HOURS
    return business_morning(datetime.combine(leave_day, time(start_hour), tzinfo=zone), days, zone)


def _keep_in_touch(case: DepartureCase) -> KeepInTouchStep | None:
    return KeepInTouchStep.objects.filter(case=case).first()


def follow_up_allowed(kind: str, *, client: Client) -> bool:
    """Whether the client's keep-in-touch answer lets a follow-up of this kind be planned or sent.

    A check-in and a "we changed it" note need a yes; a win-back note goes unless the client said no.
    Planning, cancelling, planning again and the dispatcher all ask this, so they cannot disagree.
    """
    if kind in (Kind.CHECK_IN, Kind.WE_CHANGED_IT):
        return client.keep_in_touch == Client.KeepInTouch.YES
    if kind == Kind.WIN_BACK:
        return client.keep_in_touch != Client.KeepInTouch.NO
    return True


def follow_up_refusal(kind: str, *, client: Client) -> str:
    """Why the client's keep-in-touch answer rules out a follow-up of this kind; empty when it does not."""
    if follow_up_allowed(kind, client=client):
        return ""
    return DECLINED_CONTACT if client.keep_in_touch == Client.KeepInTouch.NO else NOT_AGREED


def _win_back_due(case: DepartureCase, step: KeepInTouchStep | None, not_before: datetime) -> datetime:
    renewal: date | None = step.new_contract_renewal_on if step else None
    if renewal is not None:
        days = (renewal - (case.departed_on or case.planned_leave_date)).days
        due = _leave_morning(case, days - settings.FOLLOW_UP_WIN_BACK_BEFORE_RENEWAL_DAYS)
    else:
        due = _leave_morning(case, settings.FOLLOW_UP_WIN_BACK_AFTER_DAYS)
    return max(due, not_before)


def _check_in_days(step: KeepInTouchStep | None) -> tuple[int, ...]:
    """Days after the leave date of the check-ins, by the cadence the client chose."""
    return tuple(settings.FOLLOW_UP_CHECK_IN_AFTER_DAYS[step.cadence if step else ""])


def _client_plan(case: DepartureCase, now: datetime) -> list[PlannedFollowUp]:
    prefix = f"case{case.pk}"
    zone = client_zone(case.client)
    thank_you_at = _leave_morning(case, 0)
    if thank_you_at < now:
        thank_you_at = next_business_time(now, zone)
    survey_at = business_morning(thank_you_at, settings.FOLLOW_UP_SURVEY_AFTER_DAYS, zone)
    plan = [
        PlannedFollowUp(f"{prefix}:thank_you", Kind.THANK_YOU, thank_you_at),
        PlannedFollowUp(f"{prefix}:survey", Kind.SURVEY, survey_at),
    ]
    return plan + _keep_in_touch_plan(case, survey_at)


def _keep_in_touch_plan(case: DepartureCase, survey_at: datetime) -> list[PlannedFollowUp]:
    """The check-ins (by the cadence the client chose) and the win-back note the client's answer allows."""
    prefix = f"case{case.pk}"
    step = _keep_in_touch(case)
    plan = []
    if follow_up_allowed(Kind.CHECK_IN, client=case.client):
        for days in _check_in_days(step):
            check_in_at = _leave_morning(case, days)
            if check_in_at > survey_at:
                plan.append(
                    PlannedFollowUp(f"{prefix}:check_in:{days}", Kind.CHECK_IN, check_in_at, f"{days}-day check-in")
                )
    if follow_up_allowed(Kind.WIN_BACK, client=case.client):
        plan.append(PlannedFollowUp(f"{prefix}:win_back", Kind.WIN_BACK, _win_back_due(case, step, survey_at)))
    return plan


# Stored in English as the reminder's note; the digest shows each in its reader's language.
CARD_REMINDER = gettext_noop("Send the handwritten card")
CALL_REMINDER = gettext_noop("Call them: 90 days since they left")
# The checklist step each reminder the product writes is about: the digest links to that step's page.
REMINDER_STEPS = {CARD_REMINDER: "thanks", CALL_REMINDER: "keep_in_touch"}


def reminder_step(reminder: FollowUp) -> str | None:
    """The step of its case a staff reminder asks to record, if it is one the product wrote."""
    return REMINDER_STEPS.get(reminder.note)


def _staff_plan(case: DepartureCase, now: datetime) -> list[PlannedFollowUp]:
    prefix = f"case{case.pk}:staff"
    plan = []
    # Reminders are the business's to-dos, timed by its own clock; the digest gathers them by each person's day.
    zone = business_zone()
    thanks = ThankStep.objects.filter(case=case).first()
    if thanks is not None and thanks.send_card and thanks.card_sent_on is None:
        card_at = max(_leave_morning(case, settings.FOLLOW_UP_CARD_REMINDER_AFTER_DAYS, zone), now)
        plan.append(PlannedFollowUp(f"{prefix}:card", Kind.STAFF_REMINDER, card_at, CARD_REMINDER, True))
    call_at = max(_leave_morning(case, settings.FOLLOW_UP_CALL_REMINDER_AFTER_DAYS, zone), now)
    plan.append(PlannedFollowUp(f"{prefix}:call", Kind.STAFF_REMINDER, call_at, CALL_REMINDER, True))
    return plan


def _follow_up_row(case: DepartureCase, planned: PlannedFollowUp, actor: User | None) -> FollowUp:
    manager = case.client.account_manager
    return FollowUp(
        key=planned.key,
        kind=planned.kind,
        client=case.client,
        case=case,
        recipient_email=manager.email if planned.to_staff else case.client.contact_email,
        recipient_user=manager if planned.to_staff else None,
        note=planned.note,
        due_at=planned.due_at,
        next_attempt_at=planned.due_at,
        message_id=message_id_for(planned.key),
        created_by=actor,
    )


def follow_ups_plan_for_departure(*, case: DepartureCase, actor: User | None, now: datetime) -> list[FollowUp]:
    """Plan the thank-you, survey, check-ins, win-back and staff reminders of a departed case.

    Called inside the transaction that marks the case departed; the caller records the event.
    """
    plan = _client_plan(case, now) + _staff_plan(case, now)
    if Suppression.objects.filter(address_hash=address_hash(case.client.contact_email)).exists():
        plan = [planned for planned in plan if planned.to_staff]
    # ignore_conflicts: a second call (a retried request, a double click) finds the rows already there.
    FollowUp.objects.bulk_create([_follow_up_row(case, planned, actor) for planned in plan], ignore_conflicts=True)
    if any(planned.due_at <= now for planned in plan):
        nudge_dispatcher_on_commit()
    return list(FollowUp.objects.filter(key__in=[planned.key for planned in plan]))


def _cancel(queryset: QuerySet[FollowUp], reason: str, now: datetime) -> int:
    return int(
        queryset.filter(status__in=FollowUp.PENDING_STATUSES).update(
            status=Status.CANCELLED, cancelled_reason=reason[:200], lease_expires_at=None, updated_at=now
        )
    )


def follow_ups_cancel_pending(*, client: Client, reason: str, actor: User | None, now: datetime) -> int:
    """Cancel every pending follow-up of a client (saved, returned); returns how many.

    Staff reminders go too: a card or a call about a departure that did not
    happen, or that ended in a return, would be wrong. The caller records the event.
    """
    return _cancel(FollowUp.objects.filter(client=client), reason, now)


def follow_ups_cancel_not_allowed(*, client: Client, now: datetime) -> int:
    """After the client's keep-in-touch answer changed: cancel the pending check-ins and win-back notes it rules out.

    Returns how many. The caller records the event.
    """
    cancelled = 0
    for kind in KEEP_IN_TOUCH_KINDS:
        refusal = follow_up_refusal(kind, client=client)
        if refusal:
            cancelled += _cancel(FollowUp.objects.filter(client=client, kind=kind), refusal, now)
    return cancelled


def follow_ups_plan_keep_in_touch(*, client: Client, actor: User | None, now: datetime) -> int:
    """After the client's keep-in-touch answer changed: plan the check-ins and win-back notes it now allows.

    For each departed case, the ones its plan holds (by cadence and renewal date, after the case's
    survey) whose time is still ahead: a row cancelled because of the client's answer is scheduled
    again, one never planned is added. Nothing sent or failed, and nothing cancelled for another
    reason (by hand, by a return, by unsubscribing), comes back. Returns how many.
    """
    if client.is_erased or is_suppressed(client.contact_email):
        return 0
    cases = client.cases.filter(status=DepartureCase.Status.DEPARTED).select_related("client__account_manager")
    planned = 0
    for case in cases:
        ahead = [row for row in _keep_in_touch_plan(case, _survey_due(case)) if row.due_at > now]
        planned += _plan_again(case, ahead, actor, now)
    return planned


def _survey_due(case: DepartureCase) -> datetime:
    """When the case's survey was planned for: check-ins come after it."""
    planned = FollowUp.objects.filter(key=f"case{case.pk}:survey").values_list("due_at", flat=True).first()
    return planned or business_morning(
        _leave_morning(case, 0), settings.FOLLOW_UP_SURVEY_AFTER_DAYS, client_zone(case.client)
    )


def _plan_again(case: DepartureCase, plan: list[PlannedFollowUp], actor: User | None, now: datetime) -> int:
    existing = {row.key: row for row in FollowUp.objects.filter(key__in=[planned.key for planned in plan])}
    new_rows = [_follow_up_row(case, planned, actor) for planned in plan if planned.key not in existing]
    FollowUp.objects.bulk_create(new_rows, ignore_conflicts=True)
    revived = 0
    for planned in plan:
        row = existing.get(planned.key)
        if row is not None and row.status == Status.CANCELLED and row.cancelled_reason in KEEP_IN_TOUCH_REFUSALS:
            revived += FollowUp.objects.filter(pk=row.pk, status=Status.CANCELLED).update(
                status=Status.SCHEDULED,
                due_at=planned.due_at,
                next_attempt_at=planned.due_at,
                attempts=0,
                last_error="",
                cancelled_reason="",
                lease_expires_at=None,
                updated_at=now,
            )
    return len(new_rows) + revived


def cancelled_summary(cancelled: int) -> str:
    """The end of an event's summary that says how many planned emails a change cancelled."""
    if not cancelled:
        return ""
    return ngettext(", %(count)s planned email cancelled", ", %(count)s planned emails cancelled", cancelled) % {
        "count": cancelled
    }


def follow_ups_cancel_client_facing(*, client: Client, reason: str, now: datetime) -> int:
    """Cancel every pending email to the client (not the staff reminders about them); returns how many."""
    return _cancel(FollowUp.objects.filter(client=client, kind__in=FollowUp.CLIENT_FACING_KINDS), reason, now)


def suppression_add(*, email: str, reason: str) -> Suppression:
    suppression, _created = Suppression.objects.get_or_create(
        address_hash=address_hash(email), defaults={"reason": reason}
    )
    return suppression


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(address_hash=address_hash(email)).exists()


@dataclass(frozen=True)
class ForgottenFollowUps:
    cancelled: int
    in_flight: int


@transaction.atomic
def follow_ups_forget_client(*, client: Client, actor: User | None, now: datetime) -> ForgottenFollowUps:
    """Before a client is erased: cancel everything pending or being sent, and keep only a hash of the address.

    A row in `sending` leaves that state too: the dispatcher holding it writes its outcome only
    to a row still `sending` (dispatch._record_outcome), so it cannot put the rendered email,
    names and all, back into the erased row. The mail may already have left, which its reason says.
    """
    suppression_add(email=client.contact_email, reason="erased")
    in_flight = FollowUp.objects.filter(client=client, status=Status.SENDING).update(
        status=Status.CANCELLED, cancelled_reason=str(ERASED_WHILE_SENDING), lease_expires_at=None, updated_at=now
    )
    cancelled = follow_ups_cancel_pending(client=client, reason="The client was erased", actor=actor, now=now)
    return ForgottenFollowUps(cancelled=cancelled, in_flight=int(in_flight))


def _locked(follow_up: FollowUp) -> FollowUp:
    return FollowUp.objects.select_for_update(of=("self",)).select_related("client", "case").get(pk=follow_up.pk)


def _record(follow_up: FollowUp, actor: User | None, verb: str, summary: str, now: datetime | None = None) -> None:
    if follow_up.client is not None:
        _event(
            now=now,
            client=follow_up.client,
            case=follow_up.case,
            actor=actor,
            verb=verb,
            summary=summary,
            follow_up=follow_up.pk,
        )


def follow_up_record_not_sent(*, follow_up: FollowUp, reason: str) -> None:
    """On the case's timeline: the dispatcher left a claimed follow-up unsent, and why."""
    because = reason[:1].lower() + reason[1:]
    not_sent = _("%(kind)s not sent: %(reason)s") % {"kind": follow_up.get_kind_display(), "reason": because}
    _record(follow_up, None, "follow_up_cancelled", not_sent)


def _business_due(kind: str, client: Client | None, due_at: datetime) -> datetime:
    """Client mail moves into the client's business hours; staff reminders keep the time given."""
    return next_business_time(due_at, client_zone(client)) if kind in FollowUp.CLIENT_FACING_KINDS else due_at


@transaction.atomic
def follow_up_reschedule(*, follow_up: FollowUp, due_at: datetime, actor: User) -> FollowUp:
    follow_up = _locked(follow_up)
    if not follow_up.is_pending:
        raise ValidationError(
            _("Only a pending follow-up can be moved; this one is %(status)s.")
            % {"status": follow_up.get_status_display().lower()}
        )
    follow_up.due_at = follow_up.next_attempt_at = _business_due(follow_up.kind, follow_up.client, due_at)
    follow_up.status = Status.SCHEDULED
    follow_up.save(update_fields=["due_at", "next_attempt_at", "status", "updated_at"])
    local = timezone.localtime(follow_up.due_at)
    moved = _("%(kind)s moved to %(when)s") % {
        "kind": follow_up.get_kind_display(),
        "when": format_date(local, "d M Y H:i"),
    }
    _record(follow_up, actor, "follow_up_rescheduled", moved)
    return follow_up


@transaction.atomic
def follow_up_cancel(*, follow_up: FollowUp, actor: User, reason: str = "") -> FollowUp:
    follow_up = _locked(follow_up)
    if not follow_up.is_pending:
        raise ValidationError(
            _("Only a pending follow-up can be cancelled; this one is %(status)s.")
            % {"status": follow_up.get_status_display().lower()}
        )
    follow_up.status = Status.CANCELLED
    follow_up.cancelled_reason = (reason or _("Cancelled by %(person)s") % {"person": display_name(actor)})[:200]
    follow_up.save(update_fields=["status", "cancelled_reason", "updated_at"])
    _record(follow_up, actor, "follow_up_cancelled", f"{follow_up.get_kind_display()} cancelled")
    return follow_up


@transaction.atomic
def follow_up_mark_done(*, follow_up: FollowUp, actor: User, now: datetime) -> FollowUp:
    """A staff reminder is done (the card is in the post, the call was made)."""
    follow_up = _locked(follow_up)
    if not follow_up.can_be_marked_done:
        raise ValidationError(_("Only a staff reminder still to do can be marked done."))
    follow_up.status = Status.DONE
    follow_up.sent_at = now
    follow_up.save(update_fields=["status", "sent_at", "updated_at"])
    _record(follow_up, actor, "follow_up_done", f"Done: {follow_up.note or follow_up.get_kind_display()}", now)
    return follow_up


def _ensure_client_may_be_emailed(case: DepartureCase, kind: str) -> None:
    if is_suppressed(case.client.contact_email):
        raise ValidationError(_("This client unsubscribed; we no longer email them."))
    client = Client.objects.get(pk=case.client_id)  # as stored now: the caller may hold a copy from before a change
    refusal = follow_up_refusal(kind, client=client)
    if refusal == DECLINED_CONTACT:
        raise ValidationError(
            _("%(refusal)s. Change their answer at the keep-in-touch step first.") % {"refusal": _(refusal)}
        )
    if refusal:
        raise ValidationError(
            _("%(refusal)s. Record their consent at the keep-in-touch step first.") % {"refusal": _(refusal)}
        )


@transaction.atomic
def follow_up_add(
    *, case: DepartureCase, kind: str, due_at: datetime, note: str, actor: User, now: datetime
) -> FollowUp:
    """An account manager adds a follow-up by hand: an extra check-in, win-back note or reminder."""
    if kind not in (Kind.CHECK_IN, Kind.WIN_BACK, Kind.STAFF_REMINDER):
        raise ValidationError({"kind": _("Choose a check-in, a win-back note or a staff reminder.")})
    if due_at < now - timedelta(minutes=5):
        raise ValidationError({"due_at": _("Choose a time in the future.")})
    client = case.client
    to_staff = kind == Kind.STAFF_REMINDER
    if not to_staff:
        _ensure_client_may_be_emailed(case, kind)
    key = f"manual:{uuid.uuid4().hex}"
    due_at = _business_due(kind, client, due_at)
    follow_up = FollowUp.objects.create(
        key=key,
        kind=kind,
        client=client,
        case=case,
        recipient_email=client.account_manager.email if to_staff else client.contact_email,
        recipient_user=client.account_manager if to_staff else None,
        note=note[:200],
        due_at=due_at,
        next_attempt_at=due_at,
        message_id=message_id_for(key),
        created_by=actor,
    )
    local = timezone.localtime(due_at)
    added = _("%(kind)s added for %(when)s") % {
        "kind": follow_up.get_kind_display(),
        "when": format_date(local, "d M Y H:i"),
    }
    _record(follow_up, actor, "follow_up_added", added, now)
    return follow_up


@transaction.atomic
def follow_up_retry(*, follow_up: FollowUp, actor: User, now: datetime) -> FollowUp:
    """A manager sends a failed follow-up again: a fresh set of attempts, the same Message-ID."""
    follow_up = _locked(follow_up)
    if not follow_up.can_be_retried:
        raise ValidationError(
            _("Only a failed follow-up can be retried; this one is %(status)s.")
            % {"status": follow_up.get_status_display().lower()}
        )
    follow_up.status = Status.SCHEDULED
    follow_up.attempts = 0
    follow_up.next_attempt_at = _business_due(follow_up.kind, follow_up.client, now)
    follow_up.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    retried = _("%(kind)s queued to be sent again") % {"kind": follow_up.get_kind_display()}
    _record(follow_up, actor, "follow_up_retried", retried, now)
    return follow_up
