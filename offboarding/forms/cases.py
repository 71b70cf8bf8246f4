"""Forms of the case page: the shape of what is typed only.

What a value must be is the model's (field validators, constraints with their messages: a
ModelForm asks the model through its full_clean) or the service's (what a step needs to count
as done, whether the case may still change); a refusal from either reaches the form through
clients.web.form_errors_from.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.formatting import display_name
from clients.forms import PersonChoiceField, PlausibleDatesForm
from clients.selectors import people_with_a_role
from offboarding.models import (
    ApologyStep,
    CaseStep,
    ChurnReason,
    DepartureCase,
    KeepInTouchStep,
    OfferStep,
    ProbeStep,
    ThankStep,
    TransitionStep,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class CaseOpenForm(PlausibleDatesForm, forms.ModelForm):
    """The notice, and whether the whole client leaves or only a part (scope is chosen once, when opening)."""

    class Meta:
        model = DepartureCase
        fields = [
            "scope",
            "part_leaving",
            "value_leaving",
            "notice_received_on",
            "planned_leave_date",
            "how_heard",
            "first_notes",
        ]
        widgets = {
            "scope": forms.RadioSelect,
            "notice_received_on": DATE_INPUT,
            "planned_leave_date": DATE_INPUT,
            "first_notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "notice_received_on": _("Notice received on"),
            "planned_leave_date": _("Planned leave date"),
            "first_notes": _("First notes"),
        }
        help_texts = {
            "first_notes": _("What they said, in a few lines. You can probe properly in step 1."),
            "part_leaving": _("For a partial departure: e.g. payroll, or two of the five weekly hours."),
            "value_leaving": _("For a partial departure, in the client's currency; the client keeps the rest."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["scope"]
            if not self.instance.is_partial:
                del self.fields["part_leaving"], self.fields["value_leaving"]
        else:
            self.fields["scope"].required = False  # left out (an older form, a script): the whole client leaves
            self.fields["scope"].initial = DepartureCase.Scope.FULL

    def clean_scope(self) -> str:
        return str(self.cleaned_data.get("scope") or DepartureCase.Scope.FULL)


class ProbeForm(forms.ModelForm):
    class Meta:
        model = ProbeStep
        fields = [
            "primary_reason",
            "contributing_reasons",
            "client_words",
            "competitor",
            "departure_kind",
            "worth_saving",
            "worth_saving_why",
        ]
        widgets = {
            # A short list grouped by category, not a wall of checkboxes: it reads the same with 15 reasons or 40.
            "contributing_reasons": forms.SelectMultiple(attrs={"size": 8}),
            "client_words": forms.Textarea(attrs={"rows": 3}),
            "worth_saving_why": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "primary_reason": _("Primary reason"),
            "contributing_reasons": _("Contributing reasons"),
            "worth_saving": _("Is this client worth saving?"),
            "worth_saving_why": _("Why"),
            "departure_kind": _("Which kind of departure is it?"),
        }
        help_texts = {
            "contributing_reasons": _("Any others they mentioned. Hold Ctrl (⌘ on a Mac) to choose more than one."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Retired reasons leave the choices, except where this case already uses them.
        in_use = Q(pk=self.instance.primary_reason_id) if self.instance.primary_reason_id else Q(pk__in=[])
        used_ids = [reason.pk for reason in self.instance.contributing_reasons.all()] if self.instance.pk else []
        reasons = ChurnReason.objects.filter(Q(retired_at__isnull=True) | in_use | Q(pk__in=used_ids))
        grouped = reasons_by_category(list(reasons))
        for name in ("primary_reason", "contributing_reasons"):
            self.fields[name].queryset = reasons  # type: ignore[attr-defined]
            self.fields[name].choices = grouped  # type: ignore[attr-defined]
        self.fields["primary_reason"].choices = [("", "---------"), *grouped]  # type: ignore[attr-defined]


def reasons_by_category(reasons: list[ChurnReason]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Reasons as <optgroup>s, one per category in the category list's order, each in the list's own order."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for reason in reasons:
        groups.setdefault(reason.category, []).append((reason.pk, reason.label))
    return [(str(label), groups[category]) for category, label in ChurnReason.Category.choices if category in groups]


class ApologyForm(forms.ModelForm):
    class Meta:
        model = ApologyStep
        fields = ["fell_short", "what_we_said", "what_will_change"]
        widgets = {
            "fell_short": forms.RadioSelect,
            "what_we_said": forms.Textarea(attrs={"rows": 3}),
            "what_will_change": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"what_we_said": _("What we said"), "what_will_change": _("What will change")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No blank radio: one labelled "---------" would be read out as dashes.
        self.fields["fell_short"].choices = ApologyStep.FellShort.choices  # type: ignore[attr-defined]


class OfferForm(forms.ModelForm):
    offer_made = forms.TypedChoiceField(
        label=_("Did we make an offer?"),
        choices=[("yes", _("Yes, we made an offer")), ("no", _("No offer was made"))],
        coerce=_yes_no,
        empty_value=None,
        required=False,  # step_complete says what an unanswered question means
        widget=forms.RadioSelect,
    )

    class Meta:
        model = OfferStep
        fields = [
            "offer_made",
            "offer_type",
            "details",
            "monthly_value_effect",
            "approved_by",
            "answer",
            "no_offer_reason",
        ]
        widgets = {
            "details": forms.Textarea(attrs={"rows": 3}),
            "answer": forms.RadioSelect,
            "no_offer_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"offer_type": _("Offer type"), "details": _("Details"), "approved_by": _("Approved by")}
        help_texts = {
            "monthly_value_effect": _("Change to the monthly value if accepted, e.g. -300 for a discount."),
            "answer": _("An accepted offer calls the departure off: the case closes as saved."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approved_by"].queryset = people_with_a_role()  # type: ignore[attr-defined]
        self.fields["approved_by"].label_from_instance = display_name  # type: ignore[attr-defined]
        # The blank radio (no offer, so no answer) needs words a screen reader can say, not "---------".
        self.fields["answer"].choices = [("", _("Not recorded")), *OfferStep.Answer.choices]  # type: ignore[attr-defined]
        if self.instance.offer_made is not None and not self.is_bound:
            self.initial["offer_made"] = "yes" if self.instance.offer_made else "no"


class TransitionForm(forms.ModelForm):
    class Meta:
        model = TransitionStep
        fields = ["notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        labels = {"notes": _("Handover plan notes")}
        help_texts = {"notes": _("Who the new provider is, what was agreed, how you will ease out.")}


class ThankForm(PlausibleDatesForm, forms.ModelForm):
    class Meta:
        model = ThankStep
        fields = ["personal_note", "send_card", "card_sent_on"]
        widgets = {"personal_note": forms.Textarea(attrs={"rows": 3}), "card_sent_on": DATE_INPUT}
        labels = {"card_sent_on": _("Card sent on")}
        help_texts = {
            "personal_note": _("Added to the thank-you email, which goes out once the case is closed as departed."),
        }


class KeepInTouchForm(PlausibleDatesForm, forms.ModelForm):
    consent = forms.TypedChoiceField(
        label=_("Did the client agree that we stay in touch?"),
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        required=False,  # step_complete says what an unanswered question means
        widget=forms.RadioSelect,
        help_text=_("Check-ins are planned only with their consent."),
    )

    class Meta:
        model = KeepInTouchStep
        fields = ["consent", "cadence", "new_contract_renewal_on"]
        widgets = {"new_contract_renewal_on": DATE_INPUT}
        help_texts = {"new_contract_renewal_on": _("If known: a return is most likely around then.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The answer is kept on the client; a step not yet done asks afresh.
        if self.instance.status == CaseStep.Status.DONE and not self.is_bound:
            answer = self.instance.case.client.keep_in_touch
            self.initial["consent"] = {"yes": "yes", "no": "no"}.get(answer)


STEP_FORMS: dict[str, type[forms.ModelForm]] = {
    "probe": ProbeForm,
    "apology": ApologyForm,
    "offer": OfferForm,
    "transition": TransitionForm,
    "thanks": ThankForm,
    "keep_in_touch": KeepInTouchForm,
}


def step_form(step: str, record: CaseStep, data: Any = None) -> forms.ModelForm:
    # A bound ModelForm writes what was typed onto its instance while validating; a copy keeps
    # the case page's own record (what it shows as recorded) as stored when the form is refused.
    instance = copy.copy(record) if data is not None else record
    return STEP_FORMS[step](data, instance=instance, prefix=step)


class StepSkipForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this step skipped?"),
        max_length=1000,
        required=False,  # step_skip refuses a skip without a reason, in its own words
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data: Any = None, *, step: str) -> None:
        super().__init__(data, prefix=f"skip-{step}")


class HandoverItemForm(forms.Form):
    title = forms.CharField(label=_("Handover item"), max_length=200)
    days_from_leave_date = forms.IntegerField(
        label=_("Due (days from the leave date)"),
        initial=0,
        min_value=-365,
        max_value=365,
        help_text=_("0 is the leave date; negative is before it."),
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, prefix="handover")


class AccountManagerFilterForm(forms.Form):
    account_manager: forms.ModelChoiceField[User] = PersonChoiceField(
        label=_("Account manager"), queryset=User.objects.none(), required=False, empty_label=_("Everyone")
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].queryset = people  # type: ignore[attr-defined]
