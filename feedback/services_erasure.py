"""Erasing a client: personal data removed or anonymised everywhere it was kept.

Lives in `feedback` because erasure must reach the survey answers and recorded
feedback, and a lower app never imports a higher one. What stays: the hashed
suppression entry (so the address is never mailed again), the case figures the
dashboard counts (dates, segment, value, reasons, scores) and the timeline's
verbs and times, all with no name, address or free text left in them.

Which rows and fields to erase is derived from the models (feedback/erasure_fields.py): every
text field of every model with a key that leads to the client, except the few kept with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Concat, Left, Replace, Substr, Upper
from django.utils.html import escape
from django.utils.translation import gettext

from clients.formatting import display_name
from clients.models import Client
from feedback.erasure_fields import client_data_models, erased_text_fields, field_label, rows_of_client
from feedback.models import SurveyAnswer
from offboarding.models import FollowUp
from offboarding.outbox.services import ForgottenFollowUps, follow_ups_forget_client
from offboarding.outbox.webhooks.events import webhook_deliveries_forget_client
from offboarding.services.cases import case_event_record
from offboarding.services.consent import client_keep_in_touch_set

ERASED = "Erased"


def erased_email(client_id: int) -> str:
    return f"erased-{client_id}@invalid"


def erased_company_name(client_id: int) -> str:
    return f"Erased client #{client_id}"


def _personal_values(client: Client) -> list[str]:
    """The strings that identify the client, as written and as HTML-escaped in email bodies."""
    values = {client.company_name, client.contact_name, client.contact_email, client.contact_phone}
    values |= {escape(value) for value in values}
    # Longest first, so a name that contains another is replaced whole.
    return sorted((value for value in values if len(value.strip()) >= 3), key=len, reverse=True)


# What an erased text field becomes where empty will not do (a required field, a unique title),
# by "app_label.Model.field" (a step's inherited field by its abstract CaseStep). Any other: empty.
REPLACEMENTS: dict[str, Callable[[Client], Any]] = {
    "clients.Client.company_name": lambda client: erased_company_name(client.pk),
    "clients.Client.contact_name": lambda client: ERASED,
    "clients.Client.contact_email": lambda client: erased_email(client.pk),
    # A skipped step must keep a reason (a check constraint), so it keeps a neutral one.
    "offboarding.CaseStep.skip_reason": lambda client: Case(
        When(status="skipped", then=Value(ERASED)), default=Value("")
    ),
    # Numbered, as a handover list holds each title once.
    "offboarding.HandoverItem.title": lambda client: Concat(
        Value("Handover item #"), Cast("pk", output_field=models.CharField())
    ),
    "offboarding.CaseEvent.summary": lambda client: Concat(
        Upper(Left("verb", 1)), Replace(Substr("verb", 2), Value("_"), Value(" ")), Value(" (details erased)")
    ),
    "offboarding.FollowUp.recipient_email": lambda client: erased_email(client.pk),
    "feedback.RecordedFeedback.what_they_said": lambda client: ERASED,
    "offboarding.SaveOffer.details": lambda client: ERASED,  # an offer says what it was
}


def replacement_label(model: type[models.Model], name: str) -> str | None:
    """The REPLACEMENTS entry of a field, looked up on the model and then on the abstract models it extends."""
    labels = (field_label(cls, name) for cls in model.__mro__ if hasattr(cls, "_meta"))
    return next((label for label in labels if label in REPLACEMENTS), None)


def _erased_values(model: type[models.Model], client: Client, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in erased_text_fields(model):
        label = replacement_label(model, field.name)
        if label is not None:
            values[field.name] = REPLACEMENTS[label](client)
        else:
            values[field.name] = {} if isinstance(field, models.JSONField) else ""
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        values["updated_at"] = now
    return values


def _erase_texts(client: Client, now: datetime) -> None:
    """Every text the client's rows hold, everywhere (the client's own row is the caller's to save)."""
    for model, lookups in client_data_models().items():
        if model is Client:
            for name, value in _erased_values(Client, client, now).items():
                setattr(client, name, value)
        else:
            rows_of_client(model, lookups, client).update(**_erased_values(model, client, now))


def _scrub_staff_digests(client: Client, personal: list[str]) -> None:
    """Daily digests span many clients and name each one: replace this client's strings in them."""
    if not personal:
        return
    mentions = Q()
    for value in personal:
        mentions |= Q(subject__contains=value) | Q(body_text__contains=value) | Q(body_html__contains=value)
    placeholder = Value(erased_company_name(client.pk))
    for value in personal:
        FollowUp.objects.filter(mentions, client=None).update(
            subject=Replace(F("subject"), Value(value), placeholder),
            body_text=Replace(F("body_text"), Value(value), placeholder),
            body_html=Replace(F("body_html"), Value(value), placeholder),
        )


@transaction.atomic
def client_erase(*, client: Client, erased_by: User, now: datetime) -> Client:
    """Remove or anonymise the client's personal data everywhere, keeping an anonymous record that it happened."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    personal = _personal_values(client)
    # First, while the real address is still known: it is kept only as a hash.
    forgotten = follow_ups_forget_client(client=client, actor=erased_by, now=now)
    webhook_deliveries_forget_client(client=client, now=now)
    consent = client_keep_in_touch_set(
        client=client, answer=Client.KeepInTouch.NO, source=Client.KeepInTouchSource.ERASURE, actor=erased_by, now=now
    )

    _erase_texts(client, now)
    # After the texts: the answers are found through their links to the client, which this removes.
    SurveyAnswer.objects.filter(Q(client=client) | Q(case__client=client) | Q(follow_up__client=client)).update(
        is_anonymous=True, client=None, case=None, follow_up=None, submitted_at=None
    )
    _scrub_staff_digests(client, personal)
    client.erased_at = now
    client.save()

    case_event_record(
        client=client,
        case=None,
        actor=erased_by,
        verb="client_erased",
        summary=_erasure_summary(erased_by, forgotten),
        follow_ups_cancelled=forgotten.cancelled + consent.cancelled,
        follow_ups_in_flight=forgotten.in_flight,
    )
    return client


def _erasure_summary(erased_by: User, forgotten: ForgottenFollowUps) -> str:
    summary = f"Personal data erased by {display_name(erased_by)}"
    if forgotten.in_flight:
        # Whether the mail server took it is known only to the dispatcher, which may no longer write to the row.
        summary += gettext("; an email being sent at that moment may have reached them")
    return summary
