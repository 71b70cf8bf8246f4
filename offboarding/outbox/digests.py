"""The daily staff digest: one email per account manager with the reminders due today and overdue.

It also lists the improvements the person owns that are due today or overdue (and goes out for
them alone when no reminder is due).

Each person's digest follows their own clock (My settings; the business's time zone when they
chose none): it is planned from FOLLOW_UP_DIGEST_HOUR of their day, once a day, with what is due
before their midnight, in their language, with its wording (wording.py) and dates in their zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from clients.formatting import display_name
from clients.models import staff_profile
from offboarding.models import FollowUp, Improvement, MessageText
from offboarding.outbox.composing import Block, Footer, RenderedEmail, compose
from offboarding.outbox.services import message_id_for
from offboarding.outbox.wording import Wording, saved_wordings, wording_in_use
from offboarding.selectors.improvements import improvements_due_for_digest


@dataclass(frozen=True)
class DigestDay:
    """One person's today: its date in their zone and the moment their tomorrow starts."""

    day: date
    start: datetime
    end: datetime


def digest_day(now: datetime, zone: ZoneInfo) -> DigestDay:
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return DigestDay(day=day, start=start, end=datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))


def _open_reminders(until: datetime, recipient: User | None = None) -> dict[User, list[FollowUp]]:
    reminders = FollowUp.objects.filter(
        kind=FollowUp.Kind.STAFF_REMINDER, status=FollowUp.Status.SCHEDULED, due_at__lt=until
    )
    if recipient is not None:
        reminders = reminders.filter(recipient_user=recipient)
    reminders = (
        reminders.exclude(recipient_user=None)
        .select_related("recipient_user__staff_profile", "client", "case")
        .order_by("due_at", "id")
    )
    by_manager: dict[User, list[FollowUp]] = defaultdict(list)
    for reminder in reminders:
        assert reminder.recipient_user is not None
        by_manager[reminder.recipient_user].append(reminder)
    return by_manager


@dataclass(frozen=True)
class DigestDue:
    """One person's digest of today: their reminders and the improvements they own that are due."""

    manager: User
    reminders: list[FollowUp]
    improvements: list[Improvement]
    today: DigestDay


def render_digest(
    wording: Wording,
    *,
    manager: User,
    today: DigestDay,
    reminders: list[FollowUp],
    improvements: list[Improvement] | None = None,
) -> RenderedEmail:
    """The digest in the wording's language, its dates in the person's own time zone."""
    with translation.override(wording.language), timezone.override(staff_profile(manager).local_zone):
        lists: dict[str, Any] = {
            "due_today": [reminder for reminder in reminders if reminder.due_at >= today.start],
            "overdue": [reminder for reminder in reminders if reminder.due_at < today.start],
            "improvements": improvements or [],
            "site_url": settings.SITE_URL,
        }
        values = {
            "account_manager": display_name(manager),
            "business_name": settings.BUSINESS_NAME,
            "day": date_format(today.day, "DATE_FORMAT"),
            "due_today_count": str(len(lists["due_today"])),
            "overdue_count": str(len(lists["overdue"])),
        }
        reminders_block = Block(
            text=render_to_string("emails/staff_digest.txt", lists),
            html=render_to_string("emails/staff_digest.html", lists),
        )
        return compose(wording, values, footer=Footer(for_staff=True), blocks={"reminders": reminders_block})


def _digest_row(digest: DigestDue, now: datetime, saved: dict[tuple[str, str], MessageText]) -> FollowUp:
    manager, reminders, today = digest.manager, digest.reminders, digest.today
    wording = wording_in_use(FollowUp.Kind.STAFF_DIGEST, staff_profile(manager).mail_language, saved)
    rendered = render_digest(
        wording, manager=manager, today=today, reminders=reminders, improvements=digest.improvements
    )
    key = _digest_key(digest)
    return FollowUp(
        key=key,
        kind=FollowUp.Kind.STAFF_DIGEST,
        client=None,
        recipient_email=manager.email,
        recipient_user=manager,
        note=f"Digest for {today.day:%d %b %Y}: {len(reminders)} reminders",
        due_at=now,
        next_attempt_at=now,
        message_id=message_id_for(key),
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
    )


def _people(reminders: dict[User, list[FollowUp]], improvement_owner_ids: set[int]) -> list[User]:
    people = {manager.pk: manager for manager in reminders}
    missing = improvement_owner_ids - set(people)
    if missing:
        people.update(
            {owner.pk: owner for owner in User.objects.filter(pk__in=missing).select_related("staff_profile")}
        )
    return list(people.values())


def _digests_due(now: datetime) -> list[DigestDue]:
    """Everyone whose own day has reached the digest hour, with what is due before their midnight."""
    due = []
    # No one's midnight is more than a day away.
    open_reminders = _open_reminders(until=now + timedelta(days=1))
    improvements = improvements_due_for_digest(until=(now + timedelta(days=1)).date())
    reminders_of = {manager.pk: reminders for manager, reminders in open_reminders.items()}
    for manager in _people(open_reminders, set(improvements)):
        zone = staff_profile(manager).local_zone
        if not manager.email or now.astimezone(zone).hour < settings.FOLLOW_UP_DIGEST_HOUR:
            continue
        today = digest_day(now, zone)
        todays = [reminder for reminder in reminders_of.get(manager.pk, []) if reminder.due_at < today.end]
        owned = [improvement for improvement in improvements.get(manager.pk, []) if improvement.due_on <= today.day]
        if todays or owned:
            due.append(DigestDue(manager=manager, reminders=todays, improvements=owned, today=today))
    return due


def _digest_key(digest: DigestDue) -> str:
    return f"digest:{digest.manager.pk}:{digest.today.day.isoformat()}"


@transaction.atomic
def staff_digests_plan(*, now: datetime) -> int:
    """Queue today's digest for everyone with something due whose day has reached the digest hour.

    Beat runs this every quarter of an hour, so each person's digest hour comes round in their
    own zone (some are offset by 30 or 45 minutes); the key (person and their date) makes every
    later run that day, and a second beat, add nothing.
    """
    due = _digests_due(now)
    if not due:
        return 0
    keys = [_digest_key(digest) for digest in due]
    existing = set(FollowUp.objects.filter(key__in=keys).values_list("key", flat=True))
    saved = saved_wordings()
    new_digests = [_digest_row(digest, now, saved) for digest in due if _digest_key(digest) not in existing]
    # ignore_conflicts: two beats at once both pass the check above; the key keeps one.
    FollowUp.objects.bulk_create(new_digests, ignore_conflicts=True)
    return len(new_digests)


def digest_preview(wording: Wording, *, manager: User, now: datetime) -> RenderedEmail:
    """Today's digest of this person in this wording, as they would get it now (the message editor's preview)."""
    today = digest_day(now, staff_profile(manager).local_zone)
    reminders = _open_reminders(until=today.end, recipient=manager).get(manager, [])
    improvements = improvements_due_for_digest(until=today.day, owner=manager).get(manager.pk, [])
    return render_digest(wording, manager=manager, today=today, reminders=reminders, improvements=improvements)
