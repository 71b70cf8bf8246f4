"""What brought a returning client back: recorded with "Client came back", counted on the dashboard."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.choices import choice_display
from offboarding.models.cases import DepartureCase
from offboarding.outbox.models import FollowUp


class ReturnCause(models.TextChoices):
    CHECK_IN = "check_in", _("A keep-in-touch check-in")
    WIN_BACK = "win_back", _("The win-back note")
    WE_CHANGED_IT = "we_changed_it", _("A “we changed it” note")
    REFERRAL = "referral", _("A referral")
    OWN_INITIATIVE = "own_initiative", _("Their own initiative")


class CaseReturn(models.Model):
    """The cause of one win-back, and the message it credits when one brought them back."""

    case = models.OneToOneField(DepartureCase, on_delete=models.CASCADE, related_name="return_cause")
    cause = models.CharField(_("what brought them back"), max_length=20, choices=ReturnCause.choices)
    get_cause_display = choice_display("cause")
    credited_follow_up = models.ForeignKey(FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["cause"])]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_cause_display()}"
