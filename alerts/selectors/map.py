"""The country map's boundary layer: every finest region as an SVG path, simplified, built once per import.

The map on /alerts/ is plain SVG (no tiles): each path is one of the finest regions with a polygon
(the hromadas, and Kyiv city, Sevastopol and Crimea, which have no hromada polygons), with its uid
chain, so that the page colours it from the status snapshot by the same rule as the banner.

PostGIS does the work in one query: `ST_SimplifyPreserveTopology` at about 1 km (the map shows the
whole country in a phone's width, where 1 km is less than a pixel), then a plane projection (longitude
scaled by the cosine of Ukraine's middle latitude, so that the country keeps its shape) and
`ST_AsSVG` with relative moves and whole units (1 unit = 0.01°, about 1 km), which compresses well.
"""

from __future__ import annotations

import gzip
import logging
import math
from dataclasses import dataclass

import orjson
from django.core.cache import cache
from django.db import connection

from alerts.selectors.regions import regions_stamp

logger = logging.getLogger(__name__)

SIMPLIFY_DEGREES = 0.01
UNITS_PER_DEGREE = 100
MIDDLE_LATITUDE = 48.5
_X_SCALE = UNITS_PER_DEGREE * math.cos(math.radians(MIDDLE_LATITUDE))
CACHE_SECONDS = 24 * 3600

_LAYER_SQL = """
WITH leaves AS (
  SELECT r.uid, r.parent_id, p.parent_id AS grandparent,
         ST_Scale(ST_SimplifyPreserveTopology(r.geometry, %(tolerance)s), %(sx)s, %(sy)s) AS shape
  FROM alerts_region r LEFT JOIN alerts_region p ON p.uid = r.parent_id
  WHERE r.geometry IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM alerts_region c WHERE c.parent_id = r.uid AND c.geometry IS NOT NULL)
)
SELECT uid, parent_id, grandparent, ST_AsSVG(shape, 1, 0),
       ST_XMin(shape), ST_YMin(shape), ST_XMax(shape), ST_YMax(shape)
FROM leaves ORDER BY uid
"""


@dataclass(frozen=True)
class MapLayer:
    etag: str
    plain: bytes
    gzipped: bytes


def _build(version: str) -> MapLayer:
    with connection.cursor() as cursor:
        cursor.execute(_LAYER_SQL, {"tolerance": SIMPLIFY_DEGREES, "sx": _X_SCALE, "sy": UNITS_PER_DEGREE})
        rows = cursor.fetchall()
    regions = []
    x_min = y_min = math.inf
    x_max = y_max = -math.inf
    for uid, parent, grandparent, path, left, bottom, right, top in rows:
        if not path:
            continue
        regions.append({"uid": uid, "chain": [u for u in (uid, parent, grandparent) if u is not None], "d": path})
        x_min, x_max = min(x_min, left), max(x_max, right)
        # ST_AsSVG writes y downwards (the latitude negated).
        y_min, y_max = min(y_min, -top), max(y_max, -bottom)
    view_box = [math.floor(x_min), math.floor(y_min), math.ceil(x_max - x_min) + 1, math.ceil(y_max - y_min) + 1]
    plain = orjson.dumps({"version": version, "view_box": view_box if regions else [0, 0, 0, 0], "regions": regions})
    return MapLayer(etag=f'W/"region-map-{version}"', plain=plain, gzipped=gzip.compress(plain, 6, mtime=0))


def regions_map_layer() -> MapLayer:
    """The layer for the regions as imported now: from the cache, or built (about a second) and cached."""
    count, stamp = regions_stamp()
    version = f"{count}-{int(stamp.timestamp() * 1000) if stamp else 0}"
    key = f"alerts:region-map:{version}"
    try:
        layer = cache.get(key)
    except Exception:  # a cache outage must not take the map down: build it instead
        logger.warning("cache unavailable, building the region map without it", exc_info=True)
        layer = None
    if isinstance(layer, MapLayer):
        return layer
    layer = _build(version)
    try:
        cache.set(key, layer, CACHE_SECONDS)
    except Exception:  # still served, only not cached
        logger.warning("cache unavailable, the region map is not cached", exc_info=True)
    return layer
