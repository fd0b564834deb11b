"""HTML pages of the shelters app (mounted inside i18n_patterns)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shelters import views

app_name = "shelters"

urlpatterns: list[URLPattern | URLResolver] = [
    path("shelters/", views.shelter_map, name="map"),
    path("shelters/<int:shelter_id>/", views.shelter_detail, name="detail"),
    path("shelters/<int:shelter_id>/report/", views.shelter_report, name="report"),
]
