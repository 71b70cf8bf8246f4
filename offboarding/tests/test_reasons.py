"""The churn-reason list: managers add, edit, retire and restore; labels in use never change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.urls import reverse

from offboarding.models import ChurnReason, DepartureCase
from offboarding.services import reasons as services
from offboarding.services.cases import step_complete
from offboarding.tests.factories import ChurnReasonFactory, step_values

pytestmark = pytest.mark.django_db


def _used_reason(case: DepartureCase, actor: User) -> ChurnReason:
    step_complete(case=case, step="probe", actor=actor, values=step_values("probe"))
    return ChurnReason.objects.get(key="price-budget-cuts")


def test_a_reason_is_added_with_a_stable_key() -> None:
    reason = services.reason_create(key="new-ceo", label="A new CEO", category="structural")
    assert ChurnReason.objects.get(key="new-ceo") == reason
    with pytest.raises(ValidationError):
        services.reason_create(key="new-ceo", label="Another", category="other")


def test_an_unused_reasons_label_can_be_corrected() -> None:
    reason = ChurnReasonFactory.create(key="typo", label="Tpyo")
    services.reason_update(reason=reason, label="Typo", category="other", description="")
    reason.refresh_from_db()
    assert reason.label == "Typo"


def test_a_used_reason_is_never_silently_renamed(own_case: DepartureCase, account_manager: User) -> None:
    reason = _used_reason(own_case, account_manager)
    with pytest.raises(ValidationError, match="Retire it and add a new reason"):
        services.reason_update(reason=reason, label="Cost cutting", category="price", description="")
    reason.refresh_from_db()
    assert reason.label == "Budget cuts"
    services.reason_update(reason=reason, label="Budget cuts", category="price", description="Cuts at the client.")
    reason.refresh_from_db()
    assert reason.description == "Cuts at the client."


def test_retire_and_restore() -> None:
    reason = ChurnReason.objects.get(key="other")
    assert services.reason_retire(reason=reason).is_retired
    assert not services.reason_restore(reason=reason).is_retired


def test_account_managers_get_403_on_every_reason_page(am_client: BrowserClient) -> None:
    reason = ChurnReason.objects.get(key="other")
    assert am_client.get(reverse("offboarding:reasons")).status_code == 403
    assert (
        am_client.post(reverse("offboarding:reasons"), {"key": "x", "label": "X", "category": "other"}).status_code
        == 403
    )
    assert am_client.get(reverse("offboarding:reason_edit", args=[reason.pk])).status_code == 403
    assert am_client.post(reverse("offboarding:reason_edit", args=[reason.pk]), {"label": "Y"}).status_code == 403
    assert am_client.post(reverse("offboarding:reason_retire", args=[reason.pk])).status_code == 403
    assert am_client.post(reverse("offboarding:reason_restore", args=[reason.pk])).status_code == 403
    assert not ChurnReason.objects.filter(key="x").exists()
    assert not ChurnReason.objects.get(key="other").is_retired
    assert reverse("offboarding:reasons") not in am_client.get("/").content.decode()


def test_a_manager_sees_the_list_in_the_navigation_and_adds_a_reason(manager_client: BrowserClient) -> None:
    assert reverse("offboarding:reasons") in manager_client.get("/").content.decode()
    page = manager_client.get(reverse("offboarding:reasons")).content.decode()
    assert "Budget cuts" in page
    assert "retire it and add a new reason" in page
    response = manager_client.post(
        reverse("offboarding:reasons"),
        {"key": "new-ceo", "label": "A new CEO", "category": "structural", "description": ""},
        follow=True,
    )
    assert "Reason “A new CEO” added." in response.content.decode()


def test_a_duplicate_key_is_refused_on_the_page(manager_client: BrowserClient) -> None:
    response = manager_client.post(
        reverse("offboarding:reasons"), {"key": "other", "label": "Other again", "category": "other"}
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert ChurnReason.objects.filter(label="Other again").count() == 0


def test_a_used_reasons_label_is_locked_on_the_edit_page(
    manager_client: BrowserClient, own_case: DepartureCase, account_manager: User
) -> None:
    reason = _used_reason(own_case, account_manager)
    url = reverse("offboarding:reason_edit", args=[reason.pk])
    assert "label cannot change" in manager_client.get(url).content.decode()
    manager_client.post(url, {"label": "Renamed", "category": "service", "description": ""})
    reason.refresh_from_db()
    assert reason.label == "Budget cuts"
    assert reason.category == "service"


def test_a_retired_reason_leaves_new_cases_but_stays_on_old_ones(
    manager_client: BrowserClient,
    am_client: BrowserClient,
    own_case: DepartureCase,
    others_case: DepartureCase,
    account_manager: User,
) -> None:
    reason = _used_reason(own_case, account_manager)
    response = manager_client.post(reverse("offboarding:reason_retire", args=[reason.pk]), follow=True)
    assert "retired" in response.content.decode()
    old_case_page = am_client.get(own_case.get_absolute_url()).content.decode()
    assert "Budget cuts" in old_case_page
    new_case_page = manager_client.get(others_case.get_absolute_url()).content.decode()
    assert "Budget cuts" not in new_case_page
    manager_client.post(reverse("offboarding:reason_restore", args=[reason.pk]))
    assert "Budget cuts" in manager_client.get(others_case.get_absolute_url()).content.decode()


def test_a_reason_label_with_text_direction_controls_is_refused(manager_client: BrowserClient) -> None:
    response = manager_client.post(
        reverse("offboarding:reasons"), {"key": "new-ceo", "label": "A new \u202eOEC", "category": "structural"}
    )
    assert response.status_code == 400
    assert "Remove the invisible text-direction characters" in response.content.decode()
    assert not ChurnReason.objects.filter(key="new-ceo").exists()
    reason = ChurnReasonFactory.create(key="typo", label="Tpyo")
    with pytest.raises(ValidationError, match="text-direction"):
        services.reason_update(reason=reason, label="Typo\u2066", category="other", description="")
    reason.refresh_from_db()
    assert reason.label == "Tpyo"
