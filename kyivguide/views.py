"""Project-level pages: home, offline fallback and error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kyivguide.api import api_not_found
from kyivguide.http import STATUS, cache_policy


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
