"""Pages of push notifications (mounted inside i18n_patterns)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from push.views import notification_settings

app_name = "push"

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", notification_settings, name="settings"),
]
