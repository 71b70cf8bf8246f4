from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.choices import choice_display
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
    get_category_display = choice_display("category")
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


def save_watch_days() -> int:
    """How long a save is watched before it counts as kept (setting SAVE_WATCH_DAYS)."""
    return int(settings.SAVE_WATCH_DAYS)


class SaveState(models.TextChoices):
    """Where a save stands: watched for SAVE_WATCH_DAYS after saved_on, then kept, unless notice came again first."""

    WATCHING = "watching", _("Watching")
    KEPT = "kept", _("Kept")
    RELAPSED = "relapsed", _("Relapsed")


@dataclass(frozen=True)
class SaveWatchConditions:
    """The save states as database conditions on cases, for the dashboard and the watch list.

    The same rule as DepartureCase.save_state: a save made on day D is watched on days D to
    D + SAVE_WATCH_DAYS - 1 and kept from day D + SAVE_WATCH_DAYS on; notice on any day before
    that makes it relapsed.
    """

    watching: models.Q
    kept: models.Q
    relapsed: models.Q

    @classmethod
    def on(cls, today: date, *, through: str = "") -> SaveWatchConditions:
        """The conditions on cases, or on rows that lead to a case through the lookup `through` ("case__")."""

        def q(**lookups: Any) -> models.Q:
            return models.Q(**{f"{through}{name}": value for name, value in lookups.items()})

        saved = q(status=DepartureCase.Status.SAVED, saved_on__isnull=False)
        not_relapsed = q(relapsed_on__isnull=True)
        watched_since = today - timedelta(days=save_watch_days())
        return cls(
            watching=saved & not_relapsed & q(saved_on__gt=watched_since),
            kept=saved & not_relapsed & q(saved_on__lte=watched_since),
            relapsed=saved & q(relapsed_on__isnull=False),
        )


class DepartureCase(models.Model):
    """One departure of one client, from notice to close."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SAVED = "saved", _("Saved")
        DEPARTED = "departed", _("Departed")
        WON_BACK = "won_back", _("Won back")

    class Scope(models.TextChoices):
        FULL = "full", _("The whole client leaves")
        PARTIAL = "partial", _("Part leaves, the client stays (partial departure)")

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
    get_status_display = choice_display("status")
    notice_received_on = models.DateField()
    planned_leave_date = models.DateField()
    how_heard = models.CharField(_("how we heard"), max_length=20, choices=HowHeard.choices)
    get_how_heard_display = choice_display("how_heard")
    first_notes = models.TextField(blank=True)
    # Snapshots taken when the case opens, so the dashboard reports the revenue
    # and owner at the time of leaving even if the client is later edited.
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="departure_cases"
    )
    segment = models.CharField(max_length=80, blank=True)
    monthly_value = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # A partial departure: the client drops a service line or cuts scope and stays, with
    # monthly_value - value_leaving (case_mark_departed sets it on the client).
    scope = models.CharField(
        _("what leaves"), max_length=10, choices=Scope.choices, default=Scope.FULL, db_default=Scope.FULL
    )
    get_scope_display = choice_display("scope")
    value_leaving = models.DecimalField(
        _("monthly value that leaves"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    part_leaving = models.CharField(
        _("the service line or scope that leaves"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        validators=[validate_no_bidi_controls],
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    departed_on = models.DateField(null=True, blank=True)
    saved_on = models.DateField(null=True, blank=True)
    won_back_on = models.DateField(null=True, blank=True)
    # A save is watched (SaveState): notice again inside the watch period links the new case to the
    # saved one (relapse_of) and dates the relapse on the saved case (relapsed_on, the new notice date).
    relapse_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relapses",
        db_index=False,  # built concurrently in its own migration: the cases table is large
        verbose_name=_("relapse of the save"),
    )
    relapsed_on = models.DateField(_("save relapsed on"), null=True, blank=True)
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
            CheckConstraintOn(
                condition=models.Q(scope="full", value_leaving__isnull=True)
                | models.Q(
                    scope="partial",
                    value_leaving__isnull=False,
                    value_leaving__gt=0,
                    value_leaving__lt=models.F("monthly_value"),
                ),
                name="case_partial_value_leaving_within_value",
                field="value_leaving",
                violation_error_code="value_leaving_out_of_range",
                violation_error_message=_(
                    "A partial departure needs the monthly value that leaves: more than zero and less than the "
                    "client's monthly value (all of it leaving is a full departure)."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "notice_received_on"]),
            models.Index(fields=["account_manager", "status"]),
            models.Index(fields=["account_manager", "notice_received_on"]),  # the dashboard's filter
            models.Index(fields=["notice_received_on"]),
            models.Index(fields=["segment", "notice_received_on"]),
            models.Index(fields=["relapse_of"], name="case_relapse_of"),
        ]

    def __str__(self) -> str:
        return f"{self.client} leaving {self.planned_leave_date:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("offboarding:case", args=[self.pk])

    @property
    def is_partial(self) -> bool:
        return self.scope == self.Scope.PARTIAL

    @property
    def value_staying(self) -> Decimal | None:
        """The monthly value the client keeps after a partial departure (None for a full one)."""
        return self.monthly_value - self.value_leaving if self.is_partial and self.value_leaving is not None else None

    @property
    def revenue_leaving(self) -> Decimal:
        """The monthly value this departure takes away: all of it, or the part that leaves."""
        return self.value_leaving if self.is_partial and self.value_leaving is not None else self.monthly_value

    @property
    def watch_ends_on(self) -> date | None:
        """The first day a save counts as kept, if no notice came before it; None for a case not saved."""
        if self.status != self.Status.SAVED or self.saved_on is None:
            return None
        return self.saved_on + timedelta(days=save_watch_days())

    def save_state(self, today: date) -> str:
        """Watching, kept or relapsed for a saved case (SaveState); empty for any other."""
        watch_ends_on = self.watch_ends_on
        if watch_ends_on is None:
            return ""
        if self.relapsed_on is not None:
            return SaveState.RELAPSED
        return SaveState.KEPT if today >= watch_ends_on else SaveState.WATCHING

    def watch_days_left(self, today: date) -> int | None:
        """Days until a watched save counts as kept; None once it is not being watched."""
        if self.save_state(today) != SaveState.WATCHING or self.watch_ends_on is None:
            return None
        return (self.watch_ends_on - today).days

    @property
    def days_kept(self) -> int | None:
        """For a relapsed save: the days from the save to the new notice."""
        if self.relapsed_on is None or self.saved_on is None:
            return None
        return max(0, (self.relapsed_on - self.saved_on).days)  # notice dated before the save counts as none kept

    def relapse_covers(self, notice_received_on: date) -> bool:
        """Whether notice given on that day is a relapse of this save: it came inside the watch period."""
        watch_ends_on = self.watch_ends_on
        return watch_ends_on is not None and self.relapsed_on is None and notice_received_on < watch_ends_on

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
    purpose: ClassVar[_StrOrPromise] = ""  # one line of what the step is for, shown while it is still ahead

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
        return self.status_is_closed(self.status)

    @classmethod
    def status_is_closed(cls, status: str) -> bool:
        """Done or skipped: what a list that read only each step's status (My work, the client page) asks."""
        return status != cls.Status.PENDING


def _skip_needs_reason(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=~models.Q(status="skipped") | ~models.Q(skip_reason=""), name=f"{name}_skip_needs_reason"
    )


def _pending_index(name: str) -> models.Index:
    """The cases whose step is still to do: few beside the years of closed steps.

    The dashboard's checklist adherence asks, for the period's closed cases, whether any of their
    six steps is still to do (feedback.selectors.filters.EVERY_STEP_CLOSED). This index answers
    that from its own few entries, whatever the length of the history.
    """
    return models.Index(
        fields=["case"], condition=models.Q(status=CaseStep.Status.PENDING), name=f"{name}_pending_step"
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
    purpose = _("Learn the real reason they leave, in their own words, and whether they are worth keeping.")

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
    get_departure_kind_display = choice_display("departure_kind")
    worth_saving = models.CharField(max_length=10, choices=WorthSaving.choices, blank=True)
    get_worth_saving_display = choice_display("worth_saving")
    worth_saving_why = models.TextField(_("why"), blank=True)

    get_status_display = choice_display("status")  # CaseStep's field; see clients.choices

    class Meta:
        constraints = [_skip_needs_reason("probe")]
        indexes = [
            models.Index(fields=["primary_reason"]),
            models.Index(fields=["competitor"]),
            _dashboard_index("probe", "primary_reason", "departure_kind", "competitor"),
            _pending_index("probe"),
            # "What clients said" searches these words (feedback/selectors/client_words.py, same configuration).
            GinIndex(SearchVector("client_words", config="simple"), name="probe_client_words_search"),
        ]

    def __str__(self) -> str:
        return f"Probe ({self.get_status_display()})"


class ApologyStep(CaseStep):
    title = _("Apologise")
    purpose = _("Where we fell short, say sorry and say what will change.")

    class FellShort(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_APPLICABLE = "n/a", _("Not applicable")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="apology")
    fell_short = models.CharField(_("did we fall short?"), max_length=4, choices=FellShort.choices, blank=True)
    get_fell_short_display = choice_display("fell_short")
    what_we_said = models.TextField(blank=True)
    what_will_change = models.TextField(blank=True)

    get_status_display = choice_display("status")  # CaseStep's field; see clients.choices

    class Meta:
        constraints = [_skip_needs_reason("apology")]
        indexes = [_pending_index("apology")]

    def __str__(self) -> str:
        return f"Apologise ({self.get_status_display()})"


class OfferStep(CaseStep):
    title = _("Offer a fix")
    purpose = _("If they are worth keeping, make one concrete offer and record their answer.")

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
    get_offer_type_display = choice_display("offer_type")
    details = models.TextField(blank=True)
    monthly_value_effect = models.DecimalField(
        _("effect on monthly value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.CharField(_("client's answer"), max_length=10, choices=Answer.choices, blank=True)
    get_answer_display = choice_display("answer")
    no_offer_reason = models.TextField(_("why no offer was made"), blank=True)

    get_status_display = choice_display("status")  # CaseStep's field; see clients.choices

    class Meta:
        constraints = [_skip_needs_reason("offer")]
        indexes = [
            models.Index(fields=["offer_type", "answer"]),
            _dashboard_index("offer", "offer_made", "offer_type", "monthly_value_effect"),
            _pending_index("offer"),
        ]

    def __str__(self) -> str:
        return f"Offer a fix ({self.get_status_display()})"


class TransitionStep(CaseStep):
    title = _("Transition")
    purpose = _("Finish what was promised and hand over everything they need.")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="transition")
    notes = models.TextField(blank=True)

    get_status_display = choice_display("status")  # CaseStep's field; see clients.choices

    class Meta:
        constraints = [_skip_needs_reason("transition")]
        indexes = [_pending_index("transition")]

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
    purpose = _("Thank them in writing and tell them the door stays open.")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="thanks")
    personal_note = models.TextField(_("a personal line for the thank-you email"), blank=True)
    send_card = models.BooleanField(_("send a handwritten card"), default=True)
    card_sent_on = models.DateField(null=True, blank=True)

    get_status_display = choice_display("status")  # CaseStep's field; see clients.choices

    class Meta:
        constraints = [_skip_needs_reason("thanks")]
        indexes = [_pending_index("thanks")]

    def __str__(self) -> str:
        return f"Thank ({self.get_status_display()})"


class KeepInTouchStep(CaseStep):
    title = _("Keep in touch")
    purpose = _("Ask whether we may stay in touch, and when their new contract is up for renewal.")

    class Cadence(models.TextChoices):
        QUARTERLY = "quarterly", _("Every few months")
        TWICE_A_YEAR = "twice_a_year", _("Twice a year")
        YEARLY = "yearly", _("Once a year")
        RENEWAL_ONLY = "renewal_only", _("Only around their renewal")

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="keep_in_touch")
    cadence = models.CharField(_("preferred cadence"), max_length=20, choices=Cadence.choices, blank=True)
    get_cadence_display = choice_display("cadence")
    new_contract_renewal_on = models.DateField(_("their new contract comes up for renewal on"), null=True, blank=True)

    get_status_display = choice_display("status")  # CaseStep's field; see clients.choices

    class Meta:
        constraints = [_skip_needs_reason("keep_in_touch")]
        indexes = [_pending_index("keep_in_touch")]

    def __str__(self) -> str:
        return f"Keep in touch ({self.get_status_display()})"

    @property
    def consent_display(self) -> str:
        """The answer the step asks for, as kept on the client (it may have changed since, by the survey …)."""
        return str(self.case.client.get_keep_in_touch_display())


# The checklist's six steps in order; opening a case creates one row of each (services.cases.case_open).
STEP_MODELS = (ProbeStep, ApologyStep, OfferStep, TransitionStep, ThankStep, KeepInTouchStep)


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
        CASE_RELAPSED = "case_relapsed"
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
        IMPROVEMENT_LINKED = "improvement_linked"

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
