from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from offboarding.outbox.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    """The shape of an endpoint only: which events a kind may receive and whether its address may be reached are
    the model's (WebhookEndpoint.clean, validate_webhook_url)."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Slack and Teams endpoints take new departures and failed follow-ups only."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["kind", "url", "description", "events", "value_threshold", "is_active"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["url"].widget.attrs["placeholder"] = "https://"
        self.fields["value_threshold"].min_value = 0  # type: ignore[attr-defined]


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *WebhookDelivery.Status.choices]
    )
