"""The handover list each segment's new cases start with, as managers keep it.

A segment without a list of its own uses the list for every segment (segment ""); while a
manager has kept none at all, new cases start with the shipped list
(offboarding.services.handover_lists.SHIPPED_HANDOVER).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _

from clients.validators import validate_no_bidi_controls

# A handover item more than a year from the leave date is a typing mistake.
MAX_DAYS_FROM_LEAVE_DATE = 365


class HandoverList(models.Model):
    segment = models.CharField(_("segment"), max_length=80, unique=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["segment"]

    def __str__(self) -> str:
        return self.segment or str(_("every segment"))


class HandoverListItem(models.Model):
    handover_list = models.ForeignKey(HandoverList, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("item"), max_length=200, validators=[validate_no_bidi_controls])
    days_from_leave_date = models.IntegerField(
        _("days from the leave date"),
        validators=[MinValueValidator(-MAX_DAYS_FROM_LEAVE_DATE), MaxValueValidator(MAX_DAYS_FROM_LEAVE_DATE)],
        help_text=_("Negative: before the leave date."),
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                F("handover_list"),
                Lower(Trim("title")),
                name="handover_list_item_unique_title",
                violation_error_message=_("This item is on the list already."),
            ),
        ]

    def __str__(self) -> str:
        return self.title
