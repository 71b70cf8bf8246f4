"""Reading settings from the environment, failing loudly on malformed values.

Every reader names the variable in its error, so a typo in a deployment stops
start-up with a message that says exactly what to fix.
"""

from __future__ import annotations

import ipaddress
import os
import re
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict[str, Any]:
    url = os.environ.get(name) or default
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database; got {url!r}.")
    return config


def env_url(name: str, default: str | None = None, schemes: tuple[str, ...] = ("http", "https")) -> str:
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be an absolute URL starting with {allowed}; got {value!r}.")
    return value.rstrip("/")


def env_broker_url(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    scheme = urlsplit(value).scheme
    if scheme not in {"redis", "rediss", "filesystem", "memory"}:
        raise ImproperlyConfigured(f"{name} must be a redis://, rediss:// or filesystem:// URL; got {value!r}.")
    return value


def env_time_zone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name} must be an IANA time zone such as Europe/Berlin; got {value!r}.") from None
    return value


def env_int_range(name: str, default: tuple[int, int], bounds: tuple[int, int]) -> tuple[int, int]:
    """Read "9-17" style ranges; both ends within bounds and start below end."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        start, end = (int(part) for part in raw.split("-"))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must look like 9-17; got {raw!r}.") from None
    if not bounds[0] <= start <= end <= bounds[1]:
        raise ImproperlyConfigured(f"{name} must lie within {bounds[0]}-{bounds[1]}, start first; got {raw!r}.")
    return start, end


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def env_networks(name: str) -> list[Network]:
    """Comma-separated networks such as "10.20.0.0/16,::1/128"; empty by default."""
    try:
        return [ipaddress.ip_network(item, strict=False) for item in env_list(name, [])]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must list networks such as 10.20.0.0/16 or ::1/128: {exc}") from None


_RATE = re.compile(r"[1-9][0-9]*/(second|minute|hour|day)")


def env_rate(name: str, default: str) -> str:
    """A request rate such as "300/minute" (per second, minute, hour or day)."""
    value = env_str(name, default).strip()
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(f"{name} must look like 300/minute (second, minute, hour or day); got {value!r}.")
    return value


def env_colour(name: str, default: str) -> str:
    value = env_str(name, default).strip()
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ImproperlyConfigured(f"{name} must be a colour written #rrggbb, such as #2f5d50; got {value!r}.")
    return value.lower()


def env_logo_url(name: str) -> str:
    """Empty, a path on this site (/static/brand/logo.png) or an absolute http(s) URL."""
    value = env_str(name, "").strip()
    if not value or (value.startswith("/") and not value.startswith("//")):
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be a path on this site such as /static/logo.png or an http(s) URL.")
    return value


def url_origin(url: str) -> str:
    """scheme://host[:port] of an absolute URL; empty for a path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
