"""Improvements: what an apology said would change, turned into work with an owner, a date and the cases behind it.

An improvement gathers every case that asked for it (ImprovementCase) and, once done, the "we changed it"
notes sent to those cases' former clients (ImprovementNote: at most one per client per improvement).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.choices import choice_display
from clients.models import Client
from clients.roles import is_account_manager, is_manager
from clients.validators import validate_no_bidi_controls
from offboarding.models.cases import ChurnReason, DepartureCase
from offboarding.outbox.models import FollowUp


class ImprovementQuerySet(models.QuerySet["Improvement"]):
    def visible_to(self, user: Any) -> ImprovementQuerySet:
        """Managers see every improvement; an account manager those they own and those linked to their cases."""
        if is_manager(user):
            return self
        if is_account_manager(user):
            their_case = ImprovementCase.objects.filter(improvement=OuterRef("pk"), case__client__account_manager=user)
            return self.filter(Q(owner=user) | Exists(their_case))
        return self.none()

    def not_done(self) -> ImprovementQuerySet:
        return self.exclude(status=Improvement.Status.DONE)


class Improvement(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    title = models.CharField(_("title"), max_length=200, validators=[validate_no_bidi_controls])
    what_changes = models.TextField(_("what will change"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="improvements", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    reasons = models.ManyToManyField(
        ChurnReason, blank=True, related_name="improvements", verbose_name=_("reasons it answers")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    get_status_display = choice_display("status")
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    cases: models.ManyToManyField[DepartureCase, ImprovementCase] = models.ManyToManyField(
        DepartureCase, through="ImprovementCase", related_name="improvements"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ImprovementQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("improvement")
        verbose_name_plural = _("improvements")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False) | (~Q(status="done") & Q(done_at__isnull=True)),
                name="improvement_done_at_when_done",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("improvements:detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_on < today


class ImprovementCase(models.Model):
    """One case that asked for an improvement: its apology said what will change."""

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey(DepartureCase, on_delete=models.CASCADE, related_name="improvement_links")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["improvement", "case"], name="improvement_case_once")]

    def __str__(self) -> str:
        return f"{self.improvement} ← {self.case}"


class ImprovementNote(models.Model):
    """One "we changed it" note to one former client: the constraint keeps it to once per client per improvement."""

    improvement = models.ForeignKey(Improvement, on_delete=models.PROTECT, related_name="notes")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    follow_up = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="improvement_note")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["improvement", "client"], name="improvement_note_once_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.improvement} → {self.client}"
