"""The shelter catalogue: its version, the city as GeoJSON, one shelter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.contrib.gis.geos import Polygon
from django.db.models import F, FloatField, Func, Q

from shelters.hours import hours_label
from shelters.models import Shelter, ShelterCatalogue


@dataclass(frozen=True)
class CatalogueVersion:
    version: int
    changed_at: datetime | None

    @property
    def tag(self) -> str:
        stamp = int(self.changed_at.timestamp() * 1000) if self.changed_at else 0
        return f"{self.version}-{stamp}"


def shelters_catalogue_version() -> CatalogueVersion:
    row = ShelterCatalogue.objects.filter(pk=1).values_list("version", "changed_at").first()
    return CatalogueVersion(*row) if row else CatalogueVersion(0, None)


def shelters_catalogue_versions() -> tuple[CatalogueVersion, int]:
    """The list's version and the reports' (services/reports.py), in one read: what the nearest
    search's index looks at once a second."""
    row = ShelterCatalogue.objects.filter(pk=1).values_list("version", "changed_at", "reports_version").first()
    return (CatalogueVersion(row[0], row[1]), row[2]) if row else (CatalogueVersion(0, None), 0)


@dataclass(frozen=True)
class FeatureFilters:
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    kinds: tuple[str, ...] = ()
    accessible: bool = False
    district: str | None = None
    q: str | None = None

    @property
    def empty(self) -> bool:
        return self == FeatureFilters()

    def key(self) -> str:
        return orjson.dumps([self.bbox, self.kinds, self.accessible, self.district, self.q]).decode()


# Compact properties, one short key each (documented in the API schema and the README):
# a address (uk), e address (en), n name (uk, only when there is one), ne name (en), k kind,
# p protection, d district, w wheelchair (1/0/null), h hours ("always", "school", "unknown",
# "HH:MM-HH:MM"), s status.
def _feature(row: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "a": row["address_uk"] or "",
        "e": row["address_en"] or "",
        "k": row["kind"],
        "p": row["protection"],
        "d": row["district"],
        "w": None if row["wheelchair_accessible"] is None else int(row["wheelchair_accessible"]),
        "h": hours_label(row["opening_hours"], row["opens_at"], row["closes_at"]),
        "s": row["status"],
    }
    if row["name_uk"]:
        properties["n"] = row["name_uk"]
        properties["ne"] = row["name_en"] or ""
    return {
        "type": "Feature",
        "id": row["id"],
        # RFC 7946: longitude first; 6 decimals is 0.1 m, finer than any shelter's position.
        "geometry": {"type": "Point", "coordinates": [round(row["x"], 6), round(row["y"], 6)]},
        "properties": properties,
    }


def shelters_feature_collection(*, filters: FeatureFilters) -> bytes:
    """Listed shelters as an RFC 7946 FeatureCollection (UTF-8 JSON bytes), in id order."""
    queryset = Shelter.objects.filter(is_active=True)
    queryset = queryset.annotate(
        x=Func(F("location"), function="ST_X", output_field=FloatField()),
        y=Func(F("location"), function="ST_Y", output_field=FloatField()),
    )
    if filters.bbox is not None:
        west, south, east, north = filters.bbox
        queryset = queryset.filter(location__contained=Polygon.from_bbox((west, south, east, north)))
    if filters.kinds:
        queryset = queryset.filter(kind__in=filters.kinds)
    if filters.accessible:
        queryset = queryset.filter(wheelchair_accessible=True)
    if filters.district:
        queryset = queryset.filter(district=filters.district)
    if filters.q:
        queryset = queryset.filter(
            Q(address_uk__icontains=filters.q) | Q(address_en__icontains=filters.q) | Q(name_uk__icontains=filters.q)
        )
    # Coordinates straight from PostGIS: building 3,700 GEOS points would cost more than the JSON.
    rows = queryset.order_by("id").values(
        "id",
        "x",
        "y",
        "address_uk",
        "address_en",
        "name_uk",
        "name_en",
        "kind",
        "protection",
        "district",
        "wheelchair_accessible",
        "opening_hours",
        "opens_at",
        "closes_at",
        "status",
    )
    return orjson.dumps({"type": "FeatureCollection", "features": [_feature(row) for row in rows]})


def shelter_get(*, shelter_id: int) -> Shelter | None:
    """One shelter, listed or not (a deactivated shelter's page says so rather than vanishing)."""
    return Shelter.objects.filter(pk=shelter_id).first()
