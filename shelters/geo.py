"""Distances on the sphere that every shelter distance uses (nearest search, import, the browser)."""

from __future__ import annotations

import math

# The WGS84 mean radius: great-circle distances on this sphere are within 0.5 % of the ellipsoid's.
EARTH_RADIUS_M = 6371008.7714


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two (lat, lon) points, in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
