"""Improvements and their "we changed it" notes: every write, each in one transaction.

Who may do what lives here too (the pages ask): the owner or a manager moves an improvement along;
only a manager sends the notes, and only once it is done. Which former clients a note reaches is
decided by improvement_note_audience, with the same consent and suppression rules as every client email.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from clients.roles import has_role, is_manager
from offboarding.models import (
    CaseEvent,
    ChurnReason,
    DepartureCase,
    FollowUp,
    Improvement,
    ImprovementCase,
    ImprovementNote,
)
from offboarding.outbox.business_hours import client_zone, next_business_time
from offboarding.outbox.nudge import nudge_dispatcher_on_commit
from offboarding.outbox.services import follow_up_refusal, is_suppressed, message_id_for

Status = Improvement.Status


def _case_event(
    case: DepartureCase, improvement: Improvement, *, actor: User, verb: str, summary: str, now: datetime
) -> None:
    CaseEvent.objects.record(
        client=case.client,
        case=case,
        actor=actor,
        verb=verb,
        summary=summary,
        details={"improvement_id": improvement.pk},
        created_at=now,
    )


def _linked_event(case: DepartureCase, improvement: Improvement, actor: User, now: datetime) -> None:
    summary = _("Asked for the improvement “%(title)s”") % {"title": improvement.title}
    _case_event(case, improvement, actor=actor, verb=CaseEvent.Verb.IMPROVEMENT_LINKED, summary=summary, now=now)


def _check_owner(owner: User) -> None:
    if not (owner.is_active and has_role(owner)):
        raise ValidationError({"owner": _("Choose an account manager or a manager as the owner.")})


@transaction.atomic
def improvement_create_from_case(
    *,
    case: DepartureCase,
    actor: User,
    title: str,
    what_changes: str,
    owner: User,
    due_on: date,
    reasons: Iterable[ChurnReason],
    now: datetime | None = None,
) -> Improvement:
    """The apology's "what will change" becomes an improvement, with this case as the first to ask for it."""
    now = now or timezone.now()
    if not title.strip():
        raise ValidationError({"title": _("Give the improvement a title.")})
    if due_on < timezone.localdate(now):
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    _check_owner(owner)
    improvement = Improvement.objects.create(
        title=title.strip(), what_changes=what_changes.strip(), owner=owner, due_on=due_on, created_by=actor
    )
    improvement.reasons.set(reasons)
    ImprovementCase.objects.create(improvement=improvement, case=case, added_by=actor, added_at=now)
    _linked_event(case, improvement, actor, now)
    return improvement


@transaction.atomic
def improvement_attach_case(
    *, improvement: Improvement, case: DepartureCase, actor: User, now: datetime | None = None
) -> ImprovementCase:
    """Another case asks for an improvement that exists already: it joins the cases the improvement answers."""
    now = now or timezone.now()
    if ImprovementCase.objects.filter(improvement=improvement, case=case).exists():
        raise ValidationError(_("This case is already linked to “%(title)s”.") % {"title": improvement.title})
    try:
        with transaction.atomic():
            link = ImprovementCase.objects.create(improvement=improvement, case=case, added_by=actor, added_at=now)
    except IntegrityError:  # a double click won the race: the link is there, as asked
        raise ValidationError(_("This case is already linked to “%(title)s”.") % {"title": improvement.title}) from None
    _linked_event(case, improvement, actor, now)
    return link


def improvement_status_refusal(improvement: Improvement, user: User) -> str:
    """Why this person may not move the improvement along; empty when they may (its owner or a manager)."""
    if improvement.owner_id == user.pk or is_manager(user):
        return ""
    return _("Only the owner of this improvement or a manager can change its status.")


@transaction.atomic
def improvement_set_status(
    *, improvement: Improvement, status: str, actor: User, now: datetime | None = None
) -> Improvement:
    now = now or timezone.now()
    refusal = improvement_status_refusal(improvement, actor)
    if refusal:
        raise ValidationError(refusal)
    if status not in Status.values:
        raise ValidationError({"status": _("Choose planned, in progress or done.")})
    improvement = Improvement.objects.select_for_update().get(pk=improvement.pk)
    improvement.status = status
    improvement.done_at = (improvement.done_at or now) if status == Status.DONE else None
    improvement.save(update_fields=["status", "done_at"])
    return improvement


# --- The "we changed it" note ------------------------------------------------------------------


@dataclass
class NoteAudience:
    """Who a "we changed it" note would reach now, and how many of the cases' clients it leaves out and why."""

    recipients: list[tuple[Client, DepartureCase]] = field(default_factory=list)
    already_told: int = 0
    not_former_clients: int = 0
    not_agreed: int = 0
    unsubscribed: int = 0


def _audience_place(client: Client, told: set[int]) -> str:
    if client.pk in told:
        return "already_told"
    if client.is_erased or client.status != Client.Status.DEPARTED:
        return "not_former_clients"
    if follow_up_refusal(FollowUp.Kind.WE_CHANGED_IT, client=client):
        return "not_agreed"
    if is_suppressed(client.contact_email):
        return "unsubscribed"
    return "recipient"


def improvement_note_audience(improvement: Improvement) -> NoteAudience:
    """The former clients of the improvement's cases who agreed to keep in touch, are not unsubscribed
    and have not had this note yet: one note per client, about their latest case that asked for it."""
    links = improvement.case_links.select_related("case__client__account_manager").order_by("-case__opened_at")
    told = set(improvement.notes.values_list("client_id", flat=True))
    audience, seen = NoteAudience(), set()
    for link in links:
        client = link.case.client
        if client.pk in seen:
            continue
        seen.add(client.pk)
        place = _audience_place(client, told)
        if place == "recipient":
            audience.recipients.append((client, link.case))
        else:
            setattr(audience, place, getattr(audience, place) + 1)
    return audience


def improvement_note_refusal(improvement: Improvement, user: User) -> str:
    """Why this person cannot send the improvement's note now; empty when they can."""
    if not is_manager(user):
        return _("Only a manager can send the “we changed it” note.")
    if not improvement.is_done:
        return _("Mark the improvement as done before telling former clients about it.")
    return ""


def _note_key(improvement: Improvement, client: Client) -> str:
    return f"improvement{improvement.pk}:client{client.pk}:we_changed_it"


def _plan_note(improvement: Improvement, client: Client, case: DepartureCase, actor: User, now: datetime) -> bool:
    key = _note_key(improvement, client)
    due_at = next_business_time(now, client_zone(client))
    try:
        # A savepoint each: a note another request planned meanwhile is skipped, the rest still go.
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                key=key,
                kind=FollowUp.Kind.WE_CHANGED_IT,
                client=client,
                case=case,
                recipient_email=client.contact_email,
                note=improvement.title[:200],
                due_at=due_at,
                next_attempt_at=due_at,
                message_id=message_id_for(key),
                created_by=actor,
            )
            ImprovementNote.objects.create(improvement=improvement, client=client, follow_up=follow_up, created_at=now)
    except IntegrityError:
        return False
    summary = _("“We changed it” note planned: %(title)s") % {"title": improvement.title}
    _case_event(case, improvement, actor=actor, verb=CaseEvent.Verb.FOLLOW_UP_ADDED, summary=summary, now=now)
    return True


@transaction.atomic
def improvement_notes_send(*, improvement: Improvement, actor: User, now: datetime | None = None) -> int:
    """Queue the "we changed it" note for everyone improvement_note_audience names; returns how many.

    The improvement's row is locked so two managers pressing the button at once send it once; the
    notes' unique constraint holds even for writes that skip this.
    """
    now = now or timezone.now()
    improvement = Improvement.objects.select_for_update().get(pk=improvement.pk)
    refusal = improvement_note_refusal(improvement, actor)
    if refusal:
        raise ValidationError(refusal)
    audience = improvement_note_audience(improvement)
    planned = sum(_plan_note(improvement, client, case, actor, now) for client, case in audience.recipients)
    if planned:
        nudge_dispatcher_on_commit()
    return planned
