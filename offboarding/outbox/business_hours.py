"""Business hours of the business's time zone: client-facing mail leaves only inside them."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def _is_business_day(day: datetime) -> bool:
    first, last = settings.FOLLOW_UP_BUSINESS_WEEKDAYS
    return first <= day.isoweekday() <= last


def is_business_time(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    start, end = settings.FOLLOW_UP_BUSINESS_HOURS
    return _is_business_day(local) and start <= local.hour < end


def next_business_time(moment: datetime) -> datetime:
    """The moment itself if it is in business hours, else the next business morning."""
    if is_business_time(moment):
        return moment
    local = timezone.localtime(moment)
    start, _end = settings.FOLLOW_UP_BUSINESS_HOURS
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    for _ in range(8):
        morning = timezone.make_aware(datetime.combine(day, time(start)))
        if _is_business_day(morning):
            return morning
        day += timedelta(days=1)
    raise ImproperlyConfigured("FOLLOW_UP_BUSINESS_WEEKDAYS leaves no business day in a week.")


def business_morning(day_offset_from: datetime, days: int) -> datetime:
    """The start of business on the day `days` after the given moment's local date (or the next business day)."""
    start, _end = settings.FOLLOW_UP_BUSINESS_HOURS
    local_day = timezone.localtime(day_offset_from).date() + timedelta(days=days)
    return next_business_time(timezone.make_aware(datetime.combine(local_day, time(start))))
