"""Where am I: the regions a person may be in, from a point and its accuracy.

The raion and hromada polygons are coarse: neighbours leave small gaps and overlaps between them
(../shared/data/README.md), and a phone's position has an accuracy radius. So a person is taken to
be possibly in every region within `accuracy + LOCATE_EDGE_TOLERANCE_M` metres of the point:

- the *candidates* are the finest regions found there: hromadas, and regions with a polygon but no
  finer polygon inside them (Kyiv city, Crimea, Sevastopol). An oblast or raion found there is not a
  candidate of its own when a finer region was found (its hromadas carry it in their chains), so
  the very coarse oblast polygons never add a neighbouring oblast near an oblast border;
- when no such region is that close (a point in a large gap, e.g. a reservoir the source leaves
  out, or an occupied raion without hromada polygons), the most specific regions found are;
- the *primary* region, whose chain is returned as `regions`, is the candidate nearest the point
  (one containing it: distance 0), the most specific on a tie, then the lowest id.

One query finds the regions (the bounding-box test uses the GiST index; the exact distance is
measured on the spheroid) and one fetches the names of their chains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from alerts.models import Region
from alerts.selectors.regions import RegionBrief, brief

# Metres in a degree of latitude, rounded down so that the bounding box is never too small.
_METRES_PER_DEGREE = 110_000.0

_NEARBY_SQL = """
WITH here AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS point)
SELECT r.uid, r.kind, r.parent_id, p.parent_id,
       EXISTS (SELECT 1 FROM alerts_region c WHERE c.parent_id = r.uid AND c.geometry IS NOT NULL),
       ST_Distance(r.geometry::geography, here.point::geography)
FROM alerts_region r CROSS JOIN here LEFT JOIN alerts_region p ON p.uid = r.parent_id
WHERE r.geometry && ST_Expand(here.point, %(dx)s, %(dy)s)
  AND ST_DWithin(r.geometry::geography, here.point::geography, %(radius)s)
"""

_DEPTH = {Region.Kind.OBLAST: 0, Region.Kind.CITY: 0, Region.Kind.RAION: 1, Region.Kind.HROMADA: 2}


@dataclass(frozen=True)
class Candidate:
    """A region the person may be in: its chain (itself first) and how far the point is from it."""

    chain: list[RegionBrief]
    distance_m: float

    @property
    def uid(self) -> int:
        return self.chain[0]["uid"]


@dataclass(frozen=True)
class Location:
    """The answer of `regions_locate`: candidates (the primary first) and the radius that was searched."""

    candidates: list[Candidate]
    radius_m: float

    @property
    def chain(self) -> list[RegionBrief]:
        """The primary region's chain (hromada → raion → oblast, or Kyiv city); empty outside Ukraine."""
        return self.candidates[0].chain if self.candidates else []


@dataclass(frozen=True)
class _Found:
    uid: int
    kind: str
    chain_uids: list[int]
    has_finer: bool
    distance_m: float

    @property
    def depth(self) -> int:
        return _DEPTH[Region.Kind(self.kind)]


def _bounding_box(lat: float, radius_m: float) -> tuple[float, float]:
    """Half-width and half-height in degrees of a box holding every point within `radius_m`."""
    dy = radius_m / _METRES_PER_DEGREE + 1e-6
    # Near the poles the box would be unbounded; 360° of longitude is all there is.
    cos_lat = math.cos(math.radians(min(abs(lat), 89.9)))
    return min(dy / cos_lat, 360.0), dy


def _nearby(*, lat: float, lon: float, radius_m: float) -> list[_Found]:
    dx, dy = _bounding_box(lat, radius_m)
    with connection.cursor() as cursor:
        cursor.execute(_NEARBY_SQL, {"lat": lat, "lon": lon, "dx": dx, "dy": dy, "radius": radius_m})
        rows = cursor.fetchall()
    return [
        _Found(
            uid=uid,
            kind=kind,
            chain_uids=[u for u in (uid, parent, grandparent) if u is not None],
            has_finer=has_finer,
            distance_m=float(distance),
        )
        for uid, kind, parent, grandparent, has_finer, distance in rows
    ]


def _candidates(found: list[_Found]) -> list[_Found]:
    finest = [f for f in found if not f.has_finer]
    if finest:
        return finest
    deepest = max((f.depth for f in found), default=0)
    return [f for f in found if f.depth == deepest]


def regions_locate(*, lat: float, lon: float, accuracy_m: float | None = None) -> Location:
    """The regions a person at (lat, lon) may be in, given their position's accuracy in metres.

    Outside Ukraine (nothing within the radius) there is no candidate.
    """
    radius_m = (accuracy_m or 0.0) + settings.LOCATE_EDGE_TOLERANCE_M
    found = _candidates(_nearby(lat=lat, lon=lon, radius_m=radius_m))
    if not found:
        return Location(candidates=[], radius_m=radius_m)
    found.sort(key=lambda f: (round(f.distance_m, 1), -f.depth, f.uid))
    uids = {uid for f in found for uid in f.chain_uids}
    briefs = {region.uid: brief(region) for region in Region.objects.defer("geometry").filter(uid__in=uids)}
    candidates = [
        Candidate(chain=[briefs[uid] for uid in f.chain_uids if uid in briefs], distance_m=round(f.distance_m, 1))
        for f in found
    ]
    return Location(candidates=candidates, radius_m=radius_m)
