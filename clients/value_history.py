"""The one writer of a client's monthly value history (ClientValueChange).

Every write of a client's monthly value or currency calls it: the client form and the API
(clients.services), the import, and from offboarding departures, partial departures and returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from clients.models import Client, ClientValueChange


def _change(
    client: Client, *, source: str, actor: User | None, on: date | None, value: Decimal | None
) -> ClientValueChange:
    return ClientValueChange(
        client=client,
        monthly_value=client.monthly_value if value is None else value,
        currency=client.currency,
        effective_on=on or timezone.localdate(),
        source=ClientValueChange.Source(source),
        changed_by=actor,
    )


def client_value_record(
    *,
    client: Client,
    source: str,
    actor: User | None,
    on: date | None = None,
    value: Decimal | None = None,
) -> ClientValueChange:
    """Record the client's monthly value (or `value`, e.g. 0 on departure) as of `on` (default: today)."""
    change = _change(client, source=source, actor=actor, on=on, value=value)
    change.save()
    return change


def clients_value_record(*, clients: Iterable[Client], source: str, actor: User | None) -> None:
    """The first value of many new clients at once (the import), in one insert per thousand."""
    changes = [_change(client, source=source, actor=actor, on=None, value=None) for client in clients]
    ClientValueChange.objects.bulk_create(changes, batch_size=1000)
