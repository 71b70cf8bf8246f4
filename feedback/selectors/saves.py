"""Saves on the dashboard: a save counts once it is kept after the watch period (offboarding's SaveWatchConditions).

A save still inside its watch period is neither a success nor a failure yet: it is counted apart
as watching, and left out of the save rate's offers until it is kept or relapses.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from feedback.selectors.filters import OFFER_MADE
from offboarding.models.cases import SaveWatchConditions

# The drilldown outcomes these figures link to, with the save state each one selects.
SAVE_OUTCOMES = ("save_kept", "save_watching", "save_relapsed")


def save_conditions(today: date | None = None) -> SaveWatchConditions:
    return SaveWatchConditions.on(today or timezone.localdate())


def save_outcome_counts(today: date | None = None) -> dict[str, Count]:
    """Aggregates of the offers that saved a case: `saved` (kept), `watching` and `relapsed`."""
    watch = save_conditions(today)
    return {
        "saved": Count("pk", filter=OFFER_MADE & watch.kept),
        "watching": Count("pk", filter=OFFER_MADE & watch.watching),
        "relapsed": Count("pk", filter=OFFER_MADE & watch.relapsed),
    }


def save_outcome_condition(outcome: str, today: date | None = None) -> Q | None:
    """The case list's condition for one of SAVE_OUTCOMES (after an offer), or None for any other outcome."""
    if outcome not in SAVE_OUTCOMES:
        return None
    watch = save_conditions(today)
    state = outcome.removeprefix("save_")
    return OFFER_MADE & getattr(watch, state)


def kept_save_rate(kept: int, offers: int, watching: int) -> float | None:
    """Kept saves as a share of the offers whose outcome is known: those not still being watched."""
    decided = offers - watching
    return kept / decided if decided else None
