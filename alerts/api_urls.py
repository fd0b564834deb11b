"""REST API routes of the alerts app (mounted at /api/v1/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from alerts.api.advisories import AdvisoryCapApi, AdvisoryDetailApi, AdvisoryListApi

urlpatterns: list[URLPattern | URLResolver] = [
    path("advisories", AdvisoryListApi.as_view(), name="api-advisories"),
    path("advisories/<int:advisory_id>", AdvisoryDetailApi.as_view(), name="api-advisory"),
    path("advisories/<int:advisory_id>/cap", AdvisoryCapApi.as_view(), name="api-advisory-cap"),
]
