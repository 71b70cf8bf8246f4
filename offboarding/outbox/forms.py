"""Forms of the outbox and the follow-ups on the case page: input validation only."""

from __future__ import annotations

from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from clients.forms import PlausibleDatesForm
from offboarding.models import FollowUp
from offboarding.outbox.wording import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH

KIND_FILTER = [("", _("All kinds")), *FollowUp.Kind.choices]
STATUS_FILTER = [("", _("All statuses")), *FollowUp.Status.choices]
ADDABLE_KINDS = [
    (FollowUp.Kind.CHECK_IN.value, _("Keep-in-touch check-in (email to the client)")),
    (FollowUp.Kind.WIN_BACK.value, _("Win-back note (email to the client)")),
    (FollowUp.Kind.STAFF_REMINDER.value, _("Reminder to me")),
]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class OutboxFilterForm(forms.Form):
    """The outbox's filter; like every list's filter its fields render with `filter_field`, not crispy."""

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_FILTER, required=False)


class FollowUpRescheduleForm(PlausibleDatesForm, forms.Form):
    due_at = forms.DateTimeField(
        label=_("New date and time"),
        widget=DateTimeLocalInput(),
        help_text=_(
            "Emails to the client leave in business hours; a time outside them moves to the next business morning."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Move the follow-up")))


class FollowUpAddForm(PlausibleDatesForm, forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=ADDABLE_KINDS)
    due_at = forms.DateTimeField(label=_("When"), widget=DateTimeLocalInput())
    note = forms.CharField(label=_("What it is about"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add the follow-up")))


class MessageTextForm(forms.Form):
    """A wording being edited, and the case its preview is rendered with. What it may say is wording.py's rule."""

    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=BODY_MAX_LENGTH,
        help_text=_(
            "Plain text: a blank line starts a new paragraph, and web addresses become links. "
            "The postal address and the unsubscribe link are added below every client email."
        ),
    )
    case = forms.TypedChoiceField(label=_("Preview with the case of"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, cases: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = cases  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.attrs = {"data-live-preview": "message-preview"}
        self.helper.layout = Layout(
            "subject",
            "body",
            "case",
            Div(
                StrictButton(
                    _("Preview"), type="submit", name="action", value="preview", css_class="btn-outline-primary"
                ),
                StrictButton(
                    _("Send me a test"), type="submit", name="action", value="test", css_class="btn-outline-primary"
                ),
                StrictButton(_("Save"), type="submit", name="action", value="save", css_class="btn-primary"),
                css_class="d-flex flex-wrap gap-2",
            ),
        )
