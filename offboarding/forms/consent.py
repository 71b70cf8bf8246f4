"""The client page's keep-in-touch answer: input shape only; consent.client_keep_in_touch_update decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client


class KeepInTouchAnswerForm(forms.Form):
    keep_in_touch = forms.ChoiceField(
        label=_("May we keep in touch after they leave?"),
        choices=Client.KeepInTouch.choices,
        widget=forms.RadioSelect,
    )
