"""Demo only: what a running worker would have done with a demo client's mail by a moment of their story.

The demo's stories are played through the services at the moments they happened, so the
mail they plan falls due in the past. A worker that had been running would have sent it by
now; a first start must not send it all at once. So, before each moment of a story, every
follow-up of the client already due is left as the dispatcher leaves a sent one (its message
stored, one attempt, sent when it was due), or failed when the story says the client's mailbox
was gone by then; the account manager ticks off staff reminders the same day. Nothing is mailed.
Rows the story's changes cancelled (a return, an unsubscribe, a "no" to keeping in touch) are
no longer pending, so none is marked sent against the client's wishes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from clients.models import Client
from offboarding.models import FollowUp
from offboarding.outbox.emails import render_follow_up
from offboarding.outbox.services import follow_up_mark_done

# Called with a survey invitation just sent and the moment the story has reached.
SurveyAnswerer = Callable[[FollowUp, datetime], None]

MAILBOX_GONE = "SMTPRecipientsRefused: {'contact': (550, b'5.1.1 Mailbox unavailable')}"
REMINDER_DONE_AFTER = timedelta(hours=2)


def _next_due(client: Client, moment: datetime) -> FollowUp | None:
    return (
        FollowUp.objects.filter(client=client, status__in=FollowUp.PENDING_STATUSES, next_attempt_at__lt=moment)
        .select_related("client__account_manager", "case__thanks", "case__keep_in_touch")
        .order_by("next_attempt_at", "pk")
        .first()
    )


def follow_ups_handle_as_of(
    *,
    client: Client,
    moment: datetime,
    mailbox_gone_from: datetime | None = None,
    survey_answered: SurveyAnswerer | None = None,
) -> None:
    """Handle the client's follow-ups due before `moment`, one at a time in the order they fell due.

    One at a time: answering a survey can cancel the check-ins after it.
    """
    while (follow_up := _next_due(client, moment)) is not None:
        if follow_up.kind == FollowUp.Kind.STAFF_REMINDER:
            done_at = min(follow_up.due_at + REMINDER_DONE_AFTER, moment)
            follow_up_mark_done(follow_up=follow_up, actor=client.account_manager, now=done_at)
        elif mailbox_gone_from is not None and follow_up.due_at >= mailbox_gone_from:
            _record_bounce(follow_up)
        else:
            _record_sent(follow_up)
            if follow_up.kind == FollowUp.Kind.SURVEY and survey_answered is not None:
                survey_answered(follow_up, moment)


def _record_sent(follow_up: FollowUp) -> None:
    rendered = render_follow_up(follow_up)
    follow_up.status = FollowUp.Status.SENT
    follow_up.attempts = 1
    follow_up.sent_at = follow_up.next_attempt_at
    follow_up.subject, follow_up.body_text, follow_up.body_html = rendered.subject, rendered.text, rendered.html
    follow_up.save(update_fields=["status", "attempts", "sent_at", "subject", "body_text", "body_html", "updated_at"])


def _record_bounce(follow_up: FollowUp) -> None:
    follow_up.status = FollowUp.Status.FAILED
    follow_up.attempts = 1
    follow_up.last_error = MAILBOX_GONE
    follow_up.save(update_fields=["status", "attempts", "last_error", "updated_at"])
