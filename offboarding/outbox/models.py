"""The follow-up outbox: every scheduled message is a row, claimed and sent by the dispatcher.

scheduled --claim--> sending --250--> sent
scheduled/retry_wait --(opt-out, saved, returned, erased)--> cancelled
sending --4xx/timeout, attempts < max--> retry_wait (backoff + jitter)
sending --5xx or attempts >= max--> failed (a manager can retry)
sending --lease expired (worker died)--> retry_wait, same message_id
sending --recipient suppressed at send time--> suppressed
sending --client erased meanwhile--> cancelled (the mail may have left; nothing is written back)

Staff reminders (send the card, call) are to-dos for the account manager: they
are never mailed one by one but gathered into one daily digest per account
manager (itself a follow-up of kind staff_digest) and stay scheduled until the
account manager marks them done.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.choices import choice_display
from clients.models import Client, OwnedQuerySet
from offboarding.models.cases import DepartureCase
from offboarding.request_context import current_request_id


class FollowUpQuerySet(OwnedQuerySet["FollowUp"]):
    owner_field = "client__account_manager"


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        THANK_YOU = "thank_you", _("Thank-you email")
        SURVEY = "survey", _("Survey invitation")
        CHECK_IN = "check_in", _("Keep-in-touch check-in")
        WIN_BACK = "win_back", _("Win-back note")
        WE_CHANGED_IT = "we_changed_it", _("“We changed it” note")
        STAFF_REMINDER = "staff_reminder", _("Staff reminder")
        STAFF_DIGEST = "staff_digest", _("Daily staff digest")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRY_WAIT = "retry_wait", _("Waiting to retry")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        SUPPRESSED = "suppressed", _("Suppressed")
        DONE = "done", _("Done")

    PENDING_STATUSES = (Status.SCHEDULED, Status.RETRY_WAIT)
    CLIENT_FACING_KINDS = (Kind.THANK_YOU, Kind.SURVEY, Kind.CHECK_IN, Kind.WIN_BACK, Kind.WE_CHANGED_IT)
    # Kinds the dispatcher mails; staff reminders reach people through the digest.
    MAILED_KINDS = (*CLIENT_FACING_KINDS, Kind.STAFF_DIGEST)

    # The idempotency key: planning the same message twice finds this row.
    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    get_kind_display = choice_display("kind")
    # Empty only for a staff digest, which spans many clients.
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups")
    case = models.ForeignKey(DepartureCase, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups")
    recipient_email = models.EmailField(max_length=254)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("what it is about"), max_length=200, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    get_status_display = choice_display("status")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=250, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The web request that planned the message (empty when a task or a command did): the dispatcher's
    # "sent" log line names it, so a mail sent hours later by a beat-triggered run still leads back to
    # the click. Logging context only; nothing is decided by it.
    request_id = models.CharField(max_length=64, blank=True, default=current_request_id, editable=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The dispatcher's claim query: due rows by status and time.
            models.Index(
                fields=["next_attempt_at"],
                name="followup_due_pending",
                condition=models.Q(status__in=["scheduled", "retry_wait"]),
            ),
            models.Index(
                fields=["lease_expires_at"], name="followup_sending_lease", condition=models.Q(status="sending")
            ),
            models.Index(fields=["status", "kind", "due_at"]),
            models.Index(fields=["client", "due_at"]),
            # The managers' outbox, newest due first: read from the end of this index, 50 rows a page.
            models.Index(fields=["due_at", "id"], name="followup_outbox_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_email} at {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_client_facing(self) -> bool:
        return self.kind in self.CLIENT_FACING_KINDS

    @property
    def is_pending(self) -> bool:
        """Not yet sent or given up: it may still be moved or cancelled."""
        return self.status in self.PENDING_STATUSES

    @property
    def can_be_marked_done(self) -> bool:
        """A staff reminder still to do (the card is in the post, the call was made)."""
        return self.kind == self.Kind.STAFF_REMINDER and self.status == self.Status.SCHEDULED

    @property
    def can_be_retried(self) -> bool:
        """A manager may send a failed follow-up again."""
        return self.status == self.Status.FAILED


class Suppression(models.Model):
    """An address we must never mail again, stored only as a hash so it survives erasure."""

    address_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reason} {self.address_hash[:12]}…"


class DispatcherRun(models.Model):
    """When a dispatcher last finished a run: /healthz and /metrics tell from it whether mail is moving.

    One row per dispatcher, written once per run, in the database every node and
    worker already shares.
    """

    FOLLOW_UPS = "follow_ups"
    WEBHOOKS = "webhooks"

    name = models.CharField(max_length=40, primary_key=True)
    finished_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} finished at {self.finished_at:%Y-%m-%d %H:%M:%S}"


class MessageText(models.Model):
    """One saved version of a message's wording (offboarding/outbox/wording.py) in one language.

    Versions are only ever added: saving, restoring an earlier version and restoring the shipped
    wording each add one, with who and when, so the history is complete. The newest is sent.
    """

    kind = models.CharField(max_length=20, choices=FollowUp.Kind.choices)
    get_kind_display = choice_display("kind")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    get_language_display = choice_display("language")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # Added by "restore the shipped wording": what it says is the catalogue's wording of that day.
    is_shipped_wording = models.BooleanField(default=False)
    restored_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["kind", "language", "-id"], name="messagetext_newest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}) saved {self.saved_at:%Y-%m-%d %H:%M}"
