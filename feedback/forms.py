from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.forms import PlausibleDatesForm
from feedback.models import RecordedFeedback
from feedback.selectors.filters import default_period
from feedback.services import SurveyResponse
from offboarding.models import ChurnReason


def _active_reasons() -> QuerySet[ChurnReason]:
    return ChurnReason.objects.filter(retired_at__isnull=True)


class SurveyForm(forms.Form):
    reasons = forms.ModelMultipleChoiceField(
        label=_("What led you to leave?"),
        help_text=_("Choose as many as apply."),
        queryset=ChurnReason.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Overall, how satisfied were you with our service?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": _("Please choose a score.")},
    )
    could_do_better = forms.CharField(
        label=_("What could we have done better?"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    did_well = forms.CharField(
        label=_("What did we do well?"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    likelihood_to_return = forms.TypedChoiceField(
        label=_("How likely are you to work with us again?"),
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": _("Please choose a score.")},
    )
    may_keep_in_touch = forms.TypedChoiceField(
        label=_("May we keep in touch from time to time?"),
        choices=[("yes", _("Yes, please")), ("no", _("No, thank you"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    anonymous = forms.BooleanField(
        label=_("Answer anonymously"),
        help_text=_(
            "We keep only the month and your type of service with an anonymous answer, never your name. "
            "We then cannot act on your keep-in-touch answer."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reasons"].queryset = _active_reasons()  # type: ignore[attr-defined]

    def survey_response(self) -> SurveyResponse:
        data = self.cleaned_data
        return SurveyResponse(
            reasons=data["reasons"],
            satisfaction=data["satisfaction"],
            could_do_better=data["could_do_better"],
            did_well=data["did_well"],
            likelihood_to_return=data["likelihood_to_return"],
            may_keep_in_touch=data["may_keep_in_touch"],
            anonymous=data["anonymous"],
        )


class RecordedFeedbackForm(PlausibleDatesForm, forms.ModelForm):
    class Meta:
        model = RecordedFeedback
        fields = ["heard_on", "channel", "what_they_said", "could_do_better", "did_well", "satisfaction"]
        widgets = {
            "heard_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "what_they_said": forms.Textarea(attrs={"rows": 4}),
            "could_do_better": forms.Textarea(attrs={"rows": 3}),
            "did_well": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"channel": _("Channel")}

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["heard_on"].initial = today


MAX_PERIOD = timedelta(days=3653)  # ten years, leap days included


class DashboardFilterForm(PlausibleDatesForm, forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    account_manager = forms.TypedChoiceField(
        label=_("Account manager"),
        coerce=int,
        empty_value=None,
        required=False,
        # Without the value typed: it may be any text from the query string.
        error_messages={"invalid_choice": _("Select a valid choice. That choice is not one of the available choices.")},
    )
    segment = forms.ChoiceField(label=_("Segment"), required=False)

    def __init__(self, *args: Any, account_managers: list[tuple[int, str]], segments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].choices = [("", _("Everyone")), *account_managers]  # type: ignore[attr-defined]
        self.fields["segment"].choices = [("", _("Every segment")), *((s, s) for s in segments)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        today = timezone.localdate()
        if start and end and end < start:
            self.add_error("end", _("The end of the period cannot be before its start."))
        elif (end or today) - (start or default_period(today)[0]) > MAX_PERIOD:
            # Every month of the period is a row of the trend table and a point of its chart.
            # A missing end or start is filled in as the view does: today, twelve months back.
            self.add_error("start" if start else "end", _("Choose a period of at most 10 years."))
        return cleaned


class ClientWordsFilterForm(DashboardFilterForm):
    """The dashboard's filter, with a reason, a competitor and the words to search clients' texts for."""

    query = forms.CharField(label=_("Words"), max_length=200, required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    competitor = forms.ChoiceField(label=_("Competitor"), required=False)

    def __init__(self, *args: Any, reasons: list[tuple[int, str]], competitors: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("Every reason")), *reasons]  # type: ignore[attr-defined]
        self.fields["competitor"].choices = [  # type: ignore[attr-defined]
            ("", _("Any or none")),
            *((name, name) for name in competitors),
        ]
