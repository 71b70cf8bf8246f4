"""The value history begins with what is known: each client's value since they were added, 0 from each
departure, and the case's value from each return (the value history is exact from this release on).

It sits in offboarding because departures and returns are read from the cases, which clients cannot see.
"""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Any

from django.db import migrations
from django.utils import timezone

BATCH = 2000


def _first_day(client: Any) -> date:
    added = timezone.localdate(client.created_at)
    return min(added, client.contract_start) if client.contract_start else added


def _departures(Case: Any, Change: Any, now: Any) -> list[Any]:
    changes = []
    departed = Case.objects.filter(status__in=("departed", "won_back"), departed_on__isnull=False)
    for case in departed.iterator(chunk_size=BATCH):
        changes.append(
            Change(client_id=case.client_id, monthly_value=0, currency=case.currency, effective_on=case.departed_on,
                   source="departure", recorded_at=now)
        )  # fmt: skip
        if case.won_back_on:
            changes.append(
                Change(client_id=case.client_id, monthly_value=case.monthly_value, currency=case.currency,
                       effective_on=case.won_back_on, source="return", recorded_at=now)
            )  # fmt: skip
    return changes


def backfill(apps: Any, schema_editor: Any) -> None:
    Client = apps.get_model("clients", "Client")
    Change = apps.get_model("clients", "ClientValueChange")
    Case = apps.get_model("offboarding", "DepartureCase")
    if Change.objects.exists():
        return
    now = timezone.now()
    firsts = (
        Change(client_id=client.pk, monthly_value=client.monthly_value, currency=client.currency,
               effective_on=_first_day(client), source="backfill", recorded_at=now)
        for client in Client.objects.only("pk", "monthly_value", "currency", "created_at", "contract_start")
        .iterator(chunk_size=BATCH)
    )  # fmt: skip
    # In batches: bulk_create would first read a generator whole into a list.
    while batch := list(islice(firsts, BATCH)):
        Change.objects.bulk_create(batch)
    Change.objects.bulk_create(_departures(Case, Change, now), batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0012_exchange_rates_and_value_history"),
        ("offboarding", "0024_partial_departures"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
