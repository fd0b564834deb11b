"""Response headers that limit what a page may do in the browser, and the client address the
sign-in lockout counts by.

Django's SecurityMiddleware sends `Referrer-Policy`, `Cross-Origin-Opener-Policy` and
`X-Content-Type-Options`, its XFrameOptionsMiddleware `X-Frame-Options` (see the settings). It has
no setting for `Permissions-Policy`, hence the middleware here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# The nearest-shelter search asks for the visitor's position, on our own origin only (never in a
# frame of someone else's page); the site uses no other powerful feature, so every other one is off.
PERMISSIONS_POLICY = ", ".join(
    [
        "geolocation=(self)",
        "camera=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "midi=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
        "display-capture=()",
    ]
)


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` to every response, static files included (it comes before WhiteNoise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def client_ip(request: HttpRequest) -> str:
    """The visitor's address for the sign-in lockout.

    Behind TRUSTED_PROXY_COUNT proxies, each appends the address it saw to X-Forwarded-For; entries
    left of those are the client's own claims and could be forged to dodge the per-address count.
    """
    count: int = settings.TRUSTED_PROXY_COUNT
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if count == 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-count] if len(forwarded) >= count else remote
