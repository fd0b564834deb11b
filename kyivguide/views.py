"""Project-level pages: home, offline fallback and error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from kyivguide.api import api_not_found


@cache_control(public=True, max_age=60)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


_CONSTANT = b'{"status": "ok"}'


def bench_constant(request: HttpRequest) -> HttpResponse:
    """The smallest useful Django view: the baseline that benchmarks compare API throughput with."""
    return HttpResponse(_CONSTANT, content_type="application/json")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "404.html", status=404)
