"""A person's calendar as iCalendar (RFC 5545), built with the `icalendar` library.

Times are written in the business's time zone (TIME_ZONE, with its VTIMEZONE), so a calendar
shows them right wherever it is read; leave dates and renewals are all-day events. Each event's
UID is fixed by what it is about, so a calendar that reads the feed again updates its events in
place rather than adding copies.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from clients.formatting import display_name
from offboarding.models import DepartureCase, FollowUp, KeepInTouchStep
from offboarding.selectors.calendar import calendar_items, feed_horizon

FOLLOW_UP_LENGTH = timedelta(minutes=15)


def _uid(name: str) -> str:
    return f"{name}@{urlsplit(settings.SITE_URL).hostname or 'offboarding'}"


def _event(uid: str, summary: str, link: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", _uid(uid))
    event.add("dtstamp", now)
    event.add("summary", summary)
    event.add("url", f"{settings.SITE_URL}{link}")
    event.add("description", f"{settings.SITE_URL}{link}")
    return event


def _all_day(event: Event, day: date) -> Event:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a date to know, not time taken
    return event


def _follow_up_event(follow_up: FollowUp, zone: zoneinfo.ZoneInfo, now: datetime) -> Event:
    client = follow_up.client.company_name if follow_up.client else ""
    if follow_up.kind == FollowUp.Kind.STAFF_REMINDER:
        summary = f"{follow_up.note or follow_up.get_kind_display()}: {client}"
    else:
        summary = _("%(kind)s to %(client)s goes out") % {"kind": follow_up.get_kind_display(), "client": client}
    about = follow_up.case or follow_up.client  # the selector reads only follow-ups of a client
    link = about.get_absolute_url() if about is not None else ""
    event = _event(f"follow-up-{follow_up.pk}", summary, link, now)
    event.add("dtstart", follow_up.due_at.astimezone(zone))
    event.add("duration", FOLLOW_UP_LENGTH)
    return event


def _leave_event(case: DepartureCase, now: datetime) -> Event:
    summary = _("%(client)s leaves") % {"client": case.client.company_name}
    return _all_day(
        _event(f"case-{case.pk}-leave-date", summary, case.get_absolute_url(), now), case.planned_leave_date
    )


def _renewal_event(step: KeepInTouchStep, now: datetime) -> Event:
    case = step.case
    summary = _("%(client)s's new contract comes up for renewal: the moment a return is most likely") % {
        "client": case.client.company_name
    }
    renewal = step.new_contract_renewal_on
    assert renewal is not None  # the selector asks for one
    return _all_day(_event(f"case-{case.pk}-renewal", summary, case.get_absolute_url(), now), renewal)


def calendar_for(user: User, *, now: datetime | None = None) -> bytes:
    """The person's calendar feed: their planned follow-ups and reminders, leave dates and renewals."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    items = calendar_items(user=user, today=today)
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.BUSINESS_NAME}//Offboarding//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Offboarding: %(person)s") % {"person": display_name(user)})
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for follow_up in items.follow_ups:
        calendar.add_component(_follow_up_event(follow_up, zone, now))
    for case in items.leave_dates:
        calendar.add_component(_leave_event(case, now))
    for step in items.renewals:
        calendar.add_component(_renewal_event(step, now))
    first, last = feed_horizon(today)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())
