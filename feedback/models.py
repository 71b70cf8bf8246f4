"""Exit survey answers and feedback recorded by staff.

An anonymous survey answer keeps only the month and the segment: no link to
the client, case or invitation, no timestamp and a random primary key, so it
cannot be matched back to the person by joins or by insertion order.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.choices import choice_display
from clients.models import Client
from offboarding.models import ChurnReason, DepartureCase, FollowUp


class UsedSurveyInvitation(models.Model):
    """A survey link that has been answered, kept as a keyed hash of its follow-up id.

    Separate from the answers on purpose: it makes every link single-use
    (the primary key is the lock two simultaneous submits race for) without
    saying which answer came from which invitation.
    """

    invitation_hash = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return f"used invitation {self.invitation_hash[:12]}…"


class SurveyAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    is_anonymous = models.BooleanField(default=False)
    month = models.DateField(help_text=_("First day of the month the answer was given."))
    segment = models.CharField(max_length=80, blank=True)
    reasons = models.ManyToManyField(ChurnReason, blank=True, related_name="survey_answers")
    satisfaction = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    could_do_better = models.TextField(blank=True)
    did_well = models.TextField(blank=True)
    likelihood_to_return = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    may_keep_in_touch = models.BooleanField(null=True, blank=True)
    # Identified answers only: every one of these stays empty on an anonymous answer.
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE, related_name="survey_answers")
    case = models.ForeignKey(
        DepartureCase, null=True, blank=True, on_delete=models.CASCADE, related_name="survey_answers"
    )
    follow_up = models.OneToOneField(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_answer"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_anonymous=False)
                | models.Q(client__isnull=True, case__isnull=True, follow_up__isnull=True, submitted_at__isnull=True),
                name="survey_anonymous_answer_has_no_link",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=5), name="survey_satisfaction_1_to_5"
            ),
            models.CheckConstraint(condition=models.Q(likelihood_to_return__lte=10), name="survey_likelihood_0_to_10"),
        ]
        indexes = [
            models.Index(fields=["month", "segment"]),
            models.Index(fields=["segment", "month"]),
            models.Index(fields=["case"]),
        ]

    def __str__(self) -> str:
        who = "anonymous" if self.is_anonymous else str(self.client)
        return f"Survey answer ({who}, {self.month:%b %Y})"


class RecordedFeedback(models.Model):
    """What a client told their account manager on a call or in a meeting, written down."""

    class Channel(models.TextChoices):
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        OTHER = "other", _("Other")

    case = models.ForeignKey(DepartureCase, on_delete=models.CASCADE, related_name="recorded_feedback")
    heard_on = models.DateField(_("when we heard it"))
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.CALL)
    get_channel_display = choice_display("channel")
    what_they_said = models.TextField(_("what they said"))
    could_do_better = models.TextField(_("what we could have done better"), blank=True)
    did_well = models.TextField(_("what we did well"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("their satisfaction, 1 to 5, if they said"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-heard_on", "-id"]
        indexes = [models.Index(fields=["case", "-heard_on"])]

    def __str__(self) -> str:
        return f"Feedback heard on {self.heard_on:%d %b %Y}"
