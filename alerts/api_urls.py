"""REST API routes of the alerts app (mounted at /api/v1/)."""

from __future__ import annotations

from django.urls import path

from alerts.api.regions import AlertListView, RegionDetailView, RegionListView
from alerts.api.status import LocateView, RegionStatusView, status_view

urlpatterns = [
    path("status", status_view, name="api-status"),
    path("status/<int:uid>", RegionStatusView.as_view(), name="api-region-status"),
    path("locate", LocateView.as_view(), name="api-locate"),
    path("regions", RegionListView.as_view(), name="api-regions"),
    path("regions/<int:uid>", RegionDetailView.as_view(), name="api-region"),
    path("alerts", AlertListView.as_view(), name="api-alerts"),
]
