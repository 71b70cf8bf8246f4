"""The two roles, as groups created by a data migration.

Account managers own a book of clients and see only their own; managers see
everything plus the dashboard, exports, outbox and the reason list. A signed-in
person in neither group (a leaver, a newcomer not yet placed) sees nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

ACCOUNT_MANAGERS = "Account managers"
MANAGERS = "Managers"
ROLE_GROUPS = (ACCOUNT_MANAGERS, MANAGERS)


def _group_names(user: Any) -> frozenset[str]:
    # Asked on nearly every page (navigation, visible_to): cache on the user
    # object so a request pays one query at most.
    cached = getattr(user, "_role_group_names", None)
    if cached is None:
        if not user.is_authenticated:
            cached = frozenset()
        else:
            cached = frozenset(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
        user._role_group_names = cached
    return cached


def is_manager(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or MANAGERS in _group_names(user)))


def account_managers() -> QuerySet[User]:
    """Who is an account manager: an active user in the "Account managers" group.

    The one definition of the role. is_account_manager() asks it of one person; who can be given
    a client and who a filter by account manager lists are built on it (clients.selectors).
    """
    return User.objects.filter(is_active=True, groups__name=ACCOUNT_MANAGERS)


def is_account_manager(user: Any) -> bool:
    """Whether this person is one of account_managers()."""
    return bool(user.is_authenticated and user.is_active and ACCOUNT_MANAGERS in _group_names(user))


def has_role(user: Any) -> bool:
    """Whether the person may use the app at all: without a role they may only sign out or change their password."""
    return is_manager(user) or is_account_manager(user)
