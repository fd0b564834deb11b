"""The nearest listed shelters to a point, nearest first.

Distances are great-circle distances on the sphere of `geo.EARTH_RADIUS_M`, and ties (shelters at
one address are common in the city's data) are broken by id; the tests compare with a brute-force
haversine to 1 mm. The search walks this process's index of the listed shelters (shelter_index.py),
which follows the catalogue in PostgreSQL within a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.contrib.gis.geos import Point
from django.utils import timezone

from shelters.hours import is_open_at, walking_minutes
from shelters.models import OpeningHours, ShelterStatus
from shelters.selectors.shelter_index import Entry, ShownShelter, shelter_index, shelter_reports_overlay


class NearestShelter(ShownShelter):
    reported: dict[str, object] | None
    distance_m: float
    walk_minutes: int


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

    `point` is a GEOS Point or a (longitude, latitude) pair: the API passes the pair, as building a GEOS
    object takes a dozen ctypes calls, each of which hands the GIL to another thread of a busy server.

    Never closed ones; pupils-only school shelters only when `pupils`; with `open_at` only shelters
    open at that instant in Kyiv time (hours.is_open_at) and not reported locked (its status, or a
    recent unconfirmed "locked" report: selectors/reports.py); with `accessible` only
    wheelchair-accessible ones; with `kinds` only those kinds of place. `reported` is the shelter's
    recent unconfirmed locked/closed reports, or None.
    """
    lon, lat = point if isinstance(point, tuple) else (point.x, point.y)
    wanted_kinds = frozenset(kinds or ())
    index = shelter_index()
    overlay = shelter_reports_overlay()
    reports = overlay.reports
    locked = overlay.locked if open_at is not None else frozenset()

    def keep(entry: Entry) -> bool:
        listing = entry.listing
        if listing.status == ShelterStatus.CLOSED or (listing.opening_hours == OpeningHours.SCHOOL and not pupils):
            return False
        if (accessible and listing.wheelchair_accessible is not True) or (
            wanted_kinds and listing.kind not in wanted_kinds
        ):
            return False
        return open_at is None or (
            listing.status != ShelterStatus.LOCKED_REPORTED
            and entry.id not in locked
            and is_open_at(
                opening_hours=listing.opening_hours,
                opens_at=listing.opens_at,
                closes_at=listing.closes_at,
                at=open_at,
                pupils=pupils,
            )
        )

    now = timezone.now()
    return [
        {
            **shelter.shown,
            "reported": recent.as_json(now) if (recent := reports.get(shelter.id)) else None,
            "distance_m": distance,
            "walk_minutes": walking_minutes(distance),
        }
        for distance, shelter in index.nearest(lat, lon, limit, keep)
    ]
