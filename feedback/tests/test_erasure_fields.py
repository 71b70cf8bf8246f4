"""What an erasure reaches is derived from the models: every text field of a client's data, but the few kept."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection, models
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from clients.models import Client
from feedback.erasure_fields import (
    KEPT_TEXT_FIELDS,
    TEXT_FIELDS,
    client_data_models,
    erased_text_fields,
    field_label,
    rows_of_client,
)
from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.services_erasure import REPLACEMENTS, client_erase, replacement_label
from feedback.tests.test_erasure import _departed_client_with_everything
from offboarding.models import CaseEvent, ChurnReason, DepartureCase, FollowUp, HandoverItem, Suppression
from offboarding.services.cases import STEP_MODELS

MARK = "zqxmark"


def _text_fields(model: type[models.Model]) -> list[models.Field[object, object]]:
    return [field for field in model._meta.concrete_fields if isinstance(field, TEXT_FIELDS)]


def _text_columns(model: type[models.Model]) -> list[models.Field[object, object]]:
    """The fields whose column holds text, seen from PostgreSQL: independent of how erasure finds them."""
    return [
        field
        for field in model._meta.concrete_fields
        if (field.db_type(connection) or "").split("(")[0] in ("varchar", "text", "jsonb")
    ]


def _should_go(model: type[models.Model], field: models.Field[object, object]) -> bool:
    return not field.choices and field_label(model, field.name) not in KEPT_TEXT_FIELDS


def test_the_models_that_hold_a_clients_data_are_found_from_their_keys() -> None:
    found = client_data_models()
    expected = {Client, DepartureCase, *STEP_MODELS, HandoverItem, CaseEvent, FollowUp, SurveyAnswer, RecordedFeedback}
    assert expected <= found.keys()
    assert not {User, ChurnReason, Suppression} & found.keys()
    assert set(found[SurveyAnswer]) == {"client", "case__client", "follow_up__client", "follow_up__case__client"}


def test_every_kept_text_field_is_a_text_field_of_a_clients_data_and_says_why() -> None:
    fields = {field_label(model, field.name): field for model in client_data_models() for field in _text_fields(model)}
    for label, reason in KEPT_TEXT_FIELDS.items():
        assert label in fields, f"{label} is kept, but no model holding a client's data has that text field"
        assert not fields[label].choices, f"{label} has choices, which erasure keeps anyway"
        assert len(reason) > 20, f"say why {label} tells nothing about the client"


def test_every_erased_field_that_may_not_be_empty_has_a_replacement() -> None:
    used = set()
    for model in client_data_models():
        for field in erased_text_fields(model):
            label = replacement_label(model, field.name)
            if label is None:
                assert field.blank, (
                    f"{field_label(model, field.name)} may not be empty, so erasure cannot empty it: say what it is "
                    "in REPLACEMENTS (feedback/services_erasure.py), or keep it on KEPT_TEXT_FIELDS with a reason"
                )
            used.add(label)
    assert set(REPLACEMENTS) <= used, "a replacement for a field that is no longer erased"


def _mark_every_text(client: Client) -> None:
    """Put MARK into every text column of every row of the client's data, but those kept or with choices."""
    for model, lookups in client_data_models().items():
        erased = [field for field in _text_columns(model) if _should_go(model, field)]
        if not erased:
            continue  # no text erasure must empty (a link row, a cause chosen from a list): nothing to mark
        rows = rows_of_client(model, lookups, client)
        assert rows.exists(), f"the story gives no {model.__name__} row; extend _departed_client_with_everything"
        rows.update(
            **{
                field.name: {"said": MARK}
                if isinstance(field, models.JSONField)
                else Concat(models.Value(f"{MARK}-"), Cast("pk", output_field=models.CharField()))
                for field in erased
            }
        )


@pytest.mark.django_db
def test_an_erasure_leaves_nothing_in_any_text_field_of_the_clients_data_but_the_kept_ones(
    account_manager: User, manager: User
) -> None:
    client = _departed_client_with_everything(account_manager)
    data = client_data_models()
    # By id: an erasure unlinks the survey answers from the client.
    rows = {
        model: list(rows_of_client(model, lookups, client).values_list("pk", flat=True))
        for model, lookups in data.items()
    }
    _mark_every_text(client)

    client_erase(client=client, erased_by=manager, now=timezone.now())

    left = [
        f"{field_label(model, field.name)} #{row_pk}"
        for model in data
        for field in _text_columns(model)
        for row_pk, value in model._default_manager.filter(pk__in=rows[model]).values_list("pk", field.name)
        if MARK in str(value)
    ]
    assert left == []
