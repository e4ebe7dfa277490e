"""Who is asking: signed session cookies, CSRF tokens, the client's address behind a proxy."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import Request

COOKIE = "mf_panel"
SIGNIN_COOKIE = "mf_signin"  # the sign-in form's CSRF token, before there is a session
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class PanelConfig:
    secret: bytes
    idle: timedelta
    trusted_proxies: Sequence[Network] = ()
    lifetime: timedelta = timedelta(hours=12)  # signed out after this, however busy
    account_failures: int = 5  # failed sign-ins per account within `failure_window`
    address_failures: int = 20  # and per client address
    failure_window: timedelta = timedelta(minutes=15)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def session_id(token: str) -> str:
    """The database key of a session: the cookie's token is never stored."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def sign(secret: bytes, token: str) -> str:
    mac = hmac.new(secret, token.encode("ascii"), hashlib.sha256).hexdigest()[:32]
    return f"{token}.{mac}"


def unsign(secret: bytes, value: str | None) -> str | None:
    """The token in a signed cookie value, or None when it was not signed by us."""
    if not value or "." not in value:
        return None
    token, _, mac = value.rpartition(".")
    try:
        expected = sign(secret, token)
    except UnicodeEncodeError:
        return None
    return token if hmac.compare_digest(expected, value) and mac else None


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _trusted(host: str, proxies: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in net for net in proxies)


def client_address(request: Request, proxies: Sequence[Network]) -> str:
    """The client's address; behind a trusted proxy, the one it reports in X-Forwarded-For."""
    peer = request.client.host if request.client else ""
    if not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):  # the right-most address no trusted proxy added
        if not _trusted(hop, proxies):
            return hop[:64]
    return peer


def is_https(request: Request, proxies: Sequence[Network]) -> bool:
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    if _trusted(peer, proxies):
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False
