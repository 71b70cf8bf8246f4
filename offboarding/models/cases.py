from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.constraints import CheckConstraintOn
from clients.models import Client, OwnedQuerySet
from clients.validators import validate_no_bidi_controls

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


class ChurnReason(models.Model):
    """A reason clients give for leaving. Managers edit the list in the app.

    The key is stable (reports and imports refer to it); a reason is retired,
    never deleted, so old cases keep their meaning.
    """

    class Category(models.TextChoices):
        PRICE = "price", _("Price")
        SERVICE = "service", _("Service problems")
        FIT = "fit", _("No longer the best option")
        NEED_MET = "need_met", _("Need was met")
        LOST_FOCUS = "lost_focus", _("Pulled in too many directions")
        NO_FOLLOW_THROUGH = "no_follow_through", _("Did not follow through")
        STRUCTURAL = "structural", _("Acquired, in-house or ownership change")
        OTHER = "other", _("Other")

    key = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=120, validators=[validate_no_bidi_controls])
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(default=100)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "label"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class DepartureCaseQuerySet(OwnedQuerySet["DepartureCase"]):
    owner_field = "client__account_manager"


class DepartureCase(models.Model):
    """One departure of one client, from notice to close."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SAVED = "saved", _("Saved")
        DEPARTED = "departed", _("Departed")
        WON_BACK = "won_back", _("Won back")

    class HowHeard(models.TextChoices):
        EMAIL = "email", _("Email")
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")
        LETTER = "letter", _("Letter or formal notice")
        NON_RENEWAL = "non_renewal", _("Did not renew")
        INDIRECT = "indirect", _("Heard indirectly")
        OTHER = "other", _("Other")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    notice_received_on = models.DateField()
    planned_leave_date = models.DateField()
    how_heard = models.CharField(_("how we heard"), max_length=20, choices=HowHeard.choices)
    first_notes = models.TextField(blank=True)
    # Snapshots taken when the case opens, so the dashboard reports the revenue
    # and owner at the time of leaving even if the client is later edited.
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="departure_cases"
    )
    segment = models.CharField(max_length=80, blank=True)
    monthly_value = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    departed_on = models.DateField(null=True, blank=True)
    saved_on = models.DateField(null=True, blank=True)
    won_back_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DepartureCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(status="open"), name="case_one_open_case_per_client"
            ),
            CheckConstraintOn(
                condition=models.Q(planned_leave_date__gte=models.F("notice_received_on")),
                name="case_leave_date_not_before_notice",
                field="planned_leave_date",
                violation_error_code="leave_date_before_notice",
                violation_error_message=_("The leave date cannot be before the notice was received."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "notice_received_on"]),
            models.Index(fields=["account_manager", "status"]),
            models.Index(fields=["account_manager", "notice_received_on"]),  # the dashboard's filter
            models.Index(fields=["notice_received_on"]),
            models.Index(fields=["segment", "notice_received_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.client} leaving {self.planned_leave_date:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("offboarding:case", args=[self.pk])

    @property
    def can_close(self) -> bool:
        """Whether the case may still close, as saved or as departed: only an open one can."""
        return self.status == self.Status.OPEN

    @property
    def notice_is_editable(self) -> bool:
        """Whether the notice details (dates, how we heard, first notes) may still change: while the case is open."""
        return self.status == self.Status.OPEN

    @property
    def handover_is_editable(self) -> bool:
        """Whether the handover list may still change: while open, and after the client left (the handover goes on)."""
        return self.status in (self.Status.OPEN, self.Status.DEPARTED)

    @property
    def follow_ups_were_planned(self) -> bool:
        """Whether the case reached departure, when its follow-ups are planned (a return cancels what is left)."""
        return self.status in (self.Status.DEPARTED, self.Status.WON_BACK)

    @property
    def offers_follow_ups_by_hand(self) -> bool:
        """Whether the case page offers adding a follow-up by hand: once the client has left, beside the plan."""
        return self.status == self.Status.DEPARTED


class CaseStep(models.Model):
    """What every checklist step has: a status, who completed it and when."""

    title: ClassVar[_StrOrPromise] = ""

    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_closed(self) -> bool:
        return self.status != self.Status.PENDING


def _skip_needs_reason(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=~models.Q(status="skipped") | ~models.Q(skip_reason=""), name=f"{name}_skip_needs_reason"
    )


def _dashboard_index(name: str, *columns: str) -> models.Index:
    """The step's row for a case, with what the dashboard reads of it.

    The dashboard joins each of the period's cases to its steps. With these columns in the
    index, PostgreSQL answers from the index alone, one probe per case, so the cost follows
    the cases in the period; otherwise it reads the whole step table, which grows with
    the years of history.
    """
    return models.Index(fields=["case"], include=["status", *columns], name=f"{name}_case_dashboard")


class ProbeStep(CaseStep):
    title = _("Probe")

    class DepartureKind(models.TextChoices):
        NEED_MET = "need_met", _("Their need was met")
        LOST_FOCUS = "lost_focus", _("They lost focus")
        NO_FOLLOW_THROUGH = "no_follow_through", _("They did not follow through")
        OTHER = "other", _("Other")

    class WorthSaving(models.TextChoices):
        YES = "yes", _("Yes, worth saving")
        NO = "no", _("No, let them go")
        UNSURE = "unsure", _("Unsure")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="probe")
    primary_reason = models.ForeignKey(
        ChurnReason, null=True, blank=True, on_delete=models.PROTECT, related_name="primary_for"
    )
    contributing_reasons = models.ManyToManyField(ChurnReason, blank=True, related_name="contributing_to")
    client_words = models.TextField(_("in the client's own words"), blank=True)
    competitor = models.CharField(_("competitor they are moving to"), max_length=120, blank=True)
    departure_kind = models.CharField(max_length=20, choices=DepartureKind.choices, blank=True)
    worth_saving = models.CharField(max_length=10, choices=WorthSaving.choices, blank=True)
    worth_saving_why = models.TextField(_("why"), blank=True)

    class Meta:
        constraints = [_skip_needs_reason("probe")]
        indexes = [
            models.Index(fields=["primary_reason"]),
            models.Index(fields=["competitor"]),
            _dashboard_index("probe", "primary_reason", "departure_kind", "competitor"),
        ]

    def __str__(self) -> str:
        return f"Probe ({self.get_status_display()})"


class ApologyStep(CaseStep):
    title = _("Apologise")

    class FellShort(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_APPLICABLE = "n/a", _("Not applicable")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="apology")
    fell_short = models.CharField(_("did we fall short?"), max_length=4, choices=FellShort.choices, blank=True)
    what_we_said = models.TextField(blank=True)
    what_will_change = models.TextField(blank=True)

    class Meta:
        constraints = [_skip_needs_reason("apology")]
        indexes = [_dashboard_index("apology")]

    def __str__(self) -> str:
        return f"Apologise ({self.get_status_display()})"


class OfferStep(CaseStep):
    title = _("Offer a fix")

    class OfferType(models.TextChoices):
        SERVICE_FIX = "service_fix", _("Fix the service problem")
        PRICE_CHANGE = "price_change", _("Price change")
        SCOPE_CHANGE = "scope_change", _("Different scope")
        PAUSE = "pause", _("Pause the service")
        NEW_CONTACT = "new_contact", _("New contact person")
        OTHER = "other", _("Other")

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        PENDING = "pending", _("Waiting for an answer")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="offer")
    offer_made = models.BooleanField(null=True, blank=True)
    offer_type = models.CharField(max_length=20, choices=OfferType.choices, blank=True)
    details = models.TextField(blank=True)
    monthly_value_effect = models.DecimalField(
        _("effect on monthly value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.CharField(_("client's answer"), max_length=10, choices=Answer.choices, blank=True)
    no_offer_reason = models.TextField(_("why no offer was made"), blank=True)

    class Meta:
        constraints = [_skip_needs_reason("offer")]
        indexes = [models.Index(fields=["offer_type", "answer"]), _dashboard_index("offer", "offer_made", "offer_type")]

    def __str__(self) -> str:
        return f"Offer a fix ({self.get_status_display()})"


class TransitionStep(CaseStep):
    title = _("Transition")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="transition")
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [_skip_needs_reason("transition")]
        indexes = [_dashboard_index("transition")]

    def __str__(self) -> str:
        return f"Transition ({self.get_status_display()})"


class HandoverItem(models.Model):
    """One item of the transition's handover list."""

    case = models.ForeignKey(DepartureCase, on_delete=models.CASCADE, related_name="handover_items")
    title = models.CharField(max_length=200, validators=[validate_no_bidi_controls])
    days_from_leave_date = models.IntegerField(
        default=0, help_text=_("Due this many days after the leave date (negative: before it).")
    )
    due_on = models.DateField()
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "position", "id"]
        constraints = [
            # handover_item_add refuses a title already on the list; this holds even for writes that skip it.
            models.UniqueConstraint(F("case"), Lower(Trim("title")), name="handover_item_unique_title_per_case"),
        ]

    def __str__(self) -> str:
        return self.title


class ThankStep(CaseStep):
    title = _("Thank")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="thanks")
    personal_note = models.TextField(_("a personal line for the thank-you email"), blank=True)
    send_card = models.BooleanField(_("send a handwritten card"), default=True)
    card_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [_skip_needs_reason("thanks")]
        indexes = [_dashboard_index("thanks")]

    def __str__(self) -> str:
        return f"Thank ({self.get_status_display()})"


class KeepInTouchStep(CaseStep):
    title = _("Keep in touch")

    class Cadence(models.TextChoices):
        QUARTERLY = "quarterly", _("Every few months")
        TWICE_A_YEAR = "twice_a_year", _("Twice a year")
        YEARLY = "yearly", _("Once a year")
        RENEWAL_ONLY = "renewal_only", _("Only around their renewal")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="keep_in_touch")
    cadence = models.CharField(_("preferred cadence"), max_length=20, choices=Cadence.choices, blank=True)
    new_contract_renewal_on = models.DateField(_("their new contract comes up for renewal on"), null=True, blank=True)

    class Meta:
        constraints = [_skip_needs_reason("keep_in_touch")]
        indexes = [_dashboard_index("keep_in_touch")]

    def __str__(self) -> str:
        return f"Keep in touch ({self.get_status_display()})"

    @property
    def consent_display(self) -> str:
        """The answer the step asks for, as kept on the client (it may have changed since, by the survey …)."""
        return str(self.case.client.get_keep_in_touch_display())


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    def record(
        self,
        *,
        client: Client,
        case: DepartureCase | None,
        actor: User | None,
        verb: str,
        summary: str,
        details: dict[str, Any],
        created_at: datetime | None = None,
    ) -> CaseEvent:
        """Write one timeline entry; every service writes its events through here.

        A verb missing from CaseEvent.Verb, or a change that is not {label, before, after},
        is a programming error: it raises here, in the writer's tests, rather than breaking
        the timeline of every page that shows the event later.
        """
        CaseEvent.Verb(verb)
        _check_changes(details.get("changes", {}))
        return self.create(
            client=client,
            case=case,
            actor=actor,
            verb=verb,
            summary=summary[:300],
            details=details,
            created_at=created_at or timezone.now(),
        )


def _check_changes(changes: Any) -> None:
    if not isinstance(changes, dict) or not all(
        isinstance(change, dict) and {"before", "after"} <= change.keys() for change in changes.values()
    ):
        raise TypeError(f"An event's changes must map each field to its before and after, not {changes!r}.")


class CaseEvent(models.Model):
    """One entry of a client's timeline: who did what, when, with before/after."""

    class Verb(models.TextChoices):
        """Every kind of event; the timeline test produces each one and renders it."""

        CASE_OPENED = "case_opened"
        CASE_UPDATED = "case_updated"
        STEP_COMPLETED = "step_completed"
        STEP_UPDATED = "step_updated"
        STEP_SKIPPED = "step_skipped"
        CASE_SAVED = "case_saved"
        CASE_DEPARTED = "case_departed"
        CLIENT_RETURNED = "client_returned"
        HANDOVER_ITEM_ADDED = "handover_item_added"
        HANDOVER_ITEM_DONE = "handover_item_done"
        HANDOVER_ITEM_REOPENED = "handover_item_reopened"
        FOLLOW_UP_ADDED = "follow_up_added"
        FOLLOW_UP_RESCHEDULED = "follow_up_rescheduled"
        FOLLOW_UP_CANCELLED = "follow_up_cancelled"
        FOLLOW_UP_RETRIED = "follow_up_retried"
        FOLLOW_UP_DONE = "follow_up_done"
        CLIENT_UNSUBSCRIBED = "client_unsubscribed"
        KEEP_IN_TOUCH_CHANGED = "keep_in_touch_changed"
        SURVEY_ANSWERED = "survey_answered"
        FEEDBACK_RECORDED = "feedback_recorded"
        CLIENT_ERASED = "client_erased"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="events")
    case = models.ForeignKey(DepartureCase, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=60)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    # Set by the service that records the change, to the moment it passed along with it.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at"]), models.Index(fields=["case", "-created_at"])]

    def __str__(self) -> str:
        return self.summary

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """The before/after pairs an event recorded, as (what, before, after) for the timeline."""
        recorded = dict(self.details.get("changes", {}))
        recorded.update(
            {key: value for key, value in self.details.items() if isinstance(value, dict) and "before" in value}
        )
        return [
            (
                change.get("label") or field.replace("_", " ").capitalize(),
                _readable(change.get("before"), field),
                _readable(change.get("after"), field),
            )
            for field, change in recorded.items()
        ]


def _stored_choices(field: str) -> dict[str, Any]:
    """Labels of the details that events keep as stored values (a status), by the detail's name."""
    choices = {"client_status": Client.Status, "case_status": DepartureCase.Status}.get(field)
    return dict(choices.choices) if choices else {}


def _readable(value: Any, field: str) -> str:
    if isinstance(value, str):
        return str(_stored_choices(field).get(value, value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes")) if value else str(_("No"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
