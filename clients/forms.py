from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients.csv_import import MAX_IMPORT_BYTES
from clients.models import Client
from clients.roles import is_manager
from clients.selectors import SORT_CHOICES, ClientListFilters, account_managers, client_segments, emails_in_use
from clients.services import DUPLICATE_EMAIL
from clients.validators import validate_currency_code, validate_plausible_date


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class PlausibleDatesForm(forms.BaseForm):
    """Base of every form with dates: a date before 1900 or after 2199 is refused as a typing mistake."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(validate_plausible_date)


class AccountManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class SearchInput(forms.TextInput):
    input_type = "search"


class ClientFilterForm(forms.Form):
    """The list page's search, filters and sort, read from the query string."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=SearchInput(attrs={"placeholder": "Company, contact or email"}),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Client.Status.choices])
    account_manager = AccountManagerChoiceField(
        label="Account manager", required=False, queryset=User.objects.none(), empty_label="Any account manager"
    )
    segment = forms.ChoiceField(label="Segment", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_manager(user):
            self.fields["account_manager"].queryset = account_managers()  # type: ignore[attr-defined]
        else:
            del self.fields["account_manager"]
        self.fields["segment"].choices = [("", "Any segment")] + [(s, s) for s in client_segments(user=user)]  # type: ignore[attr-defined]

    def filters(self) -> ClientListFilters:
        """The valid parts of the query: a value that does not fit (a stale link) is ignored, not an error page."""
        if not self.is_bound:
            return ClientListFilters()
        self.is_valid()
        cleaned = self.cleaned_data
        return ClientListFilters(
            search=cleaned.get("q") or "",
            status=cleaned.get("status") or "",
            account_manager=cleaned.get("account_manager"),
            segment=cleaned.get("segment") or "",
            sort=cleaned.get("sort") or "name",
        )


class ClientForm(PlausibleDatesForm, forms.ModelForm):
    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)
    account_manager = AccountManagerChoiceField(label="Account manager", queryset=User.objects.none())

    class Meta:
        model = Client
        fields = [
            "company_name",
            "account_manager",
            "segment",
            "contact_name",
            "contact_email",
            "contact_phone",
            "monthly_value",
            "currency",
            "contract_start",
            "contract_end",
            "time_zone",
            "keep_in_touch",
            "notes",
        ]
        widgets = {
            "contract_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contract_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "keep_in_touch": forms.RadioSelect,
        }
        help_texts = {
            "currency": "Three-letter code, e.g. EUR.",
            "keep_in_touch": _("Whether the client agreed that we may stay in touch after they leave."),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_manager(user):
            owner = self.instance.account_manager_id if self.instance.pk else None
            # Keep the current owner choosable even if they have since left the group.
            self.fields["account_manager"].queryset = (  # type: ignore[attr-defined]
                User.objects.filter(Q(pk__in=account_managers()) | Q(pk=owner)).order_by("first_name", "last_name")
            )
        else:
            del self.fields["account_manager"]
        if self.instance.pk:
            # A change of an existing client's answer cancels or plans emails: it is made on the client page.
            del self.fields["keep_in_touch"]
        else:
            self.initial.setdefault("currency", settings.BUSINESS_CURRENCY)
            self.initial.setdefault("time_zone", settings.TIME_ZONE)
        self.fields["monthly_value"].min_value = 0  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.layout = self._layout()

    def _layout(self) -> Layout:
        owner = ["account_manager"] if "account_manager" in self.fields else []
        return Layout(
            Fieldset(
                "Company",
                Row(Column("company_name", css_class="col-md-6"), Column("segment", css_class="col-md-6")),
                *owner,
            ),
            Fieldset(
                "Primary contact",
                Row(
                    *(Column(name, css_class="col-md-4") for name in ("contact_name", "contact_email", "contact_phone"))
                ),
            ),
            Fieldset(
                "Contract and value",
                Row(Column("monthly_value", css_class="col-sm-8"), Column("currency", css_class="col-sm-4")),
                Row(Column("contract_start", css_class="col-sm-6"), Column("contract_end", css_class="col-sm-6")),
            ),
            Fieldset("Keeping in touch", "time_zone", *self._keep_in_touch_layout(), "notes"),
            Submit("save", "Save client", css_class="mt-2"),
        )

    def _keep_in_touch_layout(self) -> list[str | HTML]:
        if "keep_in_touch" in self.fields:
            return ["keep_in_touch"]
        note = _("Whether we may keep in touch is changed on the client page, which also plans or cancels the emails.")
        return [HTML(format_html('<p class="form-text">{}</p>', note))]

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        validate_currency_code(currency)
        return currency

    def clean_contact_email(self) -> str:
        # Checked here as well as in the service so the person sees the reason
        # next to the field instead of the model's generic constraint message.
        email: str = self.cleaned_data["contact_email"]
        if emails_in_use([email.lower()], except_client=self.instance):
            raise forms.ValidationError(DUPLICATE_EMAIL)
        return email


class ClientImportForm(forms.Form):
    file = forms.FileField(label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("file", Submit("import", "Check and import"))

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it into smaller files."
            )
        return file
