"""Writes on clients. Each function runs in one transaction.

Client changes are not recorded as case events here: `CaseEvent` lives in the
`offboarding` app, which sits above `clients` and must not be imported from it.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.csv_import import ClientRow, FileRejected, ImportProblem, ImportResult, client_from_row, read_client_rows
from clients.models import DUPLICATE_EMAIL, Client, ClientValueChange, StaffProfile
from clients.roles import account_managers, is_account_manager, is_manager
from clients.selectors import emails_in_use
from clients.value_history import client_value_record, clients_value_record

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = frozenset(
    {
        "company_name",
        "contact_name",
        "contact_email",
        "contact_phone",
        "segment",
        "monthly_value",
        "currency",
        "contract_start",
        "contract_end",
        "time_zone",
        "language",
        "notes",
        "referred_by",
    }
)
IMPORT_BATCH_SIZE = 1000


def _check_owner(account_manager: User) -> None:
    if not is_account_manager(account_manager):
        raise ValidationError({"account_manager": _('Choose a member of the "Account managers" group.')})


def _validated_save(client: Client) -> Client:
    client.full_clean()
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        # Two people saved the same new email at the same moment; the unique index caught the second.
        raise ValidationError({"contact_email": DUPLICATE_EMAIL}) from None
    return client


def _check_referrer(referred_by: Client | None, person: User) -> None:
    """A referrer is a client the person may see: another account manager's client stays out of sight."""
    if referred_by is not None and not Client.objects.visible_to(person).filter(pk=referred_by.pk).exists():
        raise ValidationError({"referred_by": _("Choose one of your clients as the referrer.")})


def _assign(client: Client, fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not client fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(client, name, value)


@transaction.atomic
def client_create(
    *,
    created_by: User,
    account_manager: User | None = None,
    keep_in_touch: str = Client.KeepInTouch.NOT_ASKED,
    value_source: str = ClientValueChange.Source.CREATED,
    **fields: Any,
) -> Client:
    """A new client. An account manager always owns the clients they create; a manager chooses the owner.

    The client's first keep-in-touch answer is set here; a later change goes through
    offboarding.services.consent, which also cancels or plans the emails that depend on it.
    """
    if is_manager(created_by):
        if account_manager is None:
            raise ValidationError({"account_manager": _("Choose the account manager who owns this client.")})
    elif is_account_manager(created_by):
        account_manager = created_by
    else:
        raise PermissionDenied("Only managers and account managers add clients.")
    _check_owner(account_manager)
    _check_referrer(fields.get("referred_by"), created_by)
    client = Client(account_manager=account_manager)
    _assign(client, fields)
    client.keep_in_touch_record(
        answer=keep_in_touch, source=Client.KeepInTouchSource.CLIENT_FORM, actor=created_by, now=timezone.now()
    )
    _validated_save(client)
    client_value_record(client=client, source=value_source, actor=created_by)
    logger.info("client %s created by %s", client.pk, created_by.pk)
    return client


@transaction.atomic
def client_update(
    *,
    client: Client,
    updated_by: User,
    account_manager: User | None = None,
    value_source: str = ClientValueChange.Source.EDIT,
    **fields: Any,
) -> Client:
    """Change a client's details; only a manager can hand the client to another account manager.

    A new monthly value or currency is recorded in the value history, from today, as `value_source`.
    """
    locked = Client.objects.visible_to(updated_by).select_for_update().filter(pk=client.pk).first()
    if locked is None:
        raise PermissionDenied("This client belongs to another account manager.")
    client = locked
    if account_manager is not None and account_manager != client.account_manager:
        if not is_manager(updated_by):
            raise PermissionDenied("Only a manager can reassign a client.")
        _check_owner(account_manager)
        logger.info("client %s reassigned from %s to %s", client.pk, client.account_manager_id, account_manager.pk)
        client.account_manager = account_manager
    if "referred_by" in fields and fields["referred_by"] != client.referred_by:
        _check_referrer(fields["referred_by"], updated_by)
    before = (client.monthly_value, client.currency)
    _assign(client, fields)
    _validated_save(client)
    if before != (client.monthly_value, client.currency):
        client_value_record(client=client, source=value_source, actor=updated_by)
    return client


def _duplicate_problems(rows: list[tuple[ClientRow, Client]]) -> list[ImportProblem]:
    first_row: dict[str, int] = {}
    problems = []
    for row, client in rows:
        email = client.contact_email.lower()
        if email in first_row:
            message = _("%(email)s is also in row %(row)s.") % {"email": client.contact_email, "row": first_row[email]}
            problems.append(ImportProblem(row.number, "contact_email", message))
        else:
            first_row[email] = row.number
    in_use = emails_in_use(list(first_row))
    problems.extend(
        ImportProblem(
            row.number, "contact_email", _("A client with %(email)s already exists.") % {"email": client.contact_email}
        )
        for row, client in rows
        if client.contact_email.lower() in in_use and first_row.get(client.contact_email.lower()) == row.number
    )
    return problems


def _referrers_named(rows: list[ClientRow | ImportProblem]) -> dict[str, Client]:
    """The clients already in the app that the file names as referrers, by lowercased contact email (one query)."""
    emails = {row.cells.get("referred_by", "").strip().lower() for row in rows if isinstance(row, ClientRow)}
    emails.discard("")
    if not emails:
        return {}
    named = Client.objects.annotate(email=Lower("contact_email")).filter(email__in=emails)
    return {client.email: client for client in named}  # type: ignore[attr-defined]


def _checked_clients(
    rows: list[ClientRow | ImportProblem],
) -> tuple[list[tuple[ClientRow, Client]], list[ImportProblem]]:
    usernames = {row.cells.get("account_manager", "") for row in rows if isinstance(row, ClientRow)}
    owners = {user.get_username(): user for user in account_managers().filter(username__in=usernames)}
    referrers = _referrers_named(rows)
    problems = [row for row in rows if isinstance(row, ImportProblem)]
    built = []
    for row in rows:
        if isinstance(row, ClientRow):
            client, row_problems = client_from_row(row, owners, referrers)
            built.append((row, client))
            problems.extend(row_problems)
    problems.extend(_duplicate_problems(built))
    problems.sort(key=lambda problem: (problem.row or 0, problem.column))
    return built, problems


@transaction.atomic
def clients_import_csv(*, file: IO[bytes], imported_by: User) -> ImportResult:
    """Create a client for every row of a CSV file: every row is checked first, then all are written or none."""
    if not is_manager(imported_by):
        raise PermissionDenied("Only managers import clients.")
    try:
        rows = read_client_rows(file)
    except FileRejected as rejection:
        return ImportResult(problems=[ImportProblem(None, "", str(rejection))])
    built, problems = _checked_clients(rows)
    if problems:
        return ImportResult(problems=problems)
    now = timezone.now()
    for _row, client in built:
        client.keep_in_touch_record(
            answer=client.keep_in_touch, source=Client.KeepInTouchSource.IMPORT, actor=imported_by, now=now
        )
    try:
        with transaction.atomic():
            created = Client.objects.bulk_create([client for _, client in built], batch_size=IMPORT_BATCH_SIZE)
            clients_value_record(clients=created, source=ClientValueChange.Source.IMPORT, actor=imported_by)
    except IntegrityError:
        message = _("A client with one of these emails was added while the file was imported. Nothing was imported.")
        return ImportResult(problems=[ImportProblem(None, "contact_email", message)])
    logger.info("%s clients imported by %s", len(built), imported_by.pk)
    return ImportResult(created=len(built))


@transaction.atomic
def staff_profile_update(*, user: User, language: str, time_zone: str) -> StaffProfile:
    """A staff member's own language and time zone (empty: their browser's language, the business's zone)."""
    profile = StaffProfile.objects.select_for_update().filter(user=user).first() or StaffProfile(user=user)
    profile.language = language
    profile.time_zone = time_zone
    profile.full_clean(validate_unique=False)
    profile.save()
    return profile
