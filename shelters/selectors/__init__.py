"""Reads of the shelters app: `nearest` (the nearest shelters to a point) and `catalogue` (the city's
GeoJSON, the catalogue version, one shelter)."""
