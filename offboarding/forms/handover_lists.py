"""The form of a segment's handover list (managers): one row per item, input shape only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from offboarding.models.handover_lists import MAX_DAYS_FROM_LEAVE_DATE

MAX_ITEMS = 50


class HandoverListItemForm(forms.Form):
    title = forms.CharField(label=_("Item"), max_length=200, required=False)
    days_from_leave_date = forms.IntegerField(
        label=_("Days from the leave date"),
        min_value=-MAX_DAYS_FROM_LEAVE_DATE,
        max_value=MAX_DAYS_FROM_LEAVE_DATE,
        required=False,
        help_text=_("Negative: before the leave date."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("title") or "").strip() and cleaned.get("days_from_leave_date") is None:
            self.add_error("days_from_leave_date", _("Say how many days from the leave date it is due."))
        return cleaned


HandoverListFormSet = forms.formset_factory(
    HandoverListItemForm, extra=3, can_delete=True, max_num=MAX_ITEMS, validate_max=True, absolute_max=MAX_ITEMS
)
