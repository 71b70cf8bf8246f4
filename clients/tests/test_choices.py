"""Every model's get_FOO_display shows the chosen value's label in the reader's language (clients.choices)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import translation

from offboarding.models import CaseStep, ProbeStep
from offboarding.outbox.models import FollowUp

PROJECT_APPS = ("clients", "offboarding", "feedback")


def choice_fields() -> list[tuple[type, str]]:
    return [
        (model, field.name)
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if getattr(field, "choices", None) and field.concrete
    ]


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_choice_field_shows_the_label_of_its_value(language: str) -> None:
    checked = 0
    with translation.override(language):
        for model, name in choice_fields():
            field = model._meta.get_field(name)
            for value, label in field.flatchoices:
                instance = model(**{field.attname: value})
                assert getattr(instance, f"get_{name}_display")() == str(label), (model.__name__, name, value)
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
    assert FollowUp(kind=None).get_kind_display() is None
