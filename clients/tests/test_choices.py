"""Every model's get_FOO_display shows the chosen value's label in the reader's language (clients.choices)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from offboarding.models import CaseStep, ProbeStep
from offboarding.outbox.models import FollowUp

PROJECT_APPS = ("clients", "offboarding", "feedback")


def choice_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if field.choices
    ]


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_choice_field_shows_the_label_of_its_value(language: str) -> None:
    checked = 0
    with translation.override(language):
        for model, field in choice_fields():
            for value, label in field.flatchoices:
                instance = model(**{field.attname: value})
                shown = getattr(instance, f"get_{field.name}_display")()
                assert shown == str(label), (model.__name__, field.name, value)
                checked += 1
    assert checked > 100


def test_the_label_follows_the_active_language() -> None:
    follow_up = FollowUp(kind=FollowUp.Kind.THANK_YOU, status=FollowUp.Status.SENT)
    with translation.override("de"):
        german = follow_up.get_kind_display(), follow_up.get_status_display()
    with translation.override("en"):
        english = follow_up.get_kind_display(), follow_up.get_status_display()
    assert english == ("Thank-you email", "Sent")
    assert german[0] != english[0]
    assert german[1] != english[1]


def test_every_step_shows_its_own_status() -> None:
    with translation.override("en"):
        assert ProbeStep(status=CaseStep.Status.SKIPPED).get_status_display() == "Skipped"


def test_an_unknown_value_shows_as_itself() -> None:
    assert FollowUp(kind="retired_kind").get_kind_display() == "retired_kind"
