"""Forms of the churn-reason list (managers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from offboarding.models import ChurnReason


class ReasonCreateForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_("A short stable identifier such as price-budget-cuts. It never changes once saved."),
    )
    label = forms.CharField(
        label=_("Label"), max_length=120, help_text=_("What account managers see on the probe form.")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=ChurnReason.Category.choices, help_text=_("Groups reasons on the dashboard.")
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReasonEditForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=ChurnReason.Category.choices)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, label_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label_locked:
            # Cases use this reason: its label is part of what they recorded.
            self.fields["label"].disabled = True
            self.fields["label"].help_text = _(
                "Cases use this reason, so the label cannot change. Retire it and add a new one."
            )
