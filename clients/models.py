from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cache
from typing import Any, Self, TypeVar

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext_lazy as _

from clients.choices import choice_display
from clients.constraints import CheckConstraintOn, UniqueConstraintOn
from clients.languages import business_language, is_shipped
from clients.roles import is_account_manager, is_manager
from clients.validators import validate_currency_code, validate_deliverable_email, validate_no_bidi_controls

DUPLICATE_EMAIL = _(
    "Another client already has this contact email (emails are compared ignoring upper and lower case)."
)


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    # The zones the system's time zone database lists (the forms offer the same): the dispatcher
    # finds a client's business hours by the zone's name (offboarding/outbox/business_hours.py).
    if value not in known_time_zones():
        raise ValidationError(_("Enter a time zone such as Europe/Berlin."), code="unknown_time_zone")


def zone_or_business(name: str) -> zoneinfo.ZoneInfo:
    """A stored time zone, or the business's (TIME_ZONE) where none is stored or it is not one we know."""
    return zoneinfo.ZoneInfo(name if name in known_time_zones() else settings.TIME_ZONE)


class DeliverableEmailFormField(forms.EmailField):
    default_validators = [validate_deliverable_email]


class DeliverableEmailField(models.EmailField):
    """An email address checked by validate_deliverable_email alone, in the model and in its form field.

    Django's own email check would add its generic "Enter a valid email address." beside the
    clearer reason, and a form field would not run the model's validators at all.
    """

    default_validators = [validate_deliverable_email]

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return super().formfield(
            form_class=form_class or DeliverableEmailFormField, choices_form_class=choices_form_class, **kwargs
        )


_Owned = TypeVar("_Owned", bound=models.Model)


class OwnedQuerySet(models.QuerySet[_Owned]):
    """Rows that belong to an account manager through `owner_field`.

    Managers see every row; an account manager only their own; anyone else nothing, even
    rows they still own: taking someone out of "Account managers" takes their access away.
    """

    owner_field = "account_manager"

    def visible_to(self, user: Any) -> Self:
        if is_manager(user):
            return self
        if is_account_manager(user):
            return self.filter(**{self.owner_field: user})
        return self.none()


class ClientQuerySet(OwnedQuerySet["Client"]):
    owner_field = "account_manager"


class Client(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DEPARTING = "departing", _("Departing")
        DEPARTED = "departed", _("Departed")
        RETURNED = "returned", _("Returned")

    class KeepInTouch(models.TextChoices):
        """The client's answer to "may we stay in touch after you leave?"."""

        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_ASKED = "not_asked", _("Not asked")

    class KeepInTouchSource(models.TextChoices):
        """What set the answer last (the labels end "changed by …")."""

        STEP = "step", _("the keep-in-touch step")
        SURVEY = "survey", _("the exit survey")
        UNSUBSCRIBE = "unsubscribe", _("unsubscribing")
        CLIENT_FORM = "client_form", _("the client's details")
        IMPORT = "import", _("an import")
        ERASURE = "erasure", _("erasure")

    company_name = models.CharField(max_length=200, validators=[validate_no_bidi_controls])
    contact_name = models.CharField(_("primary contact"), max_length=200, validators=[validate_no_bidi_controls])
    contact_email = DeliverableEmailField(_("contact email"), max_length=254)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    account_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients")
    segment = models.CharField(_("segment or service line"), max_length=80, blank=True)
    monthly_value = models.DecimalField(
        _("monthly recurring value"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency_code])
    contract_start = models.DateField(null=True, blank=True)
    contract_end = models.DateField(_("contract end (renewal)"), null=True, blank=True)
    # Empty: the business's (TIME_ZONE). Client emails leave in business hours of this zone.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text=_("Their emails leave in business hours of this time zone."),
    )
    # Empty: the business's (LANGUAGE_CODE). Every email they get, and the pages they open from one.
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        blank=True,
        default="",
        # Kept in the database too: the release still serving while this column is added writes no value.
        db_default="",
        choices=settings.LANGUAGES,
        help_text=_("Every email they get is written in it, and the pages they open from one."),
    )
    get_language_display = choice_display("language")
    # Stored here once; changed only through offboarding.services.consent, which also cancels or
    # plans the check-ins and win-back notes that depend on it (see the README, "Consent").
    keep_in_touch = models.CharField(
        _("keep-in-touch consent"), max_length=10, choices=KeepInTouch.choices, default=KeepInTouch.NOT_ASKED
    )
    get_keep_in_touch_display = choice_display("keep_in_touch")
    keep_in_touch_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    keep_in_touch_changed_by = models.CharField(
        max_length=12, choices=KeepInTouchSource.choices, default=KeepInTouchSource.CLIENT_FORM, editable=False
    )
    get_keep_in_touch_changed_by_display = choice_display("keep_in_touch_changed_by")
    # Shown with the answer, never searched by: no index (one on the clients table would be built with a lock).
    keep_in_touch_changed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
    )
    # Who recommended them, often a client who left happy: the dashboard counts referred clients by referrer.
    # Its index is built concurrently (clients 0010): a plain one would lock the clients table.
    referred_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name=_("referred by"),
        db_index=False,
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    get_status_display = choice_display("status")
    notes = models.TextField(blank=True)
    # Set once by the erasure service (feedback.services_erasure): the record stays, anonymised.
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["company_name", "id"]
        constraints = [
            UniqueConstraintOn(
                Lower("contact_email"),
                name="client_unique_contact_email",
                field="contact_email",
                violation_error_code="duplicate_email",
                violation_error_message=DUPLICATE_EMAIL,
            ),
            models.CheckConstraint(
                condition=models.Q(contract_end__isnull=True)
                | models.Q(contract_start__isnull=True)
                | models.Q(contract_end__gte=models.F("contract_start")),
                name="client_contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(keep_in_touch__in=["yes", "no", "not_asked"]), name="client_keep_in_touch_answer"
            ),
        ]
        indexes = [
            models.Index(fields=["account_manager", "status"]),
            models.Index(fields=["status"]),
            models.Index(fields=["segment"]),
            models.Index(Lower("company_name"), name="client_company_name_lower"),
            models.Index(
                fields=["referred_by"], condition=models.Q(referred_by__isnull=False), name="client_referred_by"
            ),
        ]

    def __str__(self) -> str:
        return self.company_name

    def get_absolute_url(self) -> str:
        return reverse("client_detail", args=[self.pk])

    @property
    def mail_language(self) -> str:
        """The language of every email to the client and of the pages they open from one."""
        return self.language if is_shipped(self.language) else business_language()

    @property
    def local_zone(self) -> zoneinfo.ZoneInfo:
        """The client's time zone, or the business's when none is stored."""
        return zone_or_business(self.time_zone)

    @property
    def is_erased(self) -> bool:
        """The client's personal data was erased: nothing may be sent to or taken from them any more."""
        return self.erased_at is not None

    def keep_in_touch_record(self, *, answer: str, source: str, actor: User | None, now: datetime) -> None:
        """Set the keep-in-touch answer with when and by what changed it; the caller saves.

        A new client's first answer is set with it (the form, the import). Every later change goes
        through offboarding.services.consent.client_keep_in_touch_set, which calls this and then
        cancels or plans what depends on the answer: clients sit below offboarding and cannot.
        """
        self.keep_in_touch = self.KeepInTouch(answer)
        self.keep_in_touch_changed_at = now
        self.keep_in_touch_changed_by = self.KeepInTouchSource(source)
        self.keep_in_touch_changed_by_user = actor

    def clean(self) -> None:
        # The constraint client_contract_end_after_start in Python: the import checks thousands of
        # rows at once, and a constraint is checked by a query per row.
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            raise ValidationError({"contract_end": _("The contract cannot end before it starts.")})
        if self.pk and self.referred_by_id == self.pk:
            raise ValidationError({"referred_by": _("A client cannot have referred themselves.")})


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> Self:
        """Tokens that still open the API: not revoked, of an active person."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal token for the REST API, kept only as its SHA-256: the token itself is shown once.

    A hash without salt or stretching is enough: the token is 256 random bits, not a password
    someone chose, so nothing can be guessed from the hash.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, validators=[validate_no_bidi_controls])
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The token's first characters, to tell tokens apart in lists and logs; they say nothing of the rest.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class StaffProfile(models.Model):
    """A staff member's own settings ("My settings"): the language of their pages and digest, and their time zone.

    A person without one (or with an empty choice) gets their browser's language and the
    business's time zone; their daily digest comes in the business's language.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)
    get_language_display = choice_display("language")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])

    def __str__(self) -> str:
        return f"Settings of {self.user}"

    @property
    def local_zone(self) -> zoneinfo.ZoneInfo:
        return zone_or_business(self.time_zone)

    @property
    def mail_language(self) -> str:
        """The language of the person's digest: their choice, else the business's (a task knows no browser)."""
        return self.language if is_shipped(self.language) else business_language()


def staff_profile(user: Any) -> StaffProfile:
    """The person's settings, or unsaved defaults when they never chose (no query when loaded with the user)."""
    profile = getattr(user, "staff_profile", None)
    return profile if isinstance(profile, StaffProfile) else StaffProfile()


class ExchangeRate(models.Model):
    """What one unit of a currency is worth in the business's currency (BUSINESS_CURRENCY), from a date on.

    A rate holds until the next one of its currency starts; rates are added, never edited, so the
    history of what every past figure was converted at stays visible (clients.currencies reads it).
    """

    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency_code])
    rate = models.DecimalField(
        _("rate to the business currency"),
        max_digits=18,
        decimal_places=8,
        help_text=_("What one unit of this currency is worth in the business currency."),
    )
    valid_from = models.DateField(_("valid from"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone_now, editable=False)

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"],
                name="exchange_rate_one_per_currency_and_day",
                violation_error_message=_("This currency already has a rate from this date."),
            ),
            CheckConstraintOn(
                condition=models.Q(rate__gt=0),
                name="exchange_rate_positive",
                field="rate",
                violation_error_code="rate_not_positive",
                violation_error_message=_("A rate must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} from {self.valid_from:%Y-%m-%d}"

    def clean(self) -> None:
        if self.currency == settings.BUSINESS_CURRENCY:
            raise ValidationError(
                {
                    "currency": _("%(currency)s is the business currency: it needs no rate.")
                    % {"currency": self.currency}
                }
            )


class ClientValueChange(models.Model):
    """One change of a client's monthly recurring value, with the day it took effect: the value's history.

    Written only by clients.value_history.client_value_record, which every writer of a client's value
    calls (the form, the import, the API, departures, partial departures, returns). A departure is
    recorded as a value of 0, a return as the value they came back with, so the client's monthly
    recurring revenue on any day is the latest change on or before it (net revenue retention reads it).
    """

    class Source(models.TextChoices):
        CREATED = "created", _("client added")
        EDIT = "edit", _("details edited")
        IMPORT = "import", _("import")
        API = "api", _("API")
        DEPARTURE = "departure", _("departure")
        PARTIAL_DEPARTURE = "partial_departure", _("partial departure")
        RETURN = "return", _("return")
        OFFER = "offer", _("accepted offer")
        BACKFILL = "backfill", _("value before the history began")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="value_changes")
    monthly_value = models.DecimalField(_("monthly recurring value"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency_code])
    effective_on = models.DateField(_("effective on"))
    source = models.CharField(_("changed by"), max_length=20, choices=Source.choices)
    get_source_display = choice_display("source")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone_now)

    class Meta:
        ordering = ["-effective_on", "-recorded_at", "-id"]
        indexes = [
            # A client's value on a day is the first entry of this index at or before it, read from
            # the index alone: the order is the ordering above, so no row is sorted or fetched.
            models.Index(
                fields=["client", "-effective_on", "-recorded_at", "-id"],
                include=["monthly_value", "currency"],
                name="client_value_as_of",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.monthly_value} {self.currency} from {self.effective_on:%Y-%m-%d}"
