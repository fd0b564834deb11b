"""The in-process index of listed shelters that the nearest search walks (selectors/nearest.py).

Each process keeps, for every listed shelter, its id, its position and the fields the filters read,
in a k-d tree (about 200 bytes a shelter: 20 MB at 100,000). Positions are points in 3-D, metres
from the Earth's centre: the straight-line (chord) distance between two points of a sphere grows
with their great-circle distance, so the nearest by chord are the nearest on the ground, and the
tree's textbook search is exact: a branch is skipped only when its bounding plane is farther than
the last of the best found so far (or, at an equal distance, could hold no smaller id).

PostgreSQL stays the source of truth: the index is rebuilt when the catalogue version changes
(every import and staff change bumps it, services/catalogue.py), checked at most once a second per
process, and the rows answered are read from the table (nearest.py).
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable
from datetime import time as clock
from typing import NamedTuple

from django.db.models import F, FloatField, Func

from shelters.geo import EARTH_RADIUS_M
from shelters.models import Shelter, ShelterStatus
from shelters.selectors.catalogue import shelters_catalogue_version

CHECK_SECONDS = 1.0
LEAF_SIZE = 16


class Listing(NamedTuple):
    """What the nearest search's filters read of a shelter."""

    kind: str
    wheelchair_accessible: bool | None
    opening_hours: str
    opens_at: clock | None
    closes_at: clock | None
    status: str


# (x, y, z) in metres, id, listing
_Point = tuple[tuple[float, float, float], int, Listing]


def to_xyz(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return (
        EARTH_RADIUS_M * math.cos(phi) * math.cos(lam),
        EARTH_RADIUS_M * math.cos(phi) * math.sin(lam),
        EARTH_RADIUS_M * math.sin(phi),
    )


class ShelterIndex:
    """A k-d tree over the shelters' points: node n covers points[lo:hi] and splits them at the median
    of one axis into node 2n+1 (points[lo:mid], coordinates ≤ the split) and 2n+2 (the rest, ≥)."""

    def __init__(self, points: list[_Point]) -> None:
        self.points = points
        self.splits: dict[int, tuple[int, float]] = {}
        self._build(0, 0, len(points))

    def _build(self, node: int, lo: int, hi: int) -> None:
        if hi - lo <= LEAF_SIZE:
            return
        part = self.points[lo:hi]
        axis = max(range(3), key=lambda a: max(p[0][a] for p in part) - min(p[0][a] for p in part))
        part.sort(key=lambda p: p[0][axis])
        self.points[lo:hi] = part
        mid = (lo + hi) // 2
        self.splits[node] = (axis, part[mid - lo][0][axis])
        self._build(2 * node + 1, lo, mid)
        self._build(2 * node + 2, mid, hi)

    def nearest(self, lat: float, lon: float, limit: int, keep: Callable[[Listing], bool]) -> list[tuple[float, int]]:
        """(great-circle metres, id) of the `limit` nearest shelters that `keep` accepts, by (distance, id)."""
        query = to_xyz(lat, lon)
        # The worst of the best at the top: entries (-chord², -id).
        best: list[tuple[float, int]] = []

        def visit(node: int, lo: int, hi: int) -> None:
            if hi - lo <= LEAF_SIZE:
                for (x, y, z), ident, listing in self.points[lo:hi]:
                    if not keep(listing):
                        continue
                    entry = (-((x - query[0]) ** 2 + (y - query[1]) ** 2 + (z - query[2]) ** 2), -ident)
                    if len(best) < limit:
                        heapq.heappush(best, entry)
                    elif entry > best[0]:
                        heapq.heapreplace(best, entry)
                return
            axis, split = self.splits[node]
            mid = (lo + hi) // 2
            below, above = (2 * node + 1, lo, mid), (2 * node + 2, mid, hi)
            gap = query[axis] - split
            near, far = (above, below) if gap > 0 else (below, above)
            visit(*near)
            if len(best) < limit or gap * gap <= -best[0][0]:
                visit(*far)

        visit(0, 0, len(self.points))
        return sorted(
            (2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(-chord2) / (2 * EARTH_RADIUS_M))), -ident)
            for chord2, ident in best
        )


def _load() -> ShelterIndex:
    rows = (
        Shelter.objects.filter(is_active=True)
        .exclude(status=ShelterStatus.CLOSED)
        .annotate(
            y=Func(F("location"), function="ST_Y", output_field=FloatField()),
            x=Func(F("location"), function="ST_X", output_field=FloatField()),
        )
        .values_list("id", "y", "x", *Listing._fields)
    )
    # Shelters share a few hundred listings: one object for each.
    listings: dict[Listing, Listing] = {}
    points = []
    for ident, lat, lon, *fields in rows:
        listing = Listing(*fields)
        points.append((to_xyz(lat, lon), ident, listings.setdefault(listing, listing)))
    return ShelterIndex(points)


class _Current:
    index: ShelterIndex | None = None
    version = ""
    checked_at = -math.inf
    lock = threading.Lock()


def shelter_index(*, refresh: bool = False) -> ShelterIndex:
    """This process's index, first rebuilt if the catalogue changed (looked at once a second) or `refresh`."""
    current = _Current
    index = current.index
    if index is not None and not refresh:
        # One thread looks (and rebuilds); meanwhile the others go on with the index they have.
        if time.monotonic() - current.checked_at < CHECK_SECONDS or not current.lock.acquire(blocking=False):
            return index
    else:
        current.lock.acquire()
    try:
        if refresh or current.index is None or time.monotonic() - current.checked_at >= CHECK_SECONDS:
            version = shelters_catalogue_version().tag
            if refresh or current.index is None or version != current.version:
                current.index, current.version = _load(), version
            current.checked_at = time.monotonic()
        return current.index
    finally:
        current.lock.release()


def shelter_index_forget() -> None:
    """Drop this process's index (tests write shelters without bumping the catalogue)."""
    _Current.index = None
