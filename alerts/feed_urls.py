"""Machine-readable feeds of the alerts app (mounted at /feeds/, outside the language prefixes)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from alerts.views import advisories

urlpatterns: list[URLPattern | URLResolver] = [
    path("advisories.atom", advisories.advisories_atom, name="feed-advisories"),
]
