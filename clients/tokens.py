"""Personal API tokens: made, found by their hash, marked as used and revoked.

The token is returned once, by api_token_create, and never stored: the database keeps its
SHA-256 and its first characters. A lookup hashes what was sent and finds the row by that hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from clients.models import ApiToken

TOKEN_PREFIX = "obk_"  # noqa: S105 (marks our tokens in a secret scanner, not a secret)
# Last use is written at most this often per token: every request writing a row would be a write per read.
LAST_USE_PRECISION = timedelta(minutes=1)
MAX_TOKENS_PER_PERSON = 20


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to its owner once, then gone


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, now: datetime) -> NewToken:
    """A new token for the person; its secret is in the answer and nowhere else."""
    name = name.strip()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_TOKENS_PER_PERSON:
        raise ValidationError(
            _("You have %(count)d tokens; revoke one you no longer use first.") % {"count": MAX_TOKENS_PER_PERSON}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=token_hash(secret), prefix=secret[:10], created_at=now)
    token.full_clean(exclude=["user"])
    token.save()
    return NewToken(token=token, secret=secret)


def api_token_user(*, secret: str, now: datetime) -> ApiToken | None:
    """The usable token with this secret, its last use noted; None for an unknown or revoked one."""
    token = ApiToken.objects.usable().select_related("user").filter(token_hash=token_hash(secret)).first()
    if token is None:
        return None
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USE_PRECISION)
    if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
        token.last_used_at = now
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User, now: datetime) -> ApiToken:
    """The person's own token stops working at once."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk, user=user)
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
    return token
