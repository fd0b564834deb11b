"""HTML pages of the shelters app (mounted inside i18n_patterns)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "shelters"

urlpatterns: list[URLPattern | URLResolver] = []
