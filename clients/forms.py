from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients.csv_import import MAX_IMPORT_BYTES
from clients.formatting import display_name
from clients.languages import business_language, language_name
from clients.models import Client
from clients.roles import is_manager
from clients.selectors import SORT_CHOICES, ClientListFilters, client_owner_choices, client_segments, referrer_choices
from clients.validators import validate_plausible_date


@cache
def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def time_zone_choices() -> list[tuple[str, str]]:
    """Every zone, after the empty choice: the business's time zone, whichever it is at the time."""
    business = _("The business's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE.replace("_", " ")}
    return [("", business), *_zone_choices()]


def client_language_choices() -> list[tuple[str, str]]:
    business = _("The business's language (%(language)s)") % {"language": language_name(business_language())}
    return [("", business), *settings.LANGUAGES]


class PlausibleDatesForm(forms.BaseForm):
    """Base of every form with dates: a date before 1900 or after 2199 is refused as a typing mistake."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(validate_plausible_date)


class _PeopleAsListed(forms.models.ModelChoiceIterator):
    """The people of a choice, read in one plain query when the widget lists them.

    ModelChoiceIterator reads its queryset with .iterator(), which on PostgreSQL is a
    server-side cursor (DECLARE ... WITH HOLD, FETCH, CLOSE): several round trips, on every
    rendering, for the handful of names a filter or a form offers.
    """

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for person in list(self.queryset):
            yield self.choice(person)


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of a person, each shown by their display name."""

    iterator = _PeopleAsListed

    def label_from_instance(self, obj: User) -> str:
        return display_name(obj)


class SearchInput(forms.TextInput):
    input_type = "search"


class ClientFilterForm(forms.Form):
    """The list page's search, filters and sort, read from the query string."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=SearchInput(attrs={"placeholder": _("Company, contact or email")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Client.Status.choices]
    )
    account_manager = PersonChoiceField(
        label=_("Account manager"), required=False, queryset=User.objects.none(), empty_label=_("Any account manager")
    )
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_manager(user):
            self.fields["account_manager"].queryset = client_owner_choices()  # type: ignore[attr-defined]
        else:
            del self.fields["account_manager"]
        self.fields["segment"].choices = [("", _("Any segment"))] + [(s, s) for s in client_segments(user=user)]  # type: ignore[attr-defined]

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
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=client_language_choices,
        required=False,
        help_text=_("Every email they get is written in it, and the pages they open from one."),
    )
    account_manager = PersonChoiceField(label=_("Account manager"), queryset=User.objects.none())

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
            "language",
            "keep_in_touch",
            "referred_by",
            "notes",
        ]
        widgets = {
            "contract_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contract_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "keep_in_touch": forms.RadioSelect,
        }
        labels = {
            "company_name": _("Company name"),
            "currency": _("Currency"),
            "contract_start": _("Contract start"),
            "notes": _("Notes"),
        }
        help_texts = {
            "currency": _("Three-letter code, e.g. EUR."),
            "keep_in_touch": _("Whether the client agreed that we may stay in touch after they leave."),
            "referred_by": _("The client who recommended them to us, if one did."),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_manager(user):
            owner = self.instance.account_manager_id if self.instance.pk else None
            self.fields["account_manager"].queryset = client_owner_choices(keeping=owner)  # type: ignore[attr-defined]
        else:
            del self.fields["account_manager"]
        if self.instance.pk:
            # A change of an existing client's answer cancels or plans emails: it is made on the client page.
            del self.fields["keep_in_touch"]
        else:
            self.initial.setdefault("currency", settings.BUSINESS_CURRENCY)
        self.fields["monthly_value"].min_value = 0  # type: ignore[attr-defined]
        self.fields["referred_by"].queryset = referrer_choices(user=user, client=self.instance)  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.layout = self._layout()

    def _layout(self) -> Layout:
        owner = ["account_manager"] if "account_manager" in self.fields else []
        return Layout(
            Fieldset(
                _("Company"),
                Row(Column("company_name", css_class="col-md-6"), Column("segment", css_class="col-md-6")),
                *owner,
            ),
            Fieldset(
                _("Primary contact"),
                Row(
                    *(Column(name, css_class="col-md-4") for name in ("contact_name", "contact_email", "contact_phone"))
                ),
            ),
            Fieldset(
                _("Contract and value"),
                Row(Column("monthly_value", css_class="col-sm-8"), Column("currency", css_class="col-sm-4")),
                Row(Column("contract_start", css_class="col-sm-6"), Column("contract_end", css_class="col-sm-6")),
                "referred_by",
            ),
            Fieldset(
                _("Keeping in touch"),
                Row(Column("language", css_class="col-md-6"), Column("time_zone", css_class="col-md-6")),
                *self._keep_in_touch_layout(),
                "notes",
            ),
            Submit("save", _("Save client"), css_class="mt-2"),
        )

    def _keep_in_touch_layout(self) -> list[str | HTML]:
        if "keep_in_touch" in self.fields:
            return ["keep_in_touch"]
        note = _("Whether we may keep in touch is changed on the client page, which also plans or cancels the emails.")
        return [HTML(format_html('<p class="form-text">{}</p>', note))]

    def clean_currency(self) -> str:
        # Only the shape: " eur" is read as EUR; the model field's validator says what a currency code is.
        return str(self.cleaned_data["currency"]).strip().upper()


class ClientImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("file", Submit("import", _("Check and import")))

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(megabytes)s MB; split it into smaller files.")
                % {"megabytes": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return file


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. “CRM sync”: you will see it in the list, never the token again."),
    )


class MySettingsForm(forms.Form):
    """A staff member's own language and time zone."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Of your pages and your daily digest email."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        required=False,
        help_text=_("Times on your pages are shown in it, and your daily digest arrives in its morning."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks")), *settings.LANGUAGES]  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "language", "time_zone", StrictButton(_("Save my settings"), type="submit", css_class="btn-primary")
        )


class ExchangeRateForm(forms.Form):
    """One rate typed in by a manager; the model and the service check what it means."""

    currency = forms.CharField(label=_("Currency"), max_length=3, help_text=_("Three-letter code, e.g. USD."))
    rate = forms.DecimalField(
        label=_("Rate to the business currency"),
        max_digits=18,
        decimal_places=8,
        help_text=_("What one unit of this currency is worth in the business currency."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_plausible_date]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = "clients:exchange_rates"
        self.helper.layout = Layout(
            Row(Column("currency"), Column("rate"), Column("valid_from")),
            StrictButton(_("Add the rate"), type="submit", css_class="btn-primary"),
        )

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()


class ExchangeRateImportForm(ClientImportForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.form_action = "clients:exchange_rates_import"
        self.helper.layout = Layout("file", StrictButton(_("Check and import"), type="submit", css_class="btn-primary"))
