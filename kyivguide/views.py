"""Project-level pages: home, offline fallback and error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from kyivguide.api import api_not_found
from kyivguide.http import STATUS, UNAVAILABLE, cache_policy

# When to ask again (seconds) after a 503: a restarting database is usually back within it.
RETRY_AFTER_S = 30


# The page carries the status: it may be cached only as briefly as the status itself.
@cache_policy(STATUS)
def home(request: HttpRequest) -> HttpResponse:
    """Is there an alert where I am, what to do now, where to shelter (status first, always)."""
    from alerts.views.status import status_page_context

    return render(request, "home.html", status_page_context(request))


_CONSTANT = b'{"status": "ok"}'


def bench_constant(request: HttpRequest) -> HttpResponse:
    """The smallest useful Django view: the baseline that benchmarks compare API throughput with."""
    return HttpResponse(_CONSTANT, content_type="application/json")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "404.html", status=404)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while PostgreSQL cannot be reached: JSON in the API's error shape, else a page in the URL's language."""
    headers = {**UNAVAILABLE.headers, "Retry-After": str(RETRY_AFTER_S)}
    if request.path.startswith("/api/"):
        message = gettext(
            "The database is unavailable for a moment; the status (/api/v1/status) still answers. Try again."
        )
        return JsonResponse({"error": "unavailable", "message": message}, status=503, headers=headers)
    response = render(request, "503.html", {"retry_after_s": RETRY_AFTER_S}, status=503)
    for name, value in headers.items():
        response[name] = value
    return response
