"""Forms of improvements and of "Client came back": the shape of what is typed only (the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.forms import PersonChoiceField, PlausibleDatesForm
from clients.selectors import people_with_a_role
from offboarding.models import ChurnReason, Improvement
from offboarding.services.returns import ReturnCauseOffer

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ImprovementForm(PlausibleDatesForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    what_changes = forms.CharField(
        label=_("What will change"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner: forms.ModelChoiceField[User] = PersonChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DATE_INPUT)
    reasons = forms.ModelMultipleChoiceField(
        label=_("Reasons it answers"),
        queryset=ChurnReason.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_with_a_role()  # type: ignore[attr-defined]
        self.fields["reasons"].queryset = ChurnReason.objects.filter(retired_at=None)  # type: ignore[attr-defined]


class ImprovementAttachForm(forms.Form):
    improvement = forms.ModelChoiceField(label=_("Improvement"), queryset=Improvement.objects.none())

    def __init__(self, *args: Any, improvements: QuerySet[Improvement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["improvement"].queryset = improvements  # type: ignore[attr-defined]


class ImprovementStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Improvement.Status.choices)


class ClientReturnForm(PlausibleDatesForm, forms.Form):
    """ "Client came back": when, and what brought them back (the choices are return_cause_offer's)."""

    returned_on = forms.DateField(label=_("Came back on"), widget=DATE_INPUT)
    cause = forms.ChoiceField(label=_("What brought them back"), required=False)

    def __init__(self, *args: Any, offer: ReturnCauseOffer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["returned_on"].initial = timezone.localdate()
        self.fields["cause"].choices = offer.choices  # type: ignore[attr-defined]
        self.fields["cause"].initial = offer.default
