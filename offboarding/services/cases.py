"""Writes on departure cases. Every function runs in one transaction and records a CaseEvent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.formatting import display_name
from clients.models import Client, ClientValueChange
from clients.value_history import client_value_record
from offboarding.models import (
    STEP_MODELS,
    CaseEvent,
    CaseStep,
    DepartureCase,
    HandoverItem,
    OfferStep,
    SaveOffer,
)
from offboarding.outbox.services import follow_ups_cancel_pending, follow_ups_plan_for_departure
from offboarding.outbox.webhooks.events import webhook_case_event, webhook_case_relapsed
from offboarding.outbox.webhooks.models import EventType
from offboarding.services.consent import KeepInTouchChange, client_keep_in_touch_set
from offboarding.services.handover_lists import segment_list

# The checklist in order, keyed by each step's related name on the case (also its URL slug).
STEPS: dict[str, type[CaseStep]] = {step.case.field.related_query_name(): step for step in STEP_MODELS}

# A case may close as departed only once these are done or skipped with a reason.
REQUIRED_BEFORE_DEPARTURE = ("probe", "transition", "thanks", "keep_in_touch")

# After the client has left, the handover, the thank-you and keeping in touch still go on.
EDITABLE_AFTER_DEPARTURE = ("transition", "thanks", "keep_in_touch")

NOT_NEEDED_CLIENT_STAYED = "Not needed: the client stayed"

# A partial departure walks the same steps but for keeping in touch: that step asks permission to stay
# in contact after the client has gone, and this client stays and hears from their account manager anyway.
REQUIRED_BEFORE_PARTIAL_DEPARTURE = ("probe", "transition", "thanks")
NOT_NEEDED_PARTIAL = "Not needed: a partial departure, the client stays a client"


def case_event_record(
    *,
    client: Client,
    case: DepartureCase | None,
    actor: User | None,
    verb: str,
    summary: str,
    now: datetime | None = None,
    **details: Any,
) -> CaseEvent:
    """One timeline entry, at the moment the service that made the change was given (now, by default)."""
    return CaseEvent.objects.record(
        client=client, case=case, actor=actor, verb=verb, summary=summary, details=details, created_at=now
    )


def case_open_refusal(client: Client) -> str:
    """Why no departure case can be opened for the client now; empty when one can.

    The client page's "Client is leaving" and case_open both ask this, so they cannot disagree.
    A departed client must come back first: a second departure needs a first return. A client
    marked departed with no departed case (as old imports left some) may log the departure,
    the only way to a case that a return can win back.
    """
    if client.status == Client.Status.DEPARTED and client.cases.filter(status=DepartureCase.Status.DEPARTED).exists():
        return _(
            "This client has left. If they came back, record that first with “Client came back”; "
            "then a new departure can be logged."
        )
    if client.cases.filter(status=DepartureCase.Status.OPEN).exists():
        return _("This client already has an open departure case.")
    return ""


@transaction.atomic
def case_open(
    *,
    client: Client,
    opened_by: User,
    notice_received_on: date,
    planned_leave_date: date,
    how_heard: str,
    first_notes: str = "",
    scope: str = DepartureCase.Scope.FULL,
    value_leaving: Decimal | None = None,
    part_leaving: str = "",
    now: datetime | None = None,
) -> DepartureCase:
    """Log that a client is leaving: a case with its six steps and its segment's handover list.

    A partial departure (scope "partial") records the monthly value that leaves and what leaves;
    the client stays active throughout, since they remain a client whatever the case's outcome.
    """
    now = now or timezone.now()
    client = Client.objects.select_for_update().get(pk=client.pk)
    refusal = case_open_refusal(client)
    if refusal:
        raise ValidationError(refusal)
    case = DepartureCase(
        client=client,
        notice_received_on=notice_received_on,
        planned_leave_date=planned_leave_date,
        how_heard=how_heard,
        first_notes=first_notes,
        scope=scope,
        value_leaving=value_leaving if scope == DepartureCase.Scope.PARTIAL else None,
        part_leaving=part_leaving if scope == DepartureCase.Scope.PARTIAL else "",
        account_manager=client.account_manager,
        segment=client.segment,
        monthly_value=client.monthly_value,
        currency=client.currency,
        opened_by=opened_by,
        opened_at=now,
    )
    # The people and the client come from rows just read, and the refusal above, under the client's
    # lock, already answered the one-open-case constraint: what is left to check is what was typed.
    case.full_clean(exclude=["client", "account_manager", "opened_by"])
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(_("This client already has an open departure case.")) from None
    for step_model in STEP_MODELS:
        step_model.objects.create(case=case)
    # The list the managers keep for the client's segment (offboarding/services/handover_lists.py).
    HandoverItem.objects.bulk_create(
        HandoverItem(
            case=case,
            title=entry.title,
            days_from_leave_date=entry.days_from_leave_date,
            due_on=planned_leave_date + timedelta(days=entry.days_from_leave_date),
            position=position,
        )
        for position, entry in enumerate(segment_list(client.segment).entries)
    )
    previous_status = client.status
    if not case.is_partial:
        client.status = Client.Status.DEPARTING
        client.save(update_fields=["status", "updated_at"])
    case_event_record(
        now=now,
        client=client,
        case=case,
        actor=opened_by,
        verb="case_opened",
        summary=_opened_summary(case),
        client_status={"before": previous_status, "after": client.status},
    )
    webhook_case_event(case=case, event_type=EventType.CASE_OPENED, now=now)
    save_relapse_record(case=case, actor=opened_by, now=now)
    return case


def _opened_summary(case: DepartureCase) -> str:
    if case.is_partial:
        return _("Partial departure logged: %(part)s leaves on %(day)s, %(value)s %(currency)s a month") % {
            "part": case.part_leaving or _("part of the service"),
            "day": format_date(case.planned_leave_date, "d M Y"),
            "value": case.value_leaving,
            "currency": case.currency,
        }
    return _("Departure logged: leaving on %(day)s") % {"day": format_date(case.planned_leave_date, "d M Y")}


def _save_relapsed_by(case: DepartureCase) -> DepartureCase | None:
    """The client's save that this new notice relapses, if any: the latest save still watched on the notice date."""
    saves = (
        DepartureCase.objects.select_for_update()
        .filter(client_id=case.client_id, status=DepartureCase.Status.SAVED, relapsed_on__isnull=True)
        .exclude(pk=case.pk)
        .order_by("-saved_on", "-id")
    )
    return next((saved for saved in saves if saved.relapse_covers(case.notice_received_on)), None)


def save_relapse_record(*, case: DepartureCase, actor: User | None, now: datetime) -> DepartureCase | None:
    """A new departure inside a save's watch period: link it to the save and record the save as relapsed.

    Called by case_open in its transaction, under the client's lock. Returns the relapsed save, or None
    when the notice relapses nothing (no save, or the save's watch period had ended: it was kept).
    The new case is a departure like any other: its follow-ups are planned when it is marked departed.
    """
    saved = _save_relapsed_by(case)
    if saved is None:
        return None
    saved.relapsed_on = case.notice_received_on
    saved.save(update_fields=["relapsed_on", "updated_at"])
    case.relapse_of = saved
    case.save(update_fields=["relapse_of", "updated_at"])
    days_kept = saved.days_kept or 0
    case_event_record(
        now=now,
        client=case.client,
        case=saved,
        actor=actor,
        verb="case_relapsed",
        summary=ngettext(
            "Save relapsed: the client gave notice again after %(days)d day",
            "Save relapsed: the client gave notice again after %(days)d days",
            days_kept,
        )
        % {"days": days_kept},
        relapse_case=case.pk,
        days_kept=days_kept,
        relapsed_on=case.notice_received_on.isoformat(),
    )
    webhook_case_relapsed(saved=saved, relapse=case, now=now)
    return saved


def _as_json(value: Any) -> Any:
    """How a field value is kept in an event's before/after: readable, JSON-safe."""
    if isinstance(value, User):
        return display_name(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return sorted(str(item) for item in value)
    if isinstance(value, Promise):  # a choice's label, kept in the words of whoever made the change
        return str(value)
    return value


def _locked_case(case: DepartureCase) -> DepartureCase:
    return DepartureCase.objects.select_for_update().select_related("client").get(pk=case.pk)


def _step_rows(step: str, case: DepartureCase) -> models.QuerySet[Any]:
    rows: models.QuerySet[Any] = STEPS[step]._default_manager.all()
    return rows.filter(case=case)


def _step_title(step: str) -> str:
    return str(STEPS[step].title)


def step_is_editable(case: DepartureCase, step: str) -> bool:
    """Whether the step may still be recorded, edited or skipped: on an open case, and for the
    handover, the thank-you and keeping in touch also after the client left."""
    if case.status == DepartureCase.Status.OPEN:
        return True
    return case.status == DepartureCase.Status.DEPARTED and step in EDITABLE_AFTER_DEPARTURE


def case_step_statuses(case: DepartureCase) -> dict[str, str]:
    """The six steps' statuses by slug, from the steps loaded with the case."""
    return {step: getattr(case, step).status for step in STEPS}


def case_next_open_step(
    case: DepartureCase, *, after: str | None = None, statuses: Mapping[str, str] | None = None
) -> str | None:
    """The step the case page leads with: the first one still pending that may be recorded, looking
    on from `after` (the step just saved) and round to the start; None when nothing is left to do.
    Reads the steps as loaded with the case, or `statuses` (each step's status by slug) where a list
    read only those (My work), so asking costs no query."""
    if statuses is None:
        statuses = case_step_statuses(case)
    order = list(STEPS)
    if after in STEPS:
        start = order.index(after) + 1
        order = order[start:] + order[:start]
    return next(
        (step for step in order if not CaseStep.status_is_closed(statuses[step]) and step_is_editable(case, step)),
        None,
    )


def _ensure_step_editable(case: DepartureCase, step: str) -> None:
    if not step_is_editable(case, step):
        status = case.get_status_display().lower()
        raise ValidationError(
            _("This case is %(status)s: the %(step)s step can no longer be changed.")
            % {"status": status, "step": _step_title(step).lower()}
        )


def _ensure_handover_editable(case: DepartureCase) -> None:
    if not case.handover_is_editable:
        raise ValidationError(
            _("This case is %(status)s: its handover list is closed.") % {"status": case.get_status_display().lower()}
        )


def _assign_fields(record: models.Model, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the given fields on a row; return {field: {label, before, after}} for the ones that changed.

    Choice values are kept with their labels, so the timeline reads as the form did.
    """
    changes: dict[str, dict[str, Any]] = {}
    for name, after in values.items():
        field = record._meta.get_field(name)
        label = str(getattr(field, "verbose_name", name)).capitalize()
        if field.many_to_many:
            before_items = set(getattr(record, name).all())
            if before_items != set(after):
                changes[name] = {"label": label, "before": _as_json(before_items), "after": _as_json(after)}
                getattr(record, name).set(after)
            continue
        before = getattr(record, name)
        if before != after:
            shown = dict(getattr(field, "flatchoices", None) or ())
            changes[name] = {
                "label": label,
                "before": _as_json(shown.get(before, before)),
                "after": _as_json(shown.get(after, after)),
            }
            setattr(record, name, after)
    return changes


def _status_change(before: str, after: str) -> dict[str, str]:
    return {
        "label": _("Status"),
        "before": str(CaseStep.Status(before).label),
        "after": str(CaseStep.Status(after).label),
    }


def _check_step_values(step: str, values: Mapping[str, Any]) -> None:
    """The rules a step must meet to count as done."""
    if step == "probe" and not values.get("primary_reason"):
        raise ValidationError({"primary_reason": _("Choose the main reason the client gave.")})
    if step == "apology" and not values.get("fell_short"):
        raise ValidationError({"fell_short": _("Say whether we fell short.")})
    if step == "keep_in_touch" and values.get("consent") is None:
        raise ValidationError({"consent": _("Record whether the client agreed to stay in touch.")})
    if step == "offer":
        _check_offer_values(values)


def _check_offer_values(values: Mapping[str, Any]) -> None:
    if values.get("offer_made") is None:
        raise ValidationError({"offer_made": _("Record whether an offer was made.")})
    if values["offer_made"]:
        errors = {}
        if not values.get("offer_type"):
            errors["offer_type"] = _("Choose what kind of offer was made.")
        if not values.get("details", "").strip():
            errors["details"] = _("Describe the offer.")
        if not values.get("answer"):
            errors["answer"] = _("Record the client's answer (or that you are waiting for it).")
        if errors:
            raise ValidationError(errors)
    elif not values.get("no_offer_reason", "").strip():
        raise ValidationError({"no_offer_reason": _("Say why no offer was made.")})


@transaction.atomic
def step_complete(
    *, case: DepartureCase, step: str, actor: User, values: Mapping[str, Any], now: datetime | None = None
) -> CaseStep:
    """Record a step as done with what was learnt; saving it again later records the edit.

    An accepted save offer calls the departure off (see case_mark_saved). The keep-in-touch
    step asks for the client's consent, which is kept on the client (consent.client_keep_in_touch_set):
    a "no" cancels the planned check-ins and win-back note, a "yes" plans again those still ahead.
    """
    now = now or timezone.now()
    case = _locked_case(case)
    _ensure_step_editable(case, step)
    _check_step_values(step, values)
    values = dict(values)
    consent = values.pop("consent", None) if step == "keep_in_touch" else None
    record = _step_rows(step, case).select_for_update().get()
    was_done = record.status == CaseStep.Status.DONE
    changes = _assign_fields(record, values)
    if not was_done:
        changes["status"] = _status_change(record.status, CaseStep.Status.DONE)
        record.status = CaseStep.Status.DONE
        record.skip_reason = ""
        record.completed_by = actor
        record.completed_at = now
    if changes:
        record.full_clean(exclude=["case"])
        record.save()  # first: planning again reads the cadence and renewal date just recorded
    if isinstance(record, OfferStep) and record.offer_made:
        _latest_offer_sync(case, record, actor, now)
    consent_change = _keep_in_touch_answered(case, consent, actor, now) if consent is not None else None
    if consent_change is not None and consent_change.changed:
        changes["keep_in_touch"] = consent_change.as_change()
    if not changes:
        return record
    verb, summary = ("step_updated", _("%(step)s: updated")) if was_done else ("step_completed", _("%(step)s: done"))
    case_event_record(
        now=now,
        client=case.client,
        case=case,
        actor=actor,
        verb=verb,
        summary=(summary % {"step": record.title}) + (consent_change.summary() if consent_change else ""),
        step=step,
        changes=changes,
        **_consent_details(consent_change),
    )
    if step == "offer" and getattr(record, "answer", "") == OfferStep.Answer.ACCEPTED and case.can_close:
        case_mark_saved(case=case, actor=actor, now=now)
    return record


# The offer step's form edits the latest offer of the history; offboarding/services/offers.py adds the next.
OFFER_FIELDS = ("offer_type", "details", "monthly_value_effect", "approved_by", "answer")


def _latest_offer_sync(case: DepartureCase, step: OfferStep, actor: User, now: datetime) -> SaveOffer:
    """The history's latest offer as the step records it (the first offer, made when the step is first saved)."""
    latest = case.offers.select_for_update().order_by("-position").first()
    if latest is None:
        latest = SaveOffer(case=case, position=1, made_by=actor, made_at=now)
    for name in OFFER_FIELDS:
        setattr(latest, name, getattr(step, name))
    if latest.answer == OfferStep.Answer.PENDING:
        latest.answered_on = None
    elif latest.answered_on is None:
        latest.answered_on = timezone.localdate(now)
    latest.full_clean(exclude=["case", "approved_by", "made_by"])
    latest.save()
    return latest


def _keep_in_touch_answered(case: DepartureCase, consent: bool, actor: User, now: datetime) -> KeepInTouchChange:
    answer = Client.KeepInTouch.YES if consent else Client.KeepInTouch.NO
    try:
        return client_keep_in_touch_set(
            client=case.client, answer=answer, source=Client.KeepInTouchSource.STEP, actor=actor, now=now
        )
    except ValidationError as refusal:
        raise ValidationError({"consent": refusal.messages}) from None


def _consent_details(change: KeepInTouchChange | None) -> dict[str, int]:
    if change is None:
        return {}
    return {"follow_ups_cancelled": change.cancelled, "follow_ups_planned": change.planned}


@transaction.atomic
def step_skip(*, case: DepartureCase, step: str, actor: User, reason: str, now: datetime | None = None) -> CaseStep:
    """Close a step without doing it; the reason is required and kept."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this step is skipped.")})
    now = now or timezone.now()
    case = _locked_case(case)
    _ensure_step_editable(case, step)
    record = _step_rows(step, case).select_for_update().get()
    if record.status == CaseStep.Status.SKIPPED and record.skip_reason == reason:
        return record
    changes = {
        "status": _status_change(record.status, CaseStep.Status.SKIPPED),
        "skip_reason": {"label": _("Reason for skipping"), "before": record.skip_reason, "after": reason},
    }
    record.status = CaseStep.Status.SKIPPED
    record.skip_reason = reason
    record.completed_by = actor
    record.completed_at = now
    record.save()
    case_event_record(
        now=now,
        client=case.client,
        case=case,
        actor=actor,
        verb="step_skipped",
        summary=_("%(step)s: skipped (%(reason)s)") % {"step": record.title, "reason": reason},
        step=step,
        changes=changes,
    )
    return record


@transaction.atomic
def case_mark_saved(*, case: DepartureCase, actor: User, now: datetime | None = None) -> DepartureCase:
    """The client accepted an offer and stays: close the case, the steps left and pending follow-ups."""
    now = now or timezone.now()
    case = _locked_case(case)
    if not case.can_close:
        raise ValidationError(
            _("Only an open case can be saved; this one is %(status)s.") % {"status": case.get_status_display().lower()}
        )
    closed_steps = []
    for step in STEPS:
        updated = (
            _step_rows(step, case)
            .filter(status=CaseStep.Status.PENDING)
            .update(
                status=CaseStep.Status.SKIPPED,
                skip_reason=NOT_NEEDED_CLIENT_STAYED,
                completed_by=actor,
                completed_at=now,
            )
        )
        if updated:
            closed_steps.append(step)
    case.status = DepartureCase.Status.SAVED
    case.saved_on = timezone.localdate(now)
    case.closed_at = now
    case.save(update_fields=["status", "saved_on", "closed_at", "updated_at"])
    client_before = _set_client_status(case.client, Client.Status.ACTIVE)
    cancelled = follow_ups_cancel_pending(client=case.client, reason="saved", actor=actor, now=now)
    case_event_record(
        now=now,
        client=case.client,
        case=case,
        actor=actor,
        verb="case_saved",
        summary=_("Saved: the client accepted the offer and stays"),
        case_status={"before": DepartureCase.Status.OPEN, "after": case.status},
        client_status={"before": client_before, "after": case.client.status},
        steps_closed_as_not_needed=closed_steps,
        follow_ups_cancelled=cancelled,
    )
    webhook_case_event(case=case, event_type=EventType.CASE_SAVED, now=now)
    return case


def _set_client_status(client: Client, status: str) -> str:
    before = client.status
    client.status = status
    client.save(update_fields=["status", "updated_at"])
    return before


def case_steps_required_before_departure(case: DepartureCase | None = None) -> list[str]:
    """Titles of the steps a case needs done or skipped (with a reason) before it can close as departed."""
    partial = case is not None and case.is_partial
    return [_step_title(step) for step in (REQUIRED_BEFORE_PARTIAL_DEPARTURE if partial else REQUIRED_BEFORE_DEPARTURE)]


def case_steps_blocking_departure(case: DepartureCase) -> list[str]:
    """Titles of the required steps still to do. Reads the steps as loaded with the case (the case
    page's selector fetches them with it), so asking costs no query there."""
    required = REQUIRED_BEFORE_PARTIAL_DEPARTURE if case.is_partial else REQUIRED_BEFORE_DEPARTURE
    return [_step_title(step) for step in required if getattr(case, step).status == CaseStep.Status.PENDING]


@transaction.atomic
def case_mark_departed(*, case: DepartureCase, actor: User, now: datetime | None = None) -> DepartureCase:
    """The client has left. departed_on is the agreed leave date (reports count the departure then).

    Plans the follow-ups (thank-you, survey, check-ins, win-back) in the same transaction.
    """
    now = now or timezone.now()
    case = _locked_case(case)
    if not case.can_close:
        raise ValidationError(
            _("Only an open case can be closed as departed; this one is %(status)s.")
            % {"status": case.get_status_display().lower()}
        )
    blocking = case_steps_blocking_departure(case)
    if blocking:
        raise ValidationError(
            _("Before marking the client as departed, complete or skip (with a reason): %(steps)s.")
            % {"steps": ", ".join(blocking)}
        )
    case.status = DepartureCase.Status.DEPARTED
    case.departed_on = case.planned_leave_date
    case.closed_at = now
    case.save(update_fields=["status", "departed_on", "closed_at", "updated_at"])
    if case.is_partial:
        return _partial_departure_complete(case, actor, now)
    client_before = _set_client_status(case.client, Client.Status.DEPARTED)
    client_value_record(
        client=case.client,
        source=ClientValueChange.Source.DEPARTURE,
        actor=actor,
        on=case.departed_on,
        value=Decimal(0),
    )
    planned = follow_ups_plan_for_departure(case=case, actor=actor, now=now)
    case_event_record(
        now=now,
        client=case.client,
        case=case,
        actor=actor,
        verb="case_departed",
        summary=_("Departed on %(day)s") % {"day": format_date(case.departed_on, "d M Y")},
        case_status={"before": DepartureCase.Status.OPEN, "after": case.status},
        client_status={"before": client_before, "after": case.client.status},
        follow_ups_planned=len(planned),
    )
    webhook_case_event(case=case, event_type=EventType.CASE_DEPARTED, now=now)
    return case


def _partial_departure_complete(case: DepartureCase, actor: User, now: datetime) -> DepartureCase:
    """The part has left: the client stays active with their value less the part, from the leave date.

    Their value now, not the case's snapshot: an edit since the notice (a price rise) is kept. A value
    now below the part leaving is refused, and the whole departure with it (the caller's transaction).
    No follow-ups are planned: the thank-you, survey, check-ins and win-back notes are written for a
    client who has gone, and this one is still served by their account manager every month.
    """
    _step_rows("keep_in_touch", case).filter(status=CaseStep.Status.PENDING).update(
        status=CaseStep.Status.SKIPPED, skip_reason=NOT_NEEDED_PARTIAL, completed_by=actor, completed_at=now
    )
    client = Client.objects.select_for_update().get(pk=case.client_id)
    value_before = client.monthly_value
    if case.value_leaving is None or case.value_leaving > value_before:
        raise ValidationError(
            _(
                "The client's monthly value is now %(value)s, less than the part leaving: correct the monthly value "
                "that leaves in the notice details first."
            )
            % {"value": value_before}
        )
    client.monthly_value = value_before - case.value_leaving
    client.status = Client.Status.ACTIVE
    client.save(update_fields=["monthly_value", "status", "updated_at"])
    case.client = client
    client_value_record(
        client=client, source=ClientValueChange.Source.PARTIAL_DEPARTURE, actor=actor, on=case.departed_on
    )
    case_event_record(
        now=now,
        client=client,
        case=case,
        actor=actor,
        verb="case_departed",
        summary=_("Partial departure completed on %(day)s: the client stays") % {"day": f"{case.departed_on:%d %b %Y}"},
        case_status={"before": DepartureCase.Status.OPEN, "after": case.status},
        monthly_value={"label": "Monthly value", "before": str(value_before), "after": str(client.monthly_value)},
    )
    webhook_case_event(case=case, event_type=EventType.CASE_DEPARTED, now=now)
    return case


def client_return_refusal(client: Client) -> str:
    """Why the client cannot be recorded as come back now; empty when they can.

    The client page's "Client came back" and client_mark_returned both ask this. A return is
    always of a departure: a client marked departed without a departed case (as old imports
    left some) has nothing to win back.
    """
    if client.status != Client.Status.DEPARTED:
        return _("Only a departed client can come back; this one is %(status)s.") % {
            "status": client.get_status_display().lower()
        }
    if not client.cases.filter(status=DepartureCase.Status.DEPARTED, scope=DepartureCase.Scope.FULL).exists():
        return _(
            "This client has no departure case to win back: log their departure and mark it as departed "
            "before recording a return."
        )
    return ""


@transaction.atomic
def client_mark_returned(
    *, client: Client, actor: User, returned_on: date, now: datetime | None = None, brought_back_by: str = ""
) -> DepartureCase:
    """A departed client came back: their latest departed case becomes won back (see client_return_refusal).

    `brought_back_by` names what brought them back (services/returns.py records it) for the timeline.
    """
    now = now or timezone.now()
    client = Client.objects.select_for_update().get(pk=client.pk)
    refusal = client_return_refusal(client)
    if refusal:
        raise ValidationError(refusal)
    if returned_on > timezone.localdate(now):
        raise ValidationError({"returned_on": _("The date they came back cannot be in the future.")})
    # The refusal found a departed case, and the client's lock keeps another return from winning it first.
    case = (
        client.cases.select_for_update()
        .filter(status=DepartureCase.Status.DEPARTED, scope=DepartureCase.Scope.FULL)
        .order_by("-departed_on", "-id")[0]
    )
    if case.departed_on and returned_on < case.departed_on:
        raise ValidationError({"returned_on": _("The date they came back cannot be before they left.")})
    case.status = DepartureCase.Status.WON_BACK
    case.won_back_on = returned_on
    case.save(update_fields=["status", "won_back_on", "updated_at"])
    client_before = _set_client_status(client, Client.Status.RETURNED)
    client_value_record(client=client, source=ClientValueChange.Source.RETURN, actor=actor, on=returned_on)
    cancelled = follow_ups_cancel_pending(client=client, reason="returned", actor=actor, now=now)
    case_event_record(
        now=now,
        client=client,
        case=case,
        actor=actor,
        verb="client_returned",
        summary=(
            _("Came back on %(day)s, brought back by: %(cause)s")
            % {"day": format_date(returned_on, "d M Y"), "cause": brought_back_by}
            if brought_back_by
            else _("Came back on %(day)s") % {"day": format_date(returned_on, "d M Y")}
        ),
        client_status={"before": client_before, "after": client.status},
        won_back_on=returned_on.isoformat(),
        follow_ups_cancelled=cancelled,
    )
    webhook_case_event(case=case, event_type=EventType.CASE_WON_BACK, now=now)
    return case


def case_update_refusal(case: DepartureCase) -> str:
    """Why the case's notice details cannot be changed now; empty when they can (the case page's
    "Edit notice details" shows when DepartureCase.notice_is_editable)."""
    return "" if case.notice_is_editable else _("Only an open case's notice details can be changed.")


@transaction.atomic
def case_update(
    *,
    case: DepartureCase,
    actor: User,
    notice_received_on: date,
    planned_leave_date: date,
    how_heard: str,
    first_notes: str,
    value_leaving: Decimal | None = None,
    part_leaving: str = "",
) -> DepartureCase:
    """Correct the notice details (and a partial departure's part and value leaving); a new leave date
    moves the handover items not yet done. Whether the departure is partial is settled when it opens."""
    case = _locked_case(case)
    refusal = case_update_refusal(case)
    if refusal:
        raise ValidationError(refusal)
    fields: dict[str, Any] = {
        "notice_received_on": notice_received_on,
        "planned_leave_date": planned_leave_date,
        "how_heard": how_heard,
        "first_notes": first_notes,
    }
    if case.is_partial:
        fields.update(value_leaving=value_leaving, part_leaving=part_leaving)
    changes: dict[str, Any] = _assign_fields(case, fields)
    if not changes:
        return case
    case.full_clean(exclude=["client", "account_manager", "opened_by"])
    case.save()
    moved = _move_handover_items(case) if "planned_leave_date" in changes else 0
    case_event_record(
        client=case.client,
        case=case,
        actor=actor,
        verb="case_updated",
        summary=_("Notice details changed") + _handover_moved_summary(moved),
        changes=changes,
        handover_items_moved=moved,
    )
    return case


def _handover_moved_summary(moved: int) -> str:
    if not moved:
        return ""
    return ngettext(
        ", %(count)d handover item moved to the new leave date",
        ", %(count)d handover items moved to the new leave date",
        moved,
    ) % {"count": moved}


def _move_handover_items(case: DepartureCase) -> int:
    items = list(case.handover_items.filter(done_at__isnull=True))
    for item in items:
        item.due_on = case.planned_leave_date + timedelta(days=item.days_from_leave_date)
    HandoverItem.objects.bulk_update(items, ["due_on"])
    return len(items)


def _ensure_not_on_handover_list(case: DepartureCase, title: str) -> None:
    """The same item twice (a double submit) is refused; titles compare as the database's constraint does."""
    same_title = case.handover_items.alias(key=Lower(Trim("title"))).filter(key=Lower(Trim(Value(title))))
    if same_title.exists():
        raise ValidationError({"title": _("“%(title)s” is already on the handover list.") % {"title": title}})


@transaction.atomic
def handover_item_add(*, case: DepartureCase, actor: User, title: str, days_from_leave_date: int) -> HandoverItem:
    # The case's row lock queues simultaneous adds, so each one sees the items added before it.
    case = _locked_case(case)
    _ensure_handover_editable(case)
    title = title.strip()
    _ensure_not_on_handover_list(case, title)
    position = (case.handover_items.aggregate(last=models.Max("position"))["last"] or 0) + 1
    item = HandoverItem(
        case=case,
        title=title,
        days_from_leave_date=days_from_leave_date,
        due_on=case.planned_leave_date + timedelta(days=days_from_leave_date),
        position=position,
    )
    item.full_clean(exclude=["case"])
    item.save()
    case_event_record(
        client=case.client,
        case=case,
        actor=actor,
        verb="handover_item_added",
        summary=_("Handover item added: %(item)s") % {"item": item.title},
        due_on=item.due_on.isoformat(),
    )
    return item


@transaction.atomic
def handover_item_set_done(*, item: HandoverItem, actor: User, done: bool, now: datetime | None = None) -> HandoverItem:
    """Tick a handover item as done (or untick it when it was ticked by mistake)."""
    now = now or timezone.now()
    case = _locked_case(item.case)
    _ensure_handover_editable(case)
    item = HandoverItem.objects.select_for_update().get(pk=item.pk)
    if (item.done_at is not None) == done:
        return item
    item.done_at, item.done_by = (now, actor) if done else (None, None)
    item.save(update_fields=["done_at", "done_by"])
    case_event_record(
        now=now,
        client=case.client,
        case=case,
        actor=actor,
        verb="handover_item_done" if done else "handover_item_reopened",
        summary=(_("Handover item done: %(item)s") if done else _("Handover item reopened: %(item)s"))
        % {"item": item.title},
        done={"before": not done, "after": done},
    )
    return item
