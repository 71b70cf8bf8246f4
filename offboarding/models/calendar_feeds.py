from __future__ import annotations

from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """A person's private calendar address: whoever holds the secret reads that person's calendar.

    The secret is kept as it is, not hashed: the address is shown again on the settings page
    whenever the person wants to subscribe another calendar, and someone who can read this table
    can read the clients and follow-ups the feed is made of anyway. Resetting it ends the old address.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    secret = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"
