"""Where a webhook may go: a public address, never the inside of our own network.

Without this rule a manager (or anyone who takes over a manager's account) could point an
endpoint at the cloud's metadata service (169.254.169.254), the database's host or a
service on our loopback, and read its answers back from the delivery log. An address is
refused when its host resolves to anything but a global address (loopback, private,
link-local, shared, reserved, multicast), unless WEBHOOK_ALLOWED_NETWORKS lets it in. A host's
addresses can change after it was registered, so every delivery resolves it again, checks
again, and connects to the very address it checked (a second lookup could answer differently).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}


class AddressRefused(Exception):
    """The endpoint's address may not be reached from here; the message says why."""


class HostNotFound(AddressRefused):
    """No address was found for the host (a typing mistake, or a lookup that failed for now)."""


@dataclass(frozen=True)
class CheckedAddress:
    scheme: str
    host: str  # as in the URL: the Host header and, for https, the certificate's name
    port: int
    ip: str  # the address that was checked, and the one to connect to
    path: str  # with the query string


def _allowed_network(ip: IpAddress) -> bool:
    return any(ip in network for network in settings.WEBHOOK_ALLOWED_NETWORKS)


def _is_public(ip: IpAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    return ip.is_global and not ip.is_multicast


def _resolved(host: str, port: int) -> list[IpAddress]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise HostNotFound(_("No address was found for %(host)s.") % {"host": host}) from None
    return [ipaddress.ip_address(str(answer[4][0]).split("%", 1)[0]) for answer in answers]


def checked_address(url: str) -> CheckedAddress:
    """The address to connect to for this URL, once its every address passed the rule; else AddressRefused."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise AddressRefused(_("Enter an address that starts with https://."))
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise AddressRefused(_("The port in this address is not a number from 1 to 65535.")) from None
    addresses = _resolved(parts.hostname, port)
    for ip in addresses:
        if not (_is_public(ip) or _allowed_network(ip)):
            raise AddressRefused(
                _(
                    "%(host)s leads to %(ip)s, an address inside a private network (loopback, private or "
                    "link-local), which webhooks may not reach."
                )
                % {"host": parts.hostname, "ip": ip}
            )
    if parts.scheme == "http" and not all(_allowed_network(ip) for ip in addresses):
        raise AddressRefused(_("Use https:// for an address on the internet: the events hold clients' details."))
    path = parts.path or "/"
    return CheckedAddress(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        ip=str(addresses[0]),
        path=f"{path}?{parts.query}" if parts.query else path,
    )


def validate_webhook_url(value: str) -> None:
    """The rule for a stored endpoint address, as the model's validator: forms and services get the same words."""
    try:
        checked_address(value)
    except AddressRefused as refusal:
        raise ValidationError(str(refusal), code="address_refused") from None
