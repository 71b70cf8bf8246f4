from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ClientEraseForm(forms.Form):
    """Typing the company name is the confirmation: erasure cannot be undone."""

    confirmation = forms.CharField(
        label=_("Type the company name to confirm"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, company_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company_name = company_name

    def clean_confirmation(self) -> str:
        typed = str(self.cleaned_data["confirmation"]).strip()
        if typed.casefold() != self.company_name.strip().casefold():
            raise forms.ValidationError(
                _("That is not the company name. Type it exactly as shown to erase this client; nothing was changed.")
            )
        return typed
