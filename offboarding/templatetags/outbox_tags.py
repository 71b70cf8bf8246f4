"""Follow-ups on pages and in the digest: when one is due, in whose time, and what a reminder says."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from clients.formatting import status_badge
from offboarding.models import FollowUp
from offboarding.outbox.services import reminder_step

register = template.Library()

DUE_FORMAT = "j M Y H:i"


@register.simple_tag
def due_time(follow_up: FollowUp, client: Any = None) -> str | SafeString:
    """When a follow-up is due in the reader's time zone and, for client mail, in the client's where the clocks differ.

    The client is passed in where the page has it already, so a list of follow-ups costs no query a row.
    """
    due = timezone.localtime(follow_up.due_at)
    shown = date_format(due, DUE_FORMAT)
    if client is None or not follow_up.is_client_facing:
        return shown
    theirs = follow_up.due_at.astimezone(client.local_zone)
    if theirs.utcoffset() == due.utcoffset():
        return shown
    their_time = gettext("%(time)s in %(zone)s") % {
        "time": date_format(theirs, DUE_FORMAT),
        "zone": str(client.local_zone).replace("_", " "),
    }
    return format_html('{} <span class="d-block small text-body-secondary">{}</span>', shown, their_time)


STATUS_COLOURS: dict[str, str] = {
    FollowUp.Status.SENT: "text-bg-success",
    FollowUp.Status.DONE: "text-bg-success",
    FollowUp.Status.FAILED: "text-bg-danger",
    FollowUp.Status.RETRY_WAIT: "text-bg-warning",
    FollowUp.Status.SENDING: "text-bg-warning",
    FollowUp.Status.SCHEDULED: "text-bg-primary",
}


@register.filter
def follow_up_status_badge(follow_up: FollowUp) -> SafeString:
    """Green once it went, red when it failed, amber while it is trying, blue while it waits, grey otherwise."""
    return status_badge(follow_up.status, follow_up.get_status_display(), STATUS_COLOURS, default="text-bg-secondary")


@register.filter
def reminder_note(reminder: FollowUp) -> str:
    """A staff reminder's note in the reader's language where it is one the product wrote (the card, the call)."""
    return gettext(reminder.note) if reminder.note else str(reminder.get_kind_display())


@register.filter
def reminder_path(reminder: FollowUp) -> str:
    """Where a digest reminder leads: the page of the step it is about (the card: the thank-you), else its case."""
    if reminder.case_id is None:
        return ""
    step = reminder_step(reminder)
    if step is None:
        return reverse("offboarding:case", args=[reminder.case_id])
    return reverse("offboarding:step_save", args=[reminder.case_id, step]) + f"#step-{step}"
