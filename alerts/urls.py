"""HTML pages of the alerts app (mounted inside i18n_patterns)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "alerts"

urlpatterns: list[URLPattern | URLResolver] = []
