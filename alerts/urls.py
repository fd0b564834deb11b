"""HTML pages of the alerts app (mounted inside i18n_patterns)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from alerts.views import advisories
from alerts.views.status import alerts_now, region_history

app_name = "alerts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("alerts/", alerts_now, name="now"),
    path("alerts/<int:uid>/", region_history, name="history"),
    path("advisories/", advisories.advisory_list, name="advisory_list"),
    path("advisories/<int:advisory_id>/", advisories.advisory_detail, name="advisory_detail"),
    path("guide/", advisories.guide, name="guide"),
]
