"""The address of the client behind a reverse proxy, for sign-in throttling.

Behind nginx on the same host, every request reaches gunicorn from 127.0.0.1:
REMOTE_ADDR is the proxy's address, and gunicorn never rewrites it (its
``forwarded_allow_ips`` only decides whom it believes about https). Locking out
by "user name and address" then locks a user name for everybody. The proxy puts
the client's address in X-Forwarded-For; every proxy on the way appends the
address it received the request from, so the trustworthy entry is the one the
first of our own proxies wrote: the TRUSTED_PROXY_COUNT-th from the right.
Entries further left came from the client and could say anything.

django-axes calls client_ip() for every sign-in (settings.AXES_CLIENT_IP_CALLABLE).
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: with ``TRUSTED_PROXY_COUNT`` = n > 0 and the request coming
    from one of ``TRUSTED_PROXY_IPS`` (or a Unix socket), the n-th address from the
    right of X-Forwarded-For; otherwise, or when that entry is missing or not an
    address, REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not _from_trusted_proxy(remote):
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < count:
        return remote  # not through the proxies: a direct request on the server itself
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


def _from_trusted_proxy(remote: str | None) -> bool:
    """Whether the peer is a proxy of ours: one of TRUSTED_PROXY_IPS, or no IP address
    at all (gunicorn on a Unix socket, which only processes on the server reach)."""
    try:
        peer = ipaddress.ip_address(remote or "")
    except ValueError:
        return True
    return any(peer in ipaddress.ip_network(trusted, strict=False) for trusted in settings.TRUSTED_PROXY_IPS)
