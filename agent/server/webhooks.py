"""Which webhook a run may name: none, unless the deployment lists the hosts it may call.

A run's ``webhook`` makes the server POST the run's output to that URL when it ends. Left open, any signed-in
user could make the server call into its own network (a 10/8 service, this host under another name, a cloud
metadata address) with a run's payload. So a webhook is refused (422) unless ``MEMORY_CHATBOT_WEBHOOK_HOSTS``
lists its host ("hooks.example.com", or "*.example.com" for its subdomains), it is https, and every address
its name resolves to is a public one: not private (10/8, 172.16/12, 192.168/16), carrier-grade (100.64/10),
loopback, link-local, unique-local (fc00::/7), multicast, reserved or unspecified, nor one of this host's own.
The check runs in the auth handler, so it holds on every runtime that serves `langgraph.json`'s auth; the
platform's own webhook policy (``webhooks.url`` in langgraph.json) refuses the same addresses at delivery time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from urllib.parse import urlsplit

HOSTS_ENV = "MEMORY_CHATBOT_WEBHOOK_HOSTS"
MAX_URL_CHARS = 2_048


class WebhookRefused(ValueError):
    """The webhook may not be called; the message says why."""


def allowed_hosts() -> list[str]:
    return [h.strip().lower() for h in os.environ.get(HOSTS_ENV, "").split(",") if h.strip()]


def _listed(host: str, listed: list[str]) -> bool:
    return any(host == entry or (entry.startswith("*.") and host.endswith(entry[1:])) for entry in listed)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


async def _own_addresses() -> set[str]:
    """The addresses this host answers on, as far as its own name tells."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return set()
    return {str(info[4][0]) for info in found}


async def check(url: object) -> None:
    """Raise WebhookRefused unless ``url`` is a webhook this deployment allows."""
    listed = allowed_hosts()
    if not listed:
        raise WebhookRefused(f"webhooks are off on this deployment ({HOSTS_ENV} lists the hosts it may call)")
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        raise WebhookRefused(f"a webhook is an https URL of at most {MAX_URL_CHARS:,} characters")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme != "https" or not host:
        raise WebhookRefused("a webhook is an https URL")
    if not _listed(host, listed):
        raise WebhookRefused(f"webhooks may call only {', '.join(listed)} ({HOSTS_ENV})")
    try:
        resolved = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443)
    except OSError:
        raise WebhookRefused(f"the webhook's host {host!r} does not resolve") from None
    addresses = {str(info[4][0]) for info in resolved}
    own = await _own_addresses()
    if not addresses or any(not _public(a) or a in own for a in addresses):
        raise WebhookRefused(f"the webhook's host {host!r} resolves to a private, local or own address")
