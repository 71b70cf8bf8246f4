"""Keep-in-touch consent: the one service that changes it, and unsubscribing.

The answer is stored once, on the client (`Client.keep_in_touch`: yes, no or not asked, with
when and by what it last changed). It lives here, not in `clients`, because a change has
consequences in the outbox: a "no" cancels the pending check-ins and win-back notes at once, a
"yes" (or a "not asked" after a "no") plans again those of a departed case still ahead. Every
writer calls `client_keep_in_touch_set`: the keep-in-touch step, a survey answer, unsubscribing,
the client page and erasure. A new client's first answer (the client form, an import) is set
with the client, when nothing can depend on it yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.models import Client
from offboarding.models import CaseEvent
from offboarding.outbox.services import (
    cancelled_summary,
    follow_ups_cancel_client_facing,
    follow_ups_cancel_not_allowed,
    follow_ups_plan_keep_in_touch,
    is_suppressed,
    suppression_add,
)

Answer = Client.KeepInTouch
Source = Client.KeepInTouchSource


@dataclass(frozen=True)
class KeepInTouchChange:
    """What one call changed: the answer before and after, and the emails it cancelled or planned."""

    before: str
    after: str
    cancelled: int = 0
    planned: int = 0

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def as_change(self) -> dict[str, str]:
        """The before/after an event keeps, as the timeline shows it."""
        return {
            "label": _("Keep-in-touch consent"),
            "before": str(Answer(self.before).label),
            "after": str(Answer(self.after).label),
        }

    def summary(self) -> str:
        """The end of an event's summary: how many planned emails the change cancelled or planned."""
        planned = ""
        if self.planned:
            planned = ngettext(", %(count)d email planned", ", %(count)d emails planned", self.planned) % {
                "count": self.planned
            }
        return cancelled_summary(self.cancelled) + planned


def _refuse_on_erased(client: Client, answer: str, source: str) -> None:
    if client.is_erased and source != Source.ERASURE and answer != client.keep_in_touch:
        raise ValidationError(
            _("This client's personal data was erased: we no longer keep in touch, and that cannot change.")
        )


@transaction.atomic
def client_keep_in_touch_set(
    *, client: Client, answer: str, source: str, actor: User | None, now: datetime
) -> KeepInTouchChange:
    """Record the client's keep-in-touch answer and cancel or plan what depends on it.

    The only writer of a stored client's answer; the caller records the event of its own action
    (a step saved, a survey answered …) with what this returns. The given client is updated too,
    so a caller that saves it afterwards keeps the new answer.
    """
    Answer(answer)
    stored = Client.objects.select_for_update().get(pk=client.pk)
    _refuse_on_erased(stored, answer, source)
    before = stored.keep_in_touch
    if before == answer:
        return KeepInTouchChange(before=before, after=answer)
    client.keep_in_touch_record(answer=answer, source=source, actor=actor, now=now)
    client.save(
        update_fields=[
            "keep_in_touch",
            "keep_in_touch_changed_at",
            "keep_in_touch_changed_by",
            "keep_in_touch_changed_by_user",
            "updated_at",
        ]
    )
    cancelled = follow_ups_cancel_not_allowed(client=client, now=now)
    planned = follow_ups_plan_keep_in_touch(client=client, actor=actor, now=now)
    return KeepInTouchChange(before=before, after=answer, cancelled=cancelled, planned=planned)


@transaction.atomic
def client_keep_in_touch_update(*, client: Client, answer: str, actor: User, now: datetime) -> KeepInTouchChange:
    """An account manager records the client's answer on the client page; the timeline says what it did."""
    change = client_keep_in_touch_set(client=client, answer=answer, source=Source.CLIENT_FORM, actor=actor, now=now)
    if change.changed:
        CaseEvent.objects.record(
            client=client,
            case=None,
            actor=actor,
            verb=CaseEvent.Verb.KEEP_IN_TOUCH_CHANGED,
            summary=_("Keep-in-touch consent: %(answer)s") % {"answer": Answer(answer).label.lower()}
            + change.summary(),
            details={
                "keep_in_touch": change.as_change(),
                "follow_ups_cancelled": change.cancelled,
                "follow_ups_planned": change.planned,
            },
            created_at=now,
        )
    return change


@transaction.atomic
def client_unsubscribe(*, client: Client | None, email: str, now: datetime) -> int:
    """The client asked us to stop: suppress the address, cancel their pending emails and record a no.

    Returns how many follow-ups were cancelled. Unsubscribing twice changes nothing more.
    """
    already = is_suppressed(email)
    suppression_add(email=email, reason="unsubscribed")
    if client is None:
        return 0
    cancelled = follow_ups_cancel_client_facing(client=client, reason="The client unsubscribed", now=now)
    consent = client_keep_in_touch_set(client=client, answer=Answer.NO, source=Source.UNSUBSCRIBE, actor=None, now=now)
    cancelled += consent.cancelled
    if not already or cancelled:
        CaseEvent.objects.record(
            client=client,
            case=None,
            actor=None,
            verb=CaseEvent.Verb.CLIENT_UNSUBSCRIBED,
            summary=_("Unsubscribed from our emails") + cancelled_summary(cancelled),
            details={"follow_ups_cancelled": cancelled},
            created_at=now,
        )
    return cancelled
