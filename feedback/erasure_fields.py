"""What erasing a client must reach, derived from the models rather than listed by hand.

A model holds a client's data when a foreign key leads from it to the client, directly or through
another such model (a case, a step of the case, a follow-up). Every text field of those models
(CharField, TextField and their kinds such as EmailField, and JSONField) is erased, unless it holds
one of a fixed set of values (it has choices) or is on KEPT_TEXT_FIELDS with the reason it tells
nothing about the client. A new text field is therefore erased until someone decides to keep it;
feedback/tests/test_erasure_fields.py checks that every one of them is gone after an erasure.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.apps import apps
from django.db import models

from clients.models import Client

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)

# "app_label.Model.field": why erasure keeps it. Short, and reviewed like code: nothing here may hold
# a name, an address or words someone typed about the client.
KEPT_TEXT_FIELDS: dict[str, str] = {
    "clients.Client.segment": "a line of business the dashboard groups by, chosen by staff",
    "clients.Client.currency": "an ISO currency code of the monthly value",
    "clients.Client.time_zone": "a zone name such as Europe/Berlin, shared by everyone living there",
    "offboarding.DepartureCase.segment": "the client's segment when they left, which the dashboard counts",
    "clients.ClientValueChange.currency": "an ISO currency code of a monthly value in the client's value history",
    "offboarding.DepartureCase.currency": "an ISO currency code of the case's monthly value",
    "offboarding.CaseEvent.verb": "the kind of event (CaseEvent.Verb): the timeline keeps what happened and when",
    "offboarding.FollowUp.key": "ids and kinds (case12:check_in:30), which keep planning twice harmless",
    "offboarding.FollowUp.message_id": "a hash of the key at the business's own domain",
    "offboarding.FollowUp.cancelled_reason": "written by the app: a fixed reason, or the staff member who cancelled",
    "offboarding.WebhookEvent.event_id": "a random id (msg_ and hex) receivers tell repeated deliveries apart by",
    "feedback.SurveyAnswer.segment": "an anonymous answer keeps its month and segment for the survey figures",
}


def field_label(model: type[models.Model], name: str) -> str:
    return f"{model._meta.label}.{name}"


def client_data_models() -> dict[type[models.Model], tuple[str, ...]]:
    """Every model that holds a client's data, with the lookups that lead from it to the client's id.

    Worked out to a fixed point, so a model two or three keys away (a survey answer's follow-up's
    case) has every path. Many-to-many tables Django creates are left out: they hold ids only. A key to
    the model itself (a relapse's case to the saved case, of the same client) adds no path, and following
    it would never reach a fixed point.
    """
    paths: dict[type[models.Model], tuple[str, ...]] = {Client: ("pk",)}
    while True:
        found: dict[type[models.Model], tuple[str, ...]] = {Client: ("pk",)}
        for model in apps.get_models():
            lookups = tuple(
                field.name if path == "pk" else f"{field.name}__{path}"
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model in paths and field.related_model is not model
                for path in paths[field.related_model]
            )
            if lookups and model is not Client:
                found[model] = lookups
        if found == paths:
            return paths
        paths = found


def rows_of_client(
    model: type[models.Model], lookups: tuple[str, ...], client: Client
) -> models.QuerySet[models.Model]:
    return model._default_manager.filter(reduce(or_, (models.Q(**{lookup: client.pk}) for lookup in lookups)))


def erased_text_fields(model: type[models.Model]) -> list[models.Field[object, object]]:
    """The model's text fields that an erasure empties or replaces."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, TEXT_FIELDS)
        and not field.choices
        and field_label(model, field.name) not in KEPT_TEXT_FIELDS
    ]
