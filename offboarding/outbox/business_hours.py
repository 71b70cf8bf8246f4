"""Business hours: client-facing mail leaves only inside them, in the client's own time zone.

FOLLOW_UP_BUSINESS_HOURS and FOLLOW_UP_BUSINESS_WEEKDAYS are the same everywhere; where they fall
depends on the zone: a client in Singapore is mailed at 09:00 Singapore time, not at 09:00 in
London. Every function takes the zone it works in (a client's `local_zone`, or `business_zone()`).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clients.models import Client, known_time_zones


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def client_zone(client: Client | None) -> ZoneInfo:
    """Where a client's mail is timed: their own zone, else the business's."""
    return client.local_zone if client is not None else business_zone()


def _is_business_day(day: datetime) -> bool:
    first, last = settings.FOLLOW_UP_BUSINESS_WEEKDAYS
    return first <= day.isoweekday() <= last


def is_business_time(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    start, end = settings.FOLLOW_UP_BUSINESS_HOURS
    return _is_business_day(local) and start <= local.hour < end


def next_business_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """The moment itself if it is in business hours in the zone, else the zone's next business morning."""
    if is_business_time(moment, zone):
        return moment
    local = moment.astimezone(zone)
    start, _end = settings.FOLLOW_UP_BUSINESS_HOURS
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    for _ in range(8):
        morning = datetime.combine(day, time(start), tzinfo=zone)
        if _is_business_day(morning):
            return morning
        day += timedelta(days=1)
    raise ImproperlyConfigured("FOLLOW_UP_BUSINESS_WEEKDAYS leaves no business day in a week.")


def business_morning(day_offset_from: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The start of business on the day `days` after the moment's date in the zone (or the next business day)."""
    start, _end = settings.FOLLOW_UP_BUSINESS_HOURS
    local_day = day_offset_from.astimezone(zone).date() + timedelta(days=days)
    return next_business_time(datetime.combine(local_day, time(start), tzinfo=zone), zone)


def zones_in_business_time(moment: datetime) -> list[str]:
    """The names of every time zone that is in business hours at this moment; "" (the business's) among them.

    The dispatcher claims a client's mail only when the client's zone is on this list, so the claim
    stays one conditional query and the rule stays here, in Python, rather than being written again
    in SQL (where PostgreSQL's own time zone database could know a zone by another name, or not at all).
    About 600 zones take some 15 ms, so the answer is kept for the minute: every zone's hour
    starts on a whole minute, so it is the same for every moment of one.
    """
    minute = moment.astimezone(UTC).replace(second=0, microsecond=0)
    hours, weekdays = settings.FOLLOW_UP_BUSINESS_HOURS, settings.FOLLOW_UP_BUSINESS_WEEKDAYS
    return list(_zones_open_at(minute, tuple(hours), tuple(weekdays), settings.TIME_ZONE))


@lru_cache(maxsize=8)
def _zones_open_at(
    minute: datetime, hours: tuple[int, ...], weekdays: tuple[int, ...], business: str
) -> tuple[str, ...]:
    # The settings are part of the key: a test (or a reload) that changes them gets a fresh answer.
    names = [name for name in sorted(known_time_zones()) if is_business_time(minute, zoneinfo.ZoneInfo(name))]
    if is_business_time(minute, ZoneInfo(business)):
        names.append("")
    return tuple(names)
