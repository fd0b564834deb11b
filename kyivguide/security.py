"""Response headers that limit what a page may do in the browser, beyond those Django sets itself.

Django's SecurityMiddleware sends `Referrer-Policy`, `Cross-Origin-Opener-Policy` and
`X-Content-Type-Options`, its XFrameOptionsMiddleware `X-Frame-Options` (see the settings). It has
no setting for `Permissions-Policy`, hence the middleware here.
"""

from __future__ import annotations

from collections.abc import Callable

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
