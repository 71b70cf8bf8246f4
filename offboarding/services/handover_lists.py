"""The handover list a new case starts from: its segment's own, else the one for every segment, else the shipped one.

Managers keep the lists (offboarding/views/handover_lists.py); a case copies its list when it is
opened (case_open), so changing a list later never changes a case already open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clients.languages import business_language
from clients.models import Client
from offboarding.models import HandoverList, HandoverListItem

# The list every case starts with until a manager keeps one: (title, days from the leave date).
# Written into each new case in the business's language.
SHIPPED_HANDOVER = (
    (gettext_noop("Finish the work already promised"), -7),
    (gettext_noop("Return their data and documents"), 0),
    (gettext_noop("Remove our access to their systems"), 0),
    (gettext_noop("Send the final invoice"), 7),
    (gettext_noop("Hand knowledge over to the new provider"), 0),
)
EVERY_SEGMENT = ""


@dataclass(frozen=True)
class HandoverListEntry:
    title: str
    days_from_leave_date: int


@dataclass(frozen=True)
class SegmentList:
    """What new cases of a segment start from, and where that list comes from."""

    segment: str
    entries: list[HandoverListEntry]
    own: bool  # the segment has a list of its own
    shipped: bool  # no manager has kept a list it could use: the shipped one


def _shipped_entries() -> list[HandoverListEntry]:
    with translation.override(business_language()):
        return [HandoverListEntry(_(title), days) for title, days in SHIPPED_HANDOVER]


def _entries(handover_list: HandoverList) -> list[HandoverListEntry]:
    return [HandoverListEntry(item.title, item.days_from_leave_date) for item in handover_list.items.all()]


def segment_list(segment: str) -> SegmentList:
    """The list new cases of this segment start from."""
    return segment_lists([segment])[0]


def segment_lists(segments: list[str]) -> list[SegmentList]:
    """The list each segment's new cases start from, in two queries however many segments."""
    kept = HandoverList.objects.filter(segment__in={*segments, EVERY_SEGMENT}).prefetch_related("items")
    lists = {handover_list.segment: handover_list for handover_list in kept}
    return [_resolved(segment, lists) for segment in segments]


def _resolved(segment: str, lists: dict[str, HandoverList]) -> SegmentList:
    if segment in lists:
        return SegmentList(segment, _entries(lists[segment]), own=True, shipped=False)
    if EVERY_SEGMENT in lists:
        return SegmentList(segment, _entries(lists[EVERY_SEGMENT]), own=False, shipped=False)
    return SegmentList(segment, _shipped_entries(), own=False, shipped=True)


def handover_segments() -> list[str]:
    """Every segment a list can be kept for: the clients' segments and those with a list; "" (every segment) first."""
    used = set(Client.objects.exclude(segment="").values_list("segment", flat=True).distinct())
    kept = set(HandoverList.objects.values_list("segment", flat=True))
    return [EVERY_SEGMENT, *sorted((used | kept) - {EVERY_SEGMENT}, key=str.lower)]


def _checked(entries: list[HandoverListEntry]) -> list[HandoverListEntry]:
    cleaned, seen = [], set()
    for entry in entries:
        title = entry.title.strip()
        if title.lower() in seen:
            raise ValidationError(_("“%(title)s” is on the list twice.") % {"title": title})
        seen.add(title.lower())
        cleaned.append(HandoverListEntry(title, entry.days_from_leave_date))
    return cleaned


@transaction.atomic
def handover_list_save(
    *, segment: str, entries: list[HandoverListEntry], saved_by: User, now: datetime
) -> HandoverList:
    """The list new cases of the segment ("" : of every segment without its own) start from, from now on."""
    entries = _checked(entries)
    handover_list, _created = HandoverList.objects.select_for_update().get_or_create(
        segment=segment, defaults={"updated_by": saved_by, "updated_at": now}
    )
    handover_list.updated_by, handover_list.updated_at = saved_by, now
    handover_list.full_clean(validate_unique=False)
    handover_list.save()
    items = [
        HandoverListItem(
            handover_list=handover_list, title=entry.title, days_from_leave_date=entry.days_from_leave_date
        )
        for entry in entries
    ]
    for position, item in enumerate(items):
        item.position = position
        try:
            item.full_clean(exclude=["handover_list"], validate_constraints=False)
        except ValidationError as error:
            # Said of the item, since the list is saved as a whole.
            raise ValidationError([f"“{item.title}”: {message}" for message in error.messages]) from None
    handover_list.items.all().delete()
    HandoverListItem.objects.bulk_create(items)
    return handover_list


@transaction.atomic
def handover_list_reset(*, segment: str) -> None:
    """A segment's own list goes: its new cases start from the list for every segment (or the shipped one)."""
    HandoverList.objects.filter(segment=segment).delete()
