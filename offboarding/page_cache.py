"""Whole-page cache for the busiest pages, filed under the version of the data.

PageCacheMiddleware answers the pages named in PAGE_CACHE_VIEWS (my work, the
client list, a client, a case, the dashboard). A page is stored per person,
address, day and *data version*: the sum of the counters that PostgreSQL
moves, in the same commit, whenever a transaction writes to a table the pages read (migration 0005_data_version and the
triggers installed below). Whatever writes, a form, the Celery dispatcher, a
bulk update, a management command or plain SQL, the next request files under
a new version and renders afresh: a page is never older than the data.

What stays per request:
- the CSRF token: the page is rendered with a placeholder in its place, and
  each answer gets the visitor's own token;
- flash messages: a request with a message waiting is neither served from nor
  stored in the cache;
- the date: it is part of the key, since "overdue" and the default twelve
  months follow it;
- the code: a fingerprint of the templates, the apps' code, the pinned
  requirements and the collected static files is part of the key.

A request inside a transaction that has written (tests, never a GET here)
bypasses the cache, as does SQLite (`make run`), which has no version.
PAGE_CACHE_SECONDS bounds how long an unreachable page stays in memory.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

TRIGGER = "offboarding_data_change"
TRIGGER_FUNCTION = "offboarding_note_data_change()"
# Tables no page shows: sign-in sessions (messages are handled per request), the
# admin's log and django-axes' sign-in attempts.
UNWATCHED_APPS = frozenset({"sessions", "admin", "axes"})
# Written by every dispatcher run, read by /healthz and /metrics only (never cached).
UNWATCHED_TABLES = frozenset({"offboarding_dispatcherrun"})

VERSION_SQL = """
SELECT current_setting('offboarding.data_changed', true),
       pg_postmaster_start_time(),
       'offboarding_data_version'::regclass::oid,
       sum(version)
  FROM offboarding_data_version
"""

FILLING = "_page_cache_filling"
STATE = "_page_cache"
VERSION = "_page_cache_version"


def data_version() -> str | None:
    """The committed data's version, or None when there is none to trust.

    The server's start time and the counter table's identity are part of it,
    so a restart, a fail-over or a restored database starts afresh.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        changed, started, table, total = cursor.fetchone()
    if changed == "on":  # this transaction has written and not committed
        return None
    return f"{started.timestamp()}/{table}/{total}"


@functools.cache
def release() -> str:
    """A fingerprint of the code and settings that shape a page: a deploy files pages afresh."""
    digest = hashlib.sha256(django.get_version().encode())
    base = Path(settings.BASE_DIR)
    sources = {"requirements.txt": base / "requirements.txt"}
    sources["static manifest"] = Path(settings.STATIC_ROOT) / "staticfiles.json"
    for folder in ("templates", "clients", "offboarding", "feedback"):
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt"}:
                sources[str(path.relative_to(base))] = path
    for label, path in sources.items():
        if path.is_file():
            digest.update(label.encode())
            digest.update(path.read_bytes())
    for name in ("DEBUG", "STATIC_URL", "TIME_ZONE", "BUSINESS_NAME", "BUSINESS_CURRENCY", "SITE_URL"):
        digest.update(repr(getattr(settings, name, None)).encode())
    return digest.hexdigest()[:16]


@functools.cache
def csrf_placeholder() -> str:
    """What the pages carry instead of a CSRF token while they are rendered for the cache."""
    return "csrf" + salted_hmac("offboarding.page_cache", "csrf placeholder").hexdigest()


def page_cache(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the placeholder as `csrf_token` while a page is rendered for the cache."""
    return {"csrf_token": csrf_placeholder()} if getattr(request, FILLING, False) else {}


def _version_before_anything_is_read(request: HttpRequest) -> str | None:
    """The data version, for a GET of a cached page, read before the session and the person are.

    Read first, everything the page is then built from (down to the person's
    own row: a manager's rights taken away) is at least as new as the version
    it is filed under, so no later visit can be served a page from before it.
    """
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET":
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in settings.PAGE_CACHE_VIEWS:
        return None
    return data_version()


def _key(request: HttpRequest, version: str) -> str | None:
    if not request.user.is_authenticated or len(get_messages(request)):
        return None
    parts = (
        release(),
        version,
        request.user.pk,
        request.get_host(),
        request.is_secure(),
        request.get_full_path(),
        get_language(),
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
    )
    return "page:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


@dataclass
class _Fill:
    key: str
    token_asked: bool
    session_modified: bool


class PageCacheMiddleware:
    """Serves the pages named in PAGE_CACHE_VIEWS from the cache while the data and the day are unchanged.

    It sits after the sign-in and message middleware: an anonymous visitor is
    sent to sign in before it looks, and a waiting message is seen. The view's
    own checks (a manager's page, another account manager's client) run
    whenever the page is rendered; a stored page is only ever served to the
    person it was rendered for, at the same data version, and roles are data.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Nothing above this middleware reads the session or the person: they are read lazily, later.
        setattr(request, VERSION, _version_before_anything_is_read(request))
        response = self.get_response(request)
        state = getattr(request, STATE, None)
        if state is None:
            return response
        setattr(request, FILLING, False)
        if isinstance(state, _Fill) and self._storable(request, response, state):
            assert isinstance(response, HttpResponse)
            caches["pages"].set(state.key, (response["Content-Type"], response.content), settings.PAGE_CACHE_SECONDS)
        if isinstance(response, HttpResponse) and not response.streaming:
            placeholder = csrf_placeholder().encode()
            if placeholder in response.content:
                response.content = response.content.replace(placeholder, get_token(request).encode())
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponseBase | None:
        version = getattr(request, VERSION, None)
        key = None if version is None else _key(request, version)
        if key is None:
            return None
        stored = caches["pages"].get(key)
        if stored is not None:
            setattr(request, STATE, "hit")
            content_type, body = stored
            return HttpResponse(body, content_type=content_type)
        setattr(
            request, STATE, _Fill(key, request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False), request.session.modified)
        )
        setattr(request, FILLING, True)
        return None

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponseBase, state: _Fill) -> bool:
        """Only a plain page that left nothing behind: no cookie, message, session change or real token."""
        return (
            response.status_code == 200
            and isinstance(response, HttpResponse)
            and not response.streaming
            and not response.cookies
            and not len(get_messages(request))
            and request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False) == state.token_asked
            and request.session.modified == state.session_modified
        )


def watched_tables() -> list[str]:
    """Every table a page may read: all the project's and Django's but sessions, the admin log and axes."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.app_label not in UNWATCHED_APPS
    } - UNWATCHED_TABLES
    return sorted(tables)


def install_triggers(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate: give every watched table the statement trigger that moves the data version."""
    db = connections[using]
    if db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure(%s)", [TRIGGER_FUNCTION])
        if cursor.fetchone()[0] is None:  # migrated back before 0005_data_version
            return
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s", [TRIGGER])
        present = {db.ops.quote_name(name.strip('"')) for (name,) in cursor.fetchall()}
        for table in watched_tables():
            quoted = db.ops.quote_name(table)
            if quoted in present:
                continue
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quoted} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER_FUNCTION}"
            )
