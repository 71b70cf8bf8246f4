"""Signatures as the Standard Webhooks specification describes them (standardwebhooks.com).

Each attempt carries `webhook-id` (the event's id, the same on every attempt), `webhook-timestamp`
(seconds since 1970 of this attempt) and `webhook-signature`: `v1,` and the base64 of the
HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed with the secret's bytes (the base64 after `whsec_`).
While an old secret is still within its overlap period, its signature follows, space-separated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, *, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secrets_in_use: Iterable[str], *, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, webhook_id=webhook_id, timestamp=timestamp, body=body) for secret in secrets_in_use
        ),
    }
