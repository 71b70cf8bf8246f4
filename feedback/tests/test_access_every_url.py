"""Every URL pattern, for every role, GET and POST: nobody reads or changes what is not theirs.

The URLs are discovered from the URLconf (offboarding/tests/urlwalk.py), so a
new view is covered without editing this test. Every row the account manager
Amelia owns is created with the same primary key, OWNED_PK, so any integer in
a URL points at one of her objects whatever kind the view expects.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from feedback.models import RecordedFeedback, SurveyAnswer
from offboarding.models import ChurnReason, FollowUp, WebhookEndpoint
from offboarding.tests.db_snapshot import restart_ids_at, snapshot
from offboarding.tests.factories import DepartureCaseFactory, improvement_for
from offboarding.tests.test_sign_in import PUBLIC_PAGES
from offboarding.tests.urlwalk import SAMPLE_ARGUMENTS, Page, all_pages

OWNED_PK = 424242
OWNED_UUID = uuid.UUID(int=OWNED_PK)
SAMPLE_UUID = str(SAMPLE_ARGUMENTS["uuid"])
OWNED_COMPANY = "Amelias Own Company"


@pytest.fixture
def amelias_objects(account_manager: User, other_account_manager: User, manager: User) -> None:
    """One of everything Amelia owns, each with primary key OWNED_PK."""
    restart_ids_at(OWNED_PK)
    case = DepartureCaseFactory.create(
        client__account_manager=account_manager, client__company_name=OWNED_COMPANY, opened_by=account_manager
    )
    FollowUp.objects.create(
        key="access-test-check-in",
        kind=FollowUp.Kind.CHECK_IN,
        client=case.client,
        case=case,
        recipient_email=case.client.contact_email,
        due_at=timezone.now() + timedelta(days=30),
    )
    ChurnReason.objects.create(key="access-test", label="A reason only managers edit", category="other")
    RecordedFeedback.objects.create(
        case=case, heard_on=timezone.localdate(), what_they_said="Too dear", recorded_by=account_manager
    )
    SurveyAnswer.objects.create(
        id=OWNED_UUID,
        client=case.client,
        case=case,
        month=timezone.localdate().replace(day=1),
        satisfaction=3,
        likelihood_to_return=5,
    )
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", events=["case.opened"])
    improvement_for(case, account_manager, title="An improvement of Amelia's case")
    restart_ids_at(OWNED_PK + 1000)


def _pages() -> list[Page]:
    """Every page, with the sample id 1 replaced by the id of Amelia's objects."""
    return [
        Page(name=page.name, path=page.path.replace("/1/", f"/{OWNED_PK}/").replace(SAMPLE_UUID, str(OWNED_UUID)))
        for page in all_pages()
    ]


def _objects_in_path(page: Page) -> bool:
    return f"/{OWNED_PK}/" in page.path or str(OWNED_UUID) in page.path


# Read by everyone with a role, and changed by no one through them: the churn-reason list, which account
# managers choose from at the probe step.
READ_BY_EVERY_ROLE = {"api:reason-detail"}


# Pages about the signed-in person's own account, and pages open to everyone.
OWN_ACCOUNT_PAGES = {"logout", "password_change", "password_change_done"}


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in _pages() if _objects_in_path(p)], ids=lambda p: p.name)
def test_another_account_manager_can_neither_read_nor_change_amelias_objects(
    page: Page, amelias_objects: None, other_am_client: BrowserClient, am_client: BrowserClient
) -> None:
    owner_view = am_client.get(page.path)
    assert owner_view.status_code != 404, f"{page.name}: the owner cannot open her own object either"

    before = snapshot()
    read = other_am_client.get(page.path)
    allowed = {200, 403, 404, 405} if page.name in READ_BY_EVERY_ROLE else {403, 404, 405}
    assert read.status_code in allowed, f"{page.name}: GET answered {read.status_code}"
    change = other_am_client.post(page.path, {})
    assert change.status_code in {403, 404, 405}, f"{page.name}: POST answered {change.status_code}"
    assert snapshot() == before, f"{page.name}: a refused request changed the database"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", [p for p in _pages() if p.name not in PUBLIC_PAGES | OWN_ACCOUNT_PAGES], ids=lambda p: p.name
)
def test_a_manager_can_open_every_page(page: Page, amelias_objects: None, manager_client: BrowserClient) -> None:
    response = manager_client.get(page.path)
    assert response.status_code in {200, 302, 405}, f"{page.name}: GET answered {response.status_code}"
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("login"))


@pytest.fixture
def amelia_without_a_role(amelias_objects: None, account_manager: User, am_client: BrowserClient) -> BrowserClient:
    """Amelia, still signed in and still the owner of her objects, taken out of "Account managers"."""
    account_manager.groups.clear()
    return am_client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", [p for p in _pages() if p.name not in PUBLIC_PAGES | OWN_ACCOUNT_PAGES], ids=lambda p: p.name
)
def test_a_signed_in_person_without_a_role_can_neither_read_nor_change_anything(
    page: Page, amelia_without_a_role: BrowserClient
) -> None:
    before = snapshot()
    read = amelia_without_a_role.get(page.path)
    assert read.status_code in {403, 404, 405}, f"{page.name}: GET answered {read.status_code}"
    assert OWNED_COMPANY not in read.content.decode(), f"{page.name}: showed her former client"
    change = amelia_without_a_role.post(page.path, {})
    assert change.status_code in {403, 404, 405}, f"{page.name}: POST answered {change.status_code}"
    assert snapshot() == before, f"{page.name}: a refused request changed the database"


@pytest.mark.django_db
def test_a_signed_in_person_without_a_role_is_told_to_ask_a_manager(amelia_without_a_role: BrowserClient) -> None:
    page = amelia_without_a_role.get(reverse("home"))
    assert page.status_code == 403
    text = page.content.decode()
    assert "You have no role yet" in text
    assert "Ask a manager" in text
    assert OWNED_COMPANY not in text
    assert 'action="/accounts/logout/"' in text  # she can still sign out


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in _pages() if p.name not in PUBLIC_PAGES], ids=lambda p: p.name)
def test_no_answer_to_a_signed_in_person_may_be_stored_by_a_cache(
    page: Page, amelias_objects: None, manager_client: BrowserClient
) -> None:
    response = manager_client.get(page.path)
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, f"{page.name}: Cache-Control {response.get('Cache-Control')!r}"
