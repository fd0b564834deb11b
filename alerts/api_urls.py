"""REST API routes of the alerts app (mounted at /api/v1/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from alerts.api.advisories import AdvisoryCapApi, AdvisoryDetailApi, AdvisoryListApi
from alerts.api.regions import AlertListView, RegionDetailView, RegionHistoryView, RegionListView, RegionMapView
from alerts.api.status import LocateView, RegionStatusView, status_view

urlpatterns: list[URLPattern | URLResolver] = [
    path("status", status_view, name="api-status"),
    path("status/<int:uid>", RegionStatusView.as_view(), name="api-region-status"),
    path("locate", LocateView.as_view(), name="api-locate"),
    path("regions", RegionListView.as_view(), name="api-regions"),
    path("regions/map", RegionMapView.as_view(), name="api-regions-map"),
    path("regions/<int:uid>", RegionDetailView.as_view(), name="api-region"),
    path("regions/<int:uid>/history", RegionHistoryView.as_view(), name="api-region-history"),
    path("alerts", AlertListView.as_view(), name="api-alerts"),
    path("advisories", AdvisoryListApi.as_view(), name="api-advisories"),
    path("advisories/<int:advisory_id>", AdvisoryDetailApi.as_view(), name="api-advisory"),
    path("advisories/<int:advisory_id>/cap", AdvisoryCapApi.as_view(), name="api-advisory-cap"),
]
