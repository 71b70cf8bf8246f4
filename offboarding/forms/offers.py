"""The offer history's forms: the next offer, and the client's answer to the latest one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.formatting import display_name
from clients.selectors import people_with_a_role
from offboarding.forms.cases import DATE_INPUT
from offboarding.models import OfferStep, SaveOffer


class SaveOfferForm(forms.ModelForm):
    prefix = "new_offer"  # the offer step's own form, on the same page, has the prefix "offer"

    class Meta:
        model = SaveOffer
        fields = [
            "offer_type",
            "details",
            "monthly_value_effect",
            "one_off_cost",
            "monthly_concession",
            "concession_months",
            "approved_by",
        ]
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "monthly_value_effect": _("Change to the monthly value if accepted, e.g. -300 for a discount."),
            "one_off_cost": _("What the offer costs once: free hours, a senior person's time."),
            "monthly_concession": _("What is given away each month, e.g. 300 for a discount of 300 a month."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approved_by"].queryset = people_with_a_role()  # type: ignore[attr-defined]
        self.fields["approved_by"].label_from_instance = display_name  # type: ignore[attr-defined]


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("The client's answer"),
        choices=[(OfferStep.Answer.ACCEPTED, _("Accepted")), (OfferStep.Answer.DECLINED, _("Declined"))],
        widget=forms.RadioSelect,
        help_text=_("An accepted offer calls the departure off: the case closes as saved."),
    )
    answered_on = forms.DateField(label=_("Answered on"), widget=DATE_INPUT)
    prefix = "answer"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answered_on"].initial = timezone.localdate()
