"""The nearest listed shelters to a point, nearest first.

Distances are great-circle distances on the sphere of `geo.EARTH_RADIUS_M` (the haversine formula;
the tests compare with a brute-force haversine to 1 mm). PostgreSQL finds the shelters with a KNN
scan of the geography GiST index (models.LOCATION_GEOGRAPHY_SQL): `ORDER BY location::geography
<-> point LIMIT n` walks the index in true sphere distance (the index gives bounds, PostGIS
re-checks each row), so the rows come back nearest first.

Ties (shelters at one address are common in the city's data) are broken by id here: a second
ORDER BY key would turn the index scan into a sort of the whole table. So the query fetches a few
rows more than asked, they are sorted by (distance, id), and the query is repeated with more rows
in the rare case where the farthest row fetched still ties with the last one kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from django.contrib.gis.geos import Point
from django.db import connection

from shelters.hours import hours_label, kyiv_moment, walking_minutes
from shelters.models import LOCATION_GEOGRAPHY_SQL

# Rows fetched beyond `limit`, so that ties at the cut are nearly always settled by one query.
TIE_MARGIN = 2

# Only constants are formatted into this SQL (the index expression, then the filter fragments).
_POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
NEAREST_SQL = f"""
SELECT id, name_uk, name_en, address_uk, address_en, kind, protection, district, wheelchair_accessible,
       opening_hours, opens_at, closes_at, status, ST_Y(location), ST_X(location),
       {LOCATION_GEOGRAPHY_SQL} <-> {_POINT}
FROM shelters_shelter
WHERE is_active AND status <> 'closed' {{filters}}
ORDER BY {LOCATION_GEOGRAPHY_SQL} <-> {_POINT}
LIMIT %(fetch)s
"""  # noqa: S608

# Open at a moment given its Kyiv wall-clock time and whether school is on; the same rule as
# hours.is_open_at. Reported-locked shelters are left out of "open" answers.
_OPEN_AT_SQL = """
AND status <> 'locked_reported'
AND (opening_hours IN ('always', 'unknown')
     OR (opening_hours = 'school' AND %(school_open)s)
     OR (opening_hours = 'schedule' AND CASE WHEN opens_at < closes_at
                                             THEN %(t)s >= opens_at AND %(t)s < closes_at
                                             ELSE %(t)s >= opens_at OR %(t)s < closes_at END))
"""


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


def shelters_nearest(
    *,
    point: Point,
    limit: int,
    accessible: bool = False,
    open_at: datetime | None = None,
    kinds: Sequence[str] | None = None,
    pupils: bool = False,
) -> list[NearestShelter]:
    """The `limit` nearest listed shelters to `point` (WGS84: x = longitude, y = latitude), nearest first.

    Never closed ones; pupils-only school shelters only when `pupils`; with `open_at` only shelters
    open at that instant in Kyiv time (see hours.py); with `accessible` only wheelchair-accessible
    ones; with `kinds` only those kinds of place.
    """
    filters: list[str] = []
    params: dict[str, Any] = {"lat": point.y, "lon": point.x, "fetch": limit + TIE_MARGIN}
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
        params["t"], params["school_open"] = moment.time_of_day, moment.school_open
    sql = NEAREST_SQL.format(filters=" ".join(filters))
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, params)
            rows = sorted(cursor.fetchall(), key=lambda row: (row[15], row[0]))
            # Settled unless the farthest row fetched ties with the last one kept: a shelter with a
            # smaller id at that distance may not have been fetched yet.
            if len(rows) < params["fetch"] or rows[-1][15] > rows[limit - 1][15]:
                break
            params["fetch"] *= 4
    return [_result(row) for row in rows[:limit]]


def _result(row: tuple[Any, ...]) -> NearestShelter:
    return {
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
