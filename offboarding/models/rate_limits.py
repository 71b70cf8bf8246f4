"""How often an action was used lately, per subject, to refuse it past a limit (password-reset mails)."""

from __future__ import annotations

from django.db import models


class RateLimit(models.Model):
    """The recent uses of one action by one subject (an address, an account).

    One row per pair, locked while it is counted, so that every web process shares
    one count and two requests at the same moment cannot both take the last use.
    """

    action = models.CharField(max_length=40)
    subject = models.CharField(max_length=100)
    # ISO 8601 times of the uses still inside the window, oldest first.
    uses = models.JSONField(default=list)
    last_used_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "subject"], name="rate_limit_unique_action_subject")]
        indexes = [models.Index(fields=["action", "last_used_at"])]

    def __str__(self) -> str:
        return f"{self.action} by {self.subject}"
