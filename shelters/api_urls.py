"""REST API routes of the shelters app (mounted at /api/v1/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shelters import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("shelters", api.SheltersGeoJsonApi.as_view(), name="shelters-api-geojson"),
    path("shelters/nearest", api.shelters_nearest_view, name="shelters-api-nearest"),
    path("shelters/<int:shelter_id>", api.ShelterDetailApi.as_view(), name="shelters-api-detail"),
    path("shelters/<int:shelter_id>/reports", api.ShelterReportsApi.as_view(), name="shelters-api-reports"),
]
