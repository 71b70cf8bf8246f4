"""Read queries for the client pages and the CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Case, F, Field, IntegerField, Model, OrderBy, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from clients.csv_format import format_consent
from clients.models import Client, ClientQuerySet, ClientValueChange
from clients.roles import ROLE_GROUPS, account_managers

_STATUS_ORDER = Case(
    *(When(status=status, then=Value(position)) for position, status in enumerate(Client.Status.values)),
    output_field=IntegerField(),
)

# Sort key (as in the URL) -> the column it orders by; "-key" sorts descending.
# Empty contract dates go last either way, so the soonest renewals lead an ascending sort.
_SORT_COLUMNS: dict[str, Any] = {
    "name": Lower("company_name"),
    "value": F("monthly_value"),
    "contract_end": F("contract_end"),
    "status": _STATUS_ORDER,
}
SORT_CHOICES = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("value", _("Monthly value, lowest first")),
    ("-value", _("Monthly value, highest first")),
    ("contract_end", _("Contract end, soonest first")),
    ("-contract_end", _("Contract end, latest first")),
    ("status", _("Status (active first)")),
    ("-status", _("Status (returned first)")),
]
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class ClientListFilters:
    search: str = ""
    status: str = ""
    account_manager: User | None = None
    segment: str = ""
    sort: str = DEFAULT_SORT


def _ordering(sort: str) -> list[OrderBy | str]:
    descending = sort.startswith("-")
    column = _SORT_COLUMNS.get(sort.removeprefix("-"), _SORT_COLUMNS[DEFAULT_SORT])
    primary = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return [primary, Lower("company_name").asc(), "id"]


def _search(clients: ClientQuerySet, search: str) -> ClientQuerySet:
    # Every word must appear in the company, the contact's name or the email,
    # so "sofia alder" finds Sofia at Alder Logistics.
    for word in search.split():
        clients = clients.filter(
            Q(company_name__icontains=word) | Q(contact_name__icontains=word) | Q(contact_email__icontains=word)
        )
    return clients


def clients_filtered(*, user: Any, filters: ClientListFilters) -> ClientQuerySet:
    """The clients the user may see, searched, filtered and sorted as on the list page."""
    clients = _search(Client.objects.visible_to(user), filters.search)
    if filters.status:
        clients = clients.filter(status=filters.status)
    if filters.account_manager is not None:
        clients = clients.filter(account_manager=filters.account_manager)
    if filters.segment:
        clients = clients.filter(segment=filters.segment)
    return clients.select_related("account_manager").order_by(*_ordering(filters.sort))


def emails_in_use(emails: list[str], *, except_client: Client | None = None) -> set[str]:
    """Which of these emails (lower case) a client already has; uses the lower(email) unique index."""
    clients = Client.objects.annotate(email_lower=Lower("contact_email")).filter(email_lower__in=emails)
    if except_client is not None and except_client.pk:
        clients = clients.exclude(pk=except_client.pk)
    return set(clients.values_list("email_lower", flat=True))


def client_segments(*, user: Any) -> list[str]:
    """The segments in use among the clients the user may see, for the filter."""
    segments = Client.objects.visible_to(user).exclude(segment="").order_by("segment")
    return list(segments.values_list("segment", flat=True).distinct())


_BY_NAME = ("first_name", "last_name", "username")


def client_owner_choices(*, keeping: int | None = None) -> QuerySet[User]:
    """Who can be given a client: the account managers, by name.

    `keeping` (a client's current owner) stays choosable even after leaving the group, so saving
    that client's form does not hand them over; an import or a new client gets account managers only.
    """
    return User.objects.filter(Q(pk__in=account_managers()) | Q(pk=keeping)).order_by(*_BY_NAME)


def _index_walk(model: type[Model], field_name: str) -> RawSQL:
    """The different non-NULL values of a column with an index that starts with it, as a subquery.

    A DISTINCT (or an EXISTS for each candidate) reads every row of the history: at 1,000,000
    cases, a million index entries for a handful of segments or account managers. This walks the
    index instead, one probe per value: a recursive CTE asking for the next value up, PostgreSQL's
    "loose index scan" (SQLite, for `make run`, runs it as written).
    """
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{field_name} is not a column")
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(field.column)
    # The table and column come from the model, quoted; there is no parameter to pass.
    sql = f"""
        WITH RECURSIVE found(value) AS (
            SELECT MIN({column}) FROM {table}
            UNION ALL
            SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value) FROM found
            WHERE found.value IS NOT NULL
        )
        SELECT value FROM found WHERE value IS NOT NULL
    """  # noqa: S608
    return RawSQL(sql, [])  # noqa: S611 (no value from outside: see above)


def distinct_values(model: type[Model], field_name: str) -> list[Any]:
    """The different values of an indexed column, sorted, without blanks (read as _index_walk does)."""
    walk = _index_walk(model, field_name)
    with connection.cursor() as cursor:
        cursor.execute(walk.sql, walk.params)
        return sorted(value for (value,) in cursor.fetchall() if value != "")


def account_manager_filter_choices(*, owning: type[Model]) -> QuerySet[User]:
    """Who a filter by account manager lists: the account managers, and anyone else who owns a row of `owning`.

    Wider than client_owner_choices, because a filter finds what exists rather than hands work
    out: someone taken out of the group (or the company) still owns their clients until a manager
    reassigns them, and a departure case keeps the account manager it had for good (the
    dashboard's history), so those rows must stay findable by that person's name. `owning` is a
    model with an indexed `account_manager` (Client, DepartureCase), whose owners are read from
    that index (an EXISTS per person fell back to reading every case for someone who owns none).
    """
    owners = _index_walk(owning, "account_manager")
    return User.objects.filter(Q(pk__in=account_managers()) | Q(pk__in=owners)).order_by(*_BY_NAME)


def people_with_a_role() -> QuerySet[User]:
    """Active account managers and managers: who can approve a save offer."""
    return User.objects.filter(is_active=True, groups__name__in=ROLE_GROUPS).distinct().order_by(*_BY_NAME)


def client_csv_rows(clients: ClientQuerySet) -> Iterator[list[object]]:
    """One row per client in the import format, fetched in chunks so 10,000 clients stay cheap."""
    clients = clients.annotate(referrer_email=F("referred_by__contact_email"))
    for client in clients.iterator(chunk_size=2000):
        yield [
            client.company_name,
            client.contact_name,
            client.contact_email,
            client.contact_phone,
            client.account_manager.get_username(),
            client.segment,
            client.monthly_value,
            client.currency,
            client.contract_start.isoformat() if client.contract_start else "",
            client.contract_end.isoformat() if client.contract_end else "",
            client.time_zone,
            client.language,
            format_consent(client.keep_in_touch),
            client.status,
            client.notes,
            client.referrer_email or "",  # type: ignore[attr-defined]
        ]


def referrer_choices(*, user: Any, client: Client) -> ClientQuerySet:
    """Whom a client form offers as the referrer: the clients the person may see, but not the client itself."""
    clients = Client.objects.visible_to(user).only("pk", "company_name").order_by("company_name", "pk")
    return clients.exclude(pk=client.pk) if client.pk else clients


VALUE_CHANGES_SHOWN = 24


def value_changes_for_client(client: Client) -> list[ClientValueChange]:
    """The client's latest changes of monthly value, newest first, with who made them (one query)."""
    return list(client.value_changes.select_related("changed_by")[:VALUE_CHANGES_SHOWN])
