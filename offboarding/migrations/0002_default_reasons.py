"""The churn reasons every business starts with (managers edit the list in the app)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

DEFAULT_REASONS = [
    # key, label, category
    ("price-cheaper-elsewhere", "Found a cheaper offer elsewhere", "price"),
    ("price-budget-cuts", "Budget cuts", "price"),
    ("service-quality", "Quality of our work", "service"),
    ("service-responsiveness", "We were slow to respond", "service"),
    ("service-mistakes", "Mistakes on our side", "service"),
    ("service-relationship", "The relationship soured", "service"),
    ("fit-competitor", "A competitor fits them better", "fit"),
    ("fit-needs-changed", "Their needs changed", "fit"),
    ("need-met", "They got what they came for", "need_met"),
    ("lost-focus", "Pulled in too many directions", "lost_focus"),
    ("no-follow-through", "Did not follow through on the plan", "no_follow_through"),
    ("acquired-merged", "Acquired or merged", "structural"),
    ("moved-in-house", "Moved the work in-house", "structural"),
    ("ownership-change", "Ownership or leadership change", "structural"),
    ("other", "Something else", "other"),
]


def add_reasons(apps: Any, schema_editor: Any) -> None:
    reason_model = apps.get_model("offboarding", "ChurnReason")
    for position, (key, label, category) in enumerate(DEFAULT_REASONS):
        reason_model.objects.get_or_create(
            key=key, defaults={"label": label, "category": category, "sort_order": (position + 1) * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("offboarding", "0001_initial")]

    operations = [migrations.RunPython(add_reasons, migrations.RunPython.noop)]
