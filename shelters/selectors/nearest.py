"""The nearest listed shelters to a point, nearest first.

Distances are great-circle distances on the sphere of `geo.EARTH_RADIUS_M`, and ties (shelters at
one address are common in the city's data) are broken by id; the tests compare with a brute-force
haversine to 1 mm. The search walks this process's index of the listed shelters
(shelter_index.py), then reads the rows found from PostgreSQL by id. A row that no longer passes
the filters (changed within the last second, before the index saw it) makes the index rebuild at
once and the search run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from django.contrib.gis.geos import Point
from django.db import connection

from shelters.hours import hours_label, is_open_at, walking_minutes
from shelters.models import OpeningHours, ShelterStatus
from shelters.selectors.shelter_index import Listing, shelter_index

# The rows found, with the fields the filters read in Listing's order (columns 9 to 14).
_ROWS_SQL = """
SELECT id, name_uk, name_en, address_uk, address_en, protection, district, ST_Y(location), ST_X(location),
       kind, wheelchair_accessible, opening_hours, opens_at, closes_at, status
FROM shelters_shelter
WHERE id = ANY(%s) AND is_active
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
    open at that instant in Kyiv time (hours.is_open_at) and not reported locked; with `accessible`
    only wheelchair-accessible ones; with `kinds` only those kinds of place.
    """
    wanted_kinds = frozenset(kinds or ())

    def keep(listing: Listing) -> bool:
        if listing.status == ShelterStatus.CLOSED or (listing.opening_hours == OpeningHours.SCHOOL and not pupils):
            return False
        if (accessible and listing.wheelchair_accessible is not True) or (
            wanted_kinds and listing.kind not in wanted_kinds
        ):
            return False
        return open_at is None or (
            listing.status != ShelterStatus.LOCKED_REPORTED
            and is_open_at(
                opening_hours=listing.opening_hours,
                opens_at=listing.opens_at,
                closes_at=listing.closes_at,
                at=open_at,
                pupils=pupils,
            )
        )

    for refresh in (False, True):
        found = shelter_index(refresh=refresh).nearest(point.y, point.x, limit, keep)
        with connection.cursor() as cursor:
            cursor.execute(_ROWS_SQL, [[ident for _, ident in found]])
            rows = {row[0]: row for row in cursor.fetchall() if keep(Listing(*row[9:]))}
        if len(rows) == len(found):
            break
    return [_result(rows[ident], distance) for distance, ident in found if ident in rows]


def _result(row: tuple[Any, ...], distance: float) -> NearestShelter:
    return {
        "id": row[0],
        "name": row[1] or "",
        "name_en": row[2] or "",
        "address": row[3] or "",
        "address_en": row[4] or "",
        "kind": row[9],
        "protection": row[5],
        "district": row[6],
        "wheelchair_accessible": row[10],
        "hours": hours_label(row[11], row[12], row[13]),
        "status": row[14],
        "lat": row[7],
        "lon": row[8],
        "distance_m": distance,
        "walk_minutes": walking_minutes(distance),
    }
