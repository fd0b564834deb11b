"""The in-process index of listed shelters that the nearest search walks (selectors/nearest.py).

Each process keeps every listed shelter (its position, the fields the filters read and its part of
the answer, a dict made once per build) in a k-d tree: ~1.1 KB a shelter, 4 MB for the city's 3,700,
116 MB at 100,000 (the ready-made dicts take 40 % of it and save 7 % of a request's CPU).
Positions are points in 3-D, metres from the Earth's centre: the straight-line (chord) distance
between two points of a sphere grows with their great-circle distance, so the nearest by chord are
the nearest on the ground, and the tree's textbook search is exact: a branch is skipped only when
the box around its points is farther than the last of the best found so far.

PostgreSQL stays the source of truth: the index is rebuilt from it when the catalogue version
changes (every import and staff change bumps it, services/catalogue.py), which each process looks
at at most once a second. Reports do not rebuild it: the same look reads the reports' version, and
a small overlay of the recent unconfirmed locked/closed reports (selectors/reports.py) is reloaded
beside the index. An answer thus lags a change by a second at most (its Cache-Control
allows 30).
"""

from __future__ import annotations

import gc
import heapq
import math
import threading
import time
from collections.abc import Callable
from datetime import time as clock
from operator import itemgetter
from typing import NamedTuple, TypedDict

from django.db.models import F, FloatField, Func

from shelters.geo import EARTH_RADIUS_M
from shelters.hours import hours_label
from shelters.models import Shelter, ShelterStatus
from shelters.selectors.catalogue import shelters_catalogue_versions
from shelters.selectors.reports import EMPTY_OVERLAY, ReportsOverlay, shelters_reports_overlay

CHECK_SECONDS = 1.0
# The overlay of recent reports is reloaded when a report comes or is moderated (the reports'
# version, read with the list's), and while it holds any, at least this often, so that reports leave
# it as they age past the window.
REPORTS_RELOAD_SECONDS = 30.0
LEAF_SIZE = 16


class Listing(NamedTuple):
    """What the nearest search's filters read of a shelter (shared by the shelters alike)."""

    kind: str
    wheelchair_accessible: bool | None
    opening_hours: str
    opens_at: clock | None
    closes_at: clock | None
    status: str


class ShownShelter(TypedDict):
    """A shelter as the nearest search's answer shows it, but its distance."""

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


class Entry(NamedTuple):
    """One listed shelter: what the filters read, and the fields of the answer but the distance, made once
    when the index is built (selectors/nearest.py copies them into each answer)."""

    id: int
    listing: Listing
    shown: ShownShelter


# x, y, z in metres from the Earth's centre, and the shelter
_Point = tuple[float, float, float, Entry]


def to_xyz(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return (
        EARTH_RADIUS_M * math.cos(phi) * math.cos(lam),
        EARTH_RADIUS_M * math.cos(phi) * math.sin(lam),
        EARTH_RADIUS_M * math.sin(phi),
    )


class ShelterIndex:
    """A k-d tree: node n holds points[lo:hi] and the box around them; unless it is a leaf, its points
    are sorted along the box's longest axis and halved into nodes 2n+1 (points[lo:mid]) and 2n+2."""

    def __init__(self, points: list[_Point]) -> None:
        self.points = points
        self.boxes: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {}
        if points:
            self._build(0, 0, len(points))

    def _build(self, node: int, lo: int, hi: int) -> None:
        part = self.points[lo:hi]
        axes = [[p[0] for p in part], [p[1] for p in part], [p[2] for p in part]]
        low, high = tuple(map(min, axes)), tuple(map(max, axes))
        self.boxes[node] = (low, high)
        if hi - lo <= LEAF_SIZE:
            return
        axis = max(range(3), key=lambda a: high[a] - low[a])
        part.sort(key=itemgetter(axis))
        self.points[lo:hi] = part
        mid = (lo + hi) // 2
        self._build(2 * node + 1, lo, mid)
        self._build(2 * node + 2, mid, hi)

    def nearest(self, lat: float, lon: float, limit: int, keep: Callable[[Entry], bool]) -> list[tuple[float, Entry]]:
        """(great-circle metres, shelter) of the `limit` nearest that `keep` accepts, by (distance, id)."""
        qx, qy, qz = to_xyz(lat, lon)
        points, boxes = self.points, self.boxes
        # The worst of the best at the top: (-chord², -id, shelter).
        best: list[tuple[float, int, Entry]] = []
        # Nodes still to look at, with the squared distance from the query to their box (no point in a
        # box is nearer); the nearer child is pushed last, so that it is looked at first.
        todo: list[tuple[float, int, int, int]] = [(0.0, 0, 0, len(points))] if points else []
        while todo:
            gap, node, lo, hi = todo.pop()
            # At an equal distance the box may still hold a tie with a smaller id: only a farther one goes.
            if len(best) == limit and gap > -best[0][0]:
                continue
            if hi - lo <= LEAF_SIZE:
                for x, y, z, shelter in points[lo:hi]:
                    chord2 = (x - qx) * (x - qx) + (y - qy) * (y - qy) + (z - qz) * (z - qz)
                    # Cheapest test first: most shelters of a leaf are farther than the last of the best
                    # (at an equal distance the smaller id wins); the filters only hear of those that are not.
                    if len(best) < limit:
                        if keep(shelter):
                            heapq.heappush(best, (-chord2, -shelter.id, shelter))
                    elif chord2 <= -best[0][0] and (-chord2, -shelter.id) > best[0][:2] and keep(shelter):
                        heapq.heapreplace(best, (-chord2, -shelter.id, shelter))
                continue
            mid = (lo + hi) // 2
            children = []
            for child, start, end in ((2 * node + 1, lo, mid), (2 * node + 2, mid, hi)):
                (lx, ly, lz), (hx, hy, hz) = boxes[child]
                dx = lx - qx if qx < lx else (qx - hx if qx > hx else 0.0)
                dy = ly - qy if qy < ly else (qy - hy if qy > hy else 0.0)
                dz = lz - qz if qz < lz else (qz - hz if qz > hz else 0.0)
                children.append((dx * dx + dy * dy + dz * dz, child, start, end))
            if children[0][0] < children[1][0]:
                children.reverse()
            todo.extend(children)
        ranked = sorted((-chord2, -ident, shelter) for chord2, ident, shelter in best)
        return [
            (2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(chord2) / (2 * EARTH_RADIUS_M))), shelter)
            for chord2, _, shelter in ranked
        ]


def _load() -> ShelterIndex:
    rows = (
        Shelter.objects.filter(is_active=True)
        .exclude(status=ShelterStatus.CLOSED)
        .annotate(
            y=Func(F("location"), function="ST_Y", output_field=FloatField()),
            x=Func(F("location"), function="ST_X", output_field=FloatField()),
        )
        .values_list(
            "id", "name_uk", "name_en", "address_uk", "address_en", "protection", "district", "y", "x", *Listing._fields
        )
    )
    # Shelters share a few hundred listings: one object for each.
    listings: dict[Listing, Listing] = {}
    points = []
    for ident, name, name_en, address, address_en, protection, district, lat, lon, *fields in rows:
        listing = listings.setdefault(Listing(*fields), Listing(*fields))
        shown: ShownShelter = {
            "id": ident,
            "name": name or "",
            "name_en": name_en or "",
            "address": address or "",
            "address_en": address_en or "",
            "kind": listing.kind,
            "protection": protection,
            "district": district,
            "wheelchair_accessible": listing.wheelchair_accessible,
            "hours": hours_label(listing.opening_hours, listing.opens_at, listing.closes_at),
            "status": listing.status,
            "lat": lat,
            "lon": lon,
        }
        points.append((*to_xyz(lat, lon), Entry(ident, listing, shown)))
    return ShelterIndex(points)


class _Current:
    index: ShelterIndex | None = None
    version = ""
    # Version 0 has no report at all: a process starts with the empty overlay it would load.
    reports = EMPTY_OVERLAY
    reports_version = 0
    reports_loaded_at = -math.inf
    checked_at = -math.inf
    lock = threading.Lock()


def shelter_index() -> ShelterIndex:
    """This process's index, first rebuilt if the catalogue version changed (looked at once a second)."""
    current = _Current
    index = current.index
    if index is not None:
        # One thread looks (and rebuilds); meanwhile the others go on with the index they have.
        if time.monotonic() - current.checked_at < CHECK_SECONDS or not current.lock.acquire(blocking=False):
            return index
    else:
        current.lock.acquire()
    try:
        if current.index is None or time.monotonic() - current.checked_at >= CHECK_SECONDS:
            catalogue, reports_version = shelters_catalogue_versions()
            if current.index is None or catalogue.tag != current.version:
                current.index, current.version = _load(), catalogue.tag
                _out_of_the_collectors_way()
            if reports_version != current.reports_version or (
                current.reports.reports and time.monotonic() - current.reports_loaded_at >= REPORTS_RELOAD_SECONDS
            ):
                current.reports, current.reports_version = shelters_reports_overlay(), reports_version
                current.reports_loaded_at = time.monotonic()
            current.checked_at = time.monotonic()
        return current.index
    finally:
        current.lock.release()


def _out_of_the_collectors_way() -> None:
    """Move every object alive now, the new index's among them, to the collector's permanent generation.

    CPython's cyclic garbage collector walks every tracked object on each full collection, with all the
    threads of the process stopped: 225 ms at 100,000 shelters (~330,000 objects), a pause the nearest
    search under load hit every few seconds (bench_shelters' ratio swung between 28 % and 54 %, its p99 up
    to 280 ms). The index holds no reference cycles, so reference counting alone frees it when a rebuild
    replaces it. What is garbage already is collected first, so that nothing unreachable is kept for good.
    """
    gc.collect()
    gc.freeze()


def shelter_reports_overlay() -> ReportsOverlay:
    """The recent reports as of this process's last look (call shelter_index() first)."""
    return _Current.reports


def shelter_index_forget() -> None:
    """Drop this process's index and overlay (tests write shelters without bumping the catalogue)."""
    _Current.index = None
    _Current.reports, _Current.reports_version, _Current.reports_loaded_at = EMPTY_OVERLAY, 0, -math.inf
