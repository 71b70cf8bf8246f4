"""Writes on the churn-reason list that managers keep.

A reason's key never changes, and its label is never silently renamed once a case
uses it: to rename, retire the old reason and add a new one, so past cases keep
meaning what was recorded.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offboarding.models import ChurnReason


def reason_is_used(reason: ChurnReason) -> bool:
    return reason.primary_for.exists() or reason.contributing_to.exists()


@transaction.atomic
def reason_create(*, key: str, label: str, category: str, description: str = "") -> ChurnReason:
    if ChurnReason.objects.filter(key=key).exists():
        raise ValidationError(
            {"key": _("A reason with this key already exists (perhaps retired): choose another key.")}
        )
    reason = ChurnReason(key=key, label=label.strip(), category=category, description=description.strip())
    reason.full_clean(validate_unique=False)
    reason.save()
    return reason


@transaction.atomic
def reason_update(*, reason: ChurnReason, label: str, category: str, description: str) -> ChurnReason:
    reason = ChurnReason.objects.select_for_update().get(pk=reason.pk)
    label = label.strip()
    if label != reason.label and reason_is_used(reason):
        raise ValidationError(
            {"label": _("Cases already use this reason, so its label stays. Retire it and add a new reason instead.")}
        )
    reason.label = label
    reason.category = category
    reason.description = description.strip()
    reason.full_clean(validate_unique=False)
    reason.save(update_fields=["label", "category", "description"])
    return reason


@transaction.atomic
def reason_retire(*, reason: ChurnReason, now: datetime | None = None) -> ChurnReason:
    """Take a reason off the probe form; cases that use it keep showing it."""
    reason = ChurnReason.objects.select_for_update().get(pk=reason.pk)
    if reason.retired_at is None:
        reason.retired_at = now or timezone.now()
        reason.save(update_fields=["retired_at"])
    return reason


@transaction.atomic
def reason_restore(*, reason: ChurnReason) -> ChurnReason:
    reason = ChurnReason.objects.select_for_update().get(pk=reason.pk)
    if reason.retired_at is not None:
        reason.retired_at = None
        reason.save(update_fields=["retired_at"])
    return reason
