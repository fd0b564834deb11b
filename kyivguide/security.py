"""Response headers that limit what a page may do in the browser, the client address the sign-in
lockout and the API's throttling count by, and the endpoint of Content-Security-Policy reports.

Django's SecurityMiddleware sends `Referrer-Policy`, `Cross-Origin-Opener-Policy` and
`X-Content-Type-Options`, its XFrameOptionsMiddleware `X-Frame-Options` (see the settings). It has
no setting for `Permissions-Policy`, hence the middleware here. django-csp's middleware sends the
Content-Security-Policy of settings.CONTENT_SECURITY_POLICY.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# Not kyivguide.api: DRF's settings import kyivguide.throttling, which imports this module, while
# rest_framework.views (which kyivguide.api imports) is still loading.
from kyivguide.http import PRIVATE

logger = logging.getLogger(__name__)

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
    """The visitor's address for the sign-in lockout and the API's throttling.

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


# A report is a few hundred bytes; a larger body is no browser's report.
CSP_REPORT_MAX_BYTES = 16 * 1024
# What a report says, logged as one line (the sample of blocked code is capped by the browser).
_REPORT_FIELDS = (
    "document-uri",
    "violated-directive",
    "effective-directive",
    "blocked-uri",
    "source-file",
    "line-number",
    "column-number",
    "script-sample",
    "disposition",
)


def _error(status: int, code: str, message: str) -> HttpResponseBase:
    return PRIVATE.apply(JsonResponse({"error": code, "message": message}, status=status))


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponseBase:
    """Browsers POST here what the Content-Security-Policy blocked (its `report-uri`): logged, never stored.

    Throttled per client (the views' decorator in kyivguide.urls), so a looping page cannot fill the log.
    """
    body = request.body  # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE before reading it
    if len(body) > CSP_REPORT_MAX_BYTES:
        return _error(413, "too_large", f"A CSP report is at most {CSP_REPORT_MAX_BYTES} bytes.")
    try:
        report = json.loads(body)["csp-report"]
        fields = {name: report.get(name) for name in _REPORT_FIELDS if report.get(name) is not None}
    except (ValueError, KeyError, TypeError, AttributeError):
        return _error(400, "invalid", "Expected a JSON object with a csp-report member.")
    logger.warning("Content-Security-Policy violation: %s", json.dumps(fields, ensure_ascii=False, sort_keys=True))
    return PRIVATE.apply(HttpResponse(status=204))
