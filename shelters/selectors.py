"""Reads of the shelters app: nearest shelters, the city's GeoJSON, one shelter.

Nearest shelters and distances. `location` is a geometry(Point, 4326); ordering it with `<->`
would rank by planar degrees, which at Kyiv's latitude (cos 50.45° ≈ 0.64) weighs an east–west
metre 1.6 times a north–south one. The query therefore orders by `location::geography <-> point`,
served by a GiST index on that very expression (models.LOCATION_GEOGRAPHY_SQL): PostGIS answers the
KNN in true great-circle distance on a sphere of radius 6,371,008.7714 m (the WGS84 mean radius;
the index gives bounds and PostGIS re-checks, so the order is exact). The distance returned is that
same sphere distance in metres, i.e. the haversine formula with that radius (the tests compare with
a brute-force haversine to 1 mm).

Ties (shelters at the very same point are common in the city's data) are broken by id. A second
ORDER BY key would make PostgreSQL give up the KNN index scan for a sort of the whole table, so the
query asks the index for a few more rows than needed, sorts them by (distance, id) here, and asks
again for more in the rare case where the last row fetched is still tied with the last one kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

import orjson
import psycopg
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import F, FloatField, Func, Q

from shelters.hours import hours_label, kyiv_moment, walking_minutes
from shelters.models import LOCATION_GEOGRAPHY_SQL, Shelter, ShelterCatalogue

EARTH_RADIUS_M = 6371008.7714


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on the sphere the nearest search uses."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


class NearestShelter(TypedDict):
    id: int
    name: str
    name_en: str
    address: str
    address_en: str
    kind: str
    protection: str
    district: str
    wheelchair_accessible: bool | None
    hours: str
    status: str
    lat: float
    lon: float
    distance_m: float
    walk_minutes: int


# Only constants are formatted into this SQL (the index expression, then the filter fragments).
_NEAREST_SQL = f"""
SELECT id, name_uk, name_en, address_uk, address_en, kind, protection, district, wheelchair_accessible,
       opening_hours, opens_at, closes_at, status, ST_Y(location), ST_X(location),
       {LOCATION_GEOGRAPHY_SQL} <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS distance
FROM shelters_shelter
WHERE is_active AND status <> 'closed' {{filters}}
ORDER BY {LOCATION_GEOGRAPHY_SQL} <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography
LIMIT %(fetch)s
"""  # noqa: S608
# Rows fetched beyond `limit`, so that ties at the cut can be ordered by id without a second query.
TIE_MARGIN = 2
_ONLY_WHEN_ASKED = 2**31

# A shelter open at a moment, given the moment's Kyiv wall-clock time %(t)s and whether school is on.
# Mirrors hours.is_open_at; reported-locked shelters are left out of "open" answers.
_OPEN_AT_SQL = """
AND status <> 'locked_reported'
AND (opening_hours IN ('always', 'unknown')
     OR (opening_hours = 'school' AND %(school_open)s)
     OR (opening_hours = 'schedule' AND CASE WHEN opens_at < closes_at
                                             THEN %(t)s >= opens_at AND %(t)s < closes_at
                                             ELSE %(t)s >= opens_at OR %(t)s < closes_at END))
"""


def _nearest_rows(sql: str, params: dict[str, Any], limit: int) -> list[tuple[Any, ...]]:
    """Rows sorted by (distance, id), exact for the first `limit` (see the module docstring)."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's statement preparation off (its client-side cursors cannot use it).
        # A threshold no query reaches lets this explicit `prepare=True` work and prepares nothing else;
        # and the one plan (an index scan ordered by distance to the parameter) is the same for every
        # point, so PostgreSQL may skip planning (plan_cache_mode concerns prepared statements only).
        raw.prepare_threshold = _ONLY_WHEN_ASKED
        raw.execute("SET plan_cache_mode = force_generic_plan")
    # A server-side prepared statement (one per filter combination and connection): PostgreSQL then
    # neither parses nor plans the query on each call.
    with psycopg.Cursor(raw) as cursor:
        while True:
            cursor.execute(sql, params, prepare=True)
            rows = sorted(cursor.fetchall(), key=lambda row: (row[15], row[0]))
            # Exact unless the farthest row fetched ties with the last one kept: then a shelter with
            # a smaller id at that same distance may not have been fetched yet.
            if len(rows) < params["fetch"] or rows[-1][15] > rows[limit - 1][15]:
                return rows
            params["fetch"] *= 4


def shelters_nearest(
    *,
    point: Point | tuple[float, float],
    limit: int,
    accessible: bool = False,
    open_at: datetime | None = None,
    kinds: Sequence[str] | None = None,
    pupils: bool = False,
) -> list[NearestShelter]:
    """The `limit` nearest listed shelters to `point` (WGS84: x = longitude, y = latitude), nearest first.

    `point` is a GEOS Point or a (longitude, latitude) pair (the API passes the pair: it spares
    building a GEOS object on the hot path).

    Never closed ones; pupils-only school shelters only when `pupils`; with `open_at` only shelters
    open at that instant in Kyiv time (see hours.py); with `accessible` only wheelchair-accessible
    ones; with `kinds` only those kinds of place.
    """
    filters: list[str] = []
    lon, lat = (point.x, point.y) if isinstance(point, Point) else point
    params: dict[str, Any] = {"lat": float(lat), "lon": float(lon), "fetch": limit + TIE_MARGIN}
    if not pupils:
        filters.append("AND opening_hours <> 'school'")
    if accessible:
        filters.append("AND wheelchair_accessible")
    if kinds:
        filters.append("AND kind = ANY(%(kinds)s)")
        params["kinds"] = list(kinds)
    if open_at is not None:
        moment = kyiv_moment(open_at)
        filters.append(_OPEN_AT_SQL)
        params["t"] = moment.time_of_day
        params["school_open"] = moment.school_open
    sql = _NEAREST_SQL.format(filters=" ".join(filters))
    try:
        rows = _nearest_rows(sql, params, limit)
    except psycopg.OperationalError:
        # The persistent connection died (a database restart): one retry on a new connection, in
        # place of the health-check round trip Django's cursor() would make on every request.
        if connection.in_atomic_block:
            raise
        connection.close()
        rows = _nearest_rows(sql, params, limit)
    return [
        {
            "id": row[0],
            "name": row[1] or "",
            "name_en": row[2] or "",
            "address": row[3] or "",
            "address_en": row[4] or "",
            "kind": row[5],
            "protection": row[6],
            "district": row[7],
            "wheelchair_accessible": row[8],
            "hours": hours_label(row[9], row[10], row[11]),
            "status": row[12],
            "lat": row[13],
            "lon": row[14],
            "distance_m": row[15],
            "walk_minutes": walking_minutes(row[15]),
        }
        for row in rows[:limit]
    ]


# --- the whole city as GeoJSON --------------------------------------------------------------------------


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
