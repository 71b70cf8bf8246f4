"""The migration that merges handover items added twice, before each title may appear once per list."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from offboarding.models import DepartureCase, HandoverItem

pytestmark = pytest.mark.django_db

UNIQUE_TITLE = next(
    constraint
    for constraint in HandoverItem._meta.constraints
    if constraint.name == "handover_item_unique_title_per_case"
)


@pytest.fixture
def lists_as_before_the_constraint() -> Iterator[None]:
    """The table without its constraint, as the migration finds it; adding it back afterwards must succeed."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending row checks may stand before ALTER TABLE
    with connection.schema_editor() as editor:
        editor.remove_constraint(HandoverItem, UNIQUE_TITLE)
    yield
    with connection.schema_editor() as editor:
        editor.add_constraint(HandoverItem, UNIQUE_TITLE)


def _item(case: DepartureCase, title: str, days: int = 0, done_by: User | None = None) -> HandoverItem:
    return HandoverItem.objects.create(
        case=case,
        title=title,
        days_from_leave_date=days,
        due_on=case.planned_leave_date + timedelta(days=days),
        done_by=done_by,
        done_at=timezone.now() if done_by else None,
    )


def test_a_double_submit_is_merged_and_other_copies_keep_their_record_under_a_number(
    own_case: DepartureCase, account_manager: User, lists_as_before_the_constraint: None
) -> None:
    default_list = list(own_case.handover_items.values_list("pk", flat=True))
    for _ in range(4):
        _item(own_case, "Transfer the domain")
    done = _item(own_case, " transfer the DOMAIN", done_by=account_manager)
    done_again = _item(own_case, "Transfer the domain", done_by=account_manager)
    due_later = _item(own_case, "Transfer the domain", days=14)
    _item(own_case, "Send the final invoice", days=7)
    migration = importlib.import_module("offboarding.migrations.0008_handover_items_without_duplicates")
    migration.merge_duplicate_items(apps, None)
    assert dict(own_case.handover_items.exclude(pk__in=default_list).values_list("pk", "title")) == {
        done.pk: " transfer the DOMAIN",
        done_again.pk: "Transfer the domain (2)",
        due_later.pk: "Transfer the domain (3)",
    }
    assert own_case.handover_items.filter(title="Send the final invoice").count() == 1
