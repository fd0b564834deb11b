"""HTML pages of the alerts app (mounted inside i18n_patterns)."""

from __future__ import annotations

from django.urls import path

from alerts.views.status import alerts_now, region_history

app_name = "alerts"

urlpatterns = [
    path("alerts/", alerts_now, name="now"),
    path("alerts/<int:uid>/", region_history, name="history"),
]
