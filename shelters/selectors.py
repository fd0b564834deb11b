"""Reads of the shelters app: nearest shelters, the city's GeoJSON, one shelter.

Nearest shelters and distances. The answer is exact in great-circle distance on a sphere of radius
6,371,008.7714 m (the WGS84 mean radius), i.e. the haversine formula with that radius (the tests
compare with a brute-force haversine to 1 mm); ties (shelters at the very same point are common in
the city's data) are broken by id. PostgreSQL finds candidates by a KNN index scan (`ORDER BY
<expression> <-> point LIMIT n`); this module ranks them exactly and proves that no shelter left
in the index could rank among them.

Around Kyiv (`PLANAR_AREA`) the candidates come from an SP-GiST index on the shelters' positions on
a local plane (models.LOCATION_PLANAR_SQL: x = longitude × cos 50.4°, y = latitude), about half the
database time of the geography index, because planar distances are plain arithmetic where
distances on the sphere are trigonometry. The plane's distances are within half a percent of the
ground's; `ground_distance_floor_m` turns the planar distance of the last candidate fetched into a
proven lower bound on the ground distance of every shelter not fetched. When that bound is not
above the distance of the last shelter kept (or the last candidate ties with it), the query is
repeated with four times as many candidates: with `limit + 2` candidates, that is rare.

Elsewhere (a phone far from Kyiv, where the plane no longer fits) the query orders by
`location::geography <-> point`, served by the geography GiST index (models.LOCATION_GEOGRAPHY_SQL):
PostGIS answers in true sphere distance (the index gives bounds, PostGIS re-checks), and only ties
remain to be sorted here.

A second ORDER BY key (the id) would make PostgreSQL give up the KNN index scan for a sort of the
whole table, hence the ranking in Python.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

import orjson
import psycopg
import psycopg.errors
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import F, FloatField, Func, Q
from psycopg.pq import ConnStatus, ExecStatus

from shelters.hours import hours_label, kyiv_moment, walking_minutes
from shelters.importing.fields import KYIV_LAT, KYIV_LON
from shelters.models import LOCATION_GEOGRAPHY_SQL, LOCATION_PLANAR_SQL, PLANAR_COS, Shelter, ShelterCatalogue

if TYPE_CHECKING:
    from psycopg.pq.abc import PGresult

EARTH_RADIUS_M = 6371008.7714


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on the sphere the nearest search uses."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# Query points served by the planar index: the city's bounds and half a degree (35–55 km) around
# them. The bound below holds anywhere; outside this box it would ask for many more candidates.
PLANAR_AREA = (KYIV_LAT[0] - 0.5, KYIV_LAT[1] + 0.5, KYIV_LON[0] - 0.5, KYIV_LON[1] + 0.5)


def ground_distance_floor_m(lat: float, planar_deg: float, reach_m: float) -> float:
    """A lower bound on the ground distance from latitude `lat` to any point at `planar_deg` or more
    on the plane (LOCATION_PLANAR_SQL), among the points within `reach_m` on the ground; 0 if none
    can be given.

    With a = Δφ, b = Δλ (radians), the haversine formula reads
    hav θ = hav a + cos φ₁ cos φ₂ hav b. A point within `reach_m` = Rδ has |a| ≤ δ (no path changes
    latitude faster than a meridian), so cos φ₂ ≥ cos(|φ₁| + δ), and hav b ≤ hav δ / (cos φ₁ cos φ₂).
    With sin t ≥ t (1 − t²/6), hav x ≥ (x/2)² (1 − x²/24)²; so with m = max |a|, |b| and
    F = min(1, √(cos φ₁ cos φ₂) / c) · (1 − m²/24), hav θ ≥ F² (a² + c²b²) / 4 = (F P / 2)², where P
    is the planar distance in radians; and θ = 2 asin √(hav θ) ≥ F P. Hence the ground distance is at
    least R F P.
    """
    delta = reach_m / EARTH_RADIUS_M
    phi = math.radians(abs(lat))
    if phi + delta >= math.pi / 2:
        return 0.0
    cos_product = math.cos(phi) * math.cos(phi + delta)
    hav_b = math.sin(delta / 2) ** 2 / cos_product
    b = 2 * math.asin(math.sqrt(hav_b)) if hav_b < 1 else math.pi
    m = max(delta, b)
    if m * m >= 24:
        return 0.0
    factor = min(1.0, math.sqrt(cos_product) / PLANAR_COS) * (1 - m * m / 24)
    return EARTH_RADIUS_M * factor * math.radians(planar_deg)


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


# Only constants are formatted into this SQL (the index expression, then the filter fragments); the
# values are the statement's parameters: $1 the point's x (planar) or longitude, $2 its latitude,
# $3 how many rows to fetch, then the filters' own. The last column is the ordering distance:
# planar degrees, or metres on the sphere.
_NEAREST_SQL = """
SELECT id, name_uk, name_en, address_uk, address_en, kind, protection, district, wheelchair_accessible,
       CASE WHEN opening_hours = 'schedule' THEN to_char(opens_at, 'HH24:MI') || '-' || to_char(closes_at, 'HH24:MI')
            ELSE opening_hours END,
       status, ST_Y(location), ST_X(location), {order} AS distance
FROM shelters_shelter
WHERE is_active AND status <> 'closed' {{filters}}
ORDER BY {order}
LIMIT $3
"""
_PLANAR_SQL = _NEAREST_SQL.format(order=f"{LOCATION_PLANAR_SQL} <-> point($1, $2)")
_SPHERE_SQL = _NEAREST_SQL.format(
    order=f"{LOCATION_GEOGRAPHY_SQL} <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography"
)
# Rows fetched beyond `limit`: enough, nearly always, to prove the answer in one query.
TIE_MARGIN = 2
# Proofs compare floating-point numbers: a margin far below any distance that matters, far above rounding.
_PROOF_MARGIN_M = 1e-6

# Parameter types (PostgreSQL type OIDs) of the statement: float8, float8, int8, then the filters'.
_FLOAT8, _INT8, _TEXT, _TIME, _BOOL = 701, 20, 25, 1083, 16
_BASE_TYPES = (_FLOAT8, _FLOAT8, _INT8)

# A shelter open at a moment, given the moment's Kyiv wall-clock time and whether school is on.
# Mirrors hours.is_open_at; reported-locked shelters are left out of "open" answers.
_OPEN_AT_SQL = """
AND status <> 'locked_reported'
AND (opening_hours IN ('always', 'unknown')
     OR (opening_hours = 'school' AND ${school_open})
     OR (opening_hours = 'schedule' AND CASE WHEN opens_at < closes_at
                                             THEN ${t} >= opens_at AND ${t} < closes_at
                                             ELSE ${t} >= opens_at OR ${t} < closes_at END))
"""


@dataclass(frozen=True)
class _Statement:
    """A nearest-shelter query for one combination of filters, prepared once per connection."""

    name: bytes
    sql: bytes
    types: tuple[int, ...]


_statements: dict[tuple[bool, str], _Statement] = {}


def _statement(planar: bool, filters: str, types: tuple[int, ...]) -> _Statement:
    key = (planar, filters)
    statement = _statements.get(key)
    if statement is None:
        sql = (_PLANAR_SQL if planar else _SPHERE_SQL).format(filters=filters)
        name = "kyivguide_nearest_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]
        statement = _statements[key] = _Statement(name.encode(), sql.encode(), types)
    return statement


# (ground distance in metres, id, row)
_Ranked = tuple[float, int, tuple[Any, ...]]


def _fetch(statement: _Statement, values: list[bytes]) -> list[tuple[Any, ...]]:
    """The statement's rows, from libpq directly: one blocking call (which releases the GIL).

    psycopg's cursor would cost about as much client CPU as PostgreSQL spends on the query, and this
    statement needs none of its work: the parameters are numbers, the columns text and numbers.
    The statement is prepared on the connection on first use, with a generic plan (the one plan —
    an index scan ordered by distance to the parameter — is the same for every point).
    """
    connection.ensure_connection()
    raw = connection.connection
    pgconn = raw.pgconn
    prepared: set[bytes] | None = getattr(raw, "_kyivguide_prepared", None)
    if prepared is None:
        raw.execute("SET plan_cache_mode = force_generic_plan")
        prepared = raw._kyivguide_prepared = set()
    if statement.name not in prepared:
        _check(pgconn.prepare(statement.name, statement.sql, statement.types), raw)
        prepared.add(statement.name)
    try:
        result = _check(pgconn.exec_prepared(statement.name, values), raw)
    except psycopg.errors.InvalidSqlStatementName:
        # Something discarded the session's prepared statements (DISCARD ALL): prepare again.
        prepared.clear()
        _check(pgconn.prepare(statement.name, statement.sql, statement.types), raw)
        prepared.add(statement.name)
        result = _check(pgconn.exec_prepared(statement.name, values), raw)
    get = result.get_value
    rows = []
    for n in range(result.ntuples):
        accessible = get(n, 8)
        rows.append(
            (
                int(get(n, 0)),  # type: ignore[arg-type]
                _text(get(n, 1)),
                _text(get(n, 2)),
                _text(get(n, 3)),
                _text(get(n, 4)),
                _text(get(n, 5)),
                _text(get(n, 6)),
                _text(get(n, 7)),
                None if accessible is None else accessible == b"t",
                _text(get(n, 9)),
                _text(get(n, 10)),
                float(get(n, 11)),  # type: ignore[arg-type]
                float(get(n, 12)),  # type: ignore[arg-type]
                float(get(n, 13)),  # type: ignore[arg-type]
            )
        )
    return rows


def _text(value: bytes | None) -> str:
    return value.decode() if value is not None else ""


def _check(result: PGresult, raw: psycopg.Connection[Any]) -> PGresult:
    if result.status == ExecStatus.TUPLES_OK or result.status == ExecStatus.COMMAND_OK:
        return result
    if raw.pgconn.status == ConnStatus.BAD:
        raise psycopg.OperationalError(raw.pgconn.error_message.decode(errors="replace"))
    raise psycopg.errors.error_from_result(result)


def _nearest(
    statement: _Statement, planar: bool, lat: float, lon: float, limit: int, filter_values: list[bytes]
) -> list[_Ranked]:
    """The first `limit` rows by (ground distance, id), from candidates in the index's order.

    On the plane the candidates are re-ranked by haversine, and the answer stands when the proof
    (ground_distance_floor_m) shows that no shelter left in the index can rank among those kept. On
    the sphere PostgreSQL's order is the true one, and the answer stands unless the farthest
    candidate ties with the last one kept (a shelter with a smaller id at that distance may not have
    been fetched yet).
    """
    position = [repr(lon * PLANAR_COS if planar else lon).encode(), repr(lat).encode()]
    fetch = limit + TIE_MARGIN
    while True:
        rows = _fetch(statement, [*position, str(fetch).encode(), *filter_values])
        if planar:
            ranked = sorted((haversine_m(lat, lon, row[11], row[12]), row[0], row) for row in rows)
        else:
            ranked = sorted((row[13], row[0], row) for row in rows)
        if len(rows) < fetch:
            return ranked[:limit]  # every qualifying shelter was fetched
        kept = ranked[limit - 1][0]
        if planar:
            # Every shelter not fetched is at least as far on the plane as the farthest one fetched.
            proven = ground_distance_floor_m(lat, max(row[13] for row in rows), kept) > kept + _PROOF_MARGIN_M
        else:
            proven = ranked[-1][0] > kept
        if proven:
            return ranked[:limit]
        fetch *= 4


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
    lon, lat = (point.x, point.y) if isinstance(point, Point) else point
    lat, lon = float(lat), float(lon)
    filters: list[str] = []
    types = list(_BASE_TYPES)
    values: list[bytes] = []

    def parameter(type_oid: int, value: bytes) -> str:
        types.append(type_oid)
        values.append(value)
        return f"${len(types)}"

    if not pupils:
        filters.append("AND opening_hours <> 'school'")
    if accessible:
        filters.append("AND wheelchair_accessible")
    if kinds:
        # Kinds are identifiers (ShelterKind values): no comma can occur in one.
        filters.append(f"AND kind = ANY(string_to_array({parameter(_TEXT, ','.join(kinds).encode())}, ','))")
    if open_at is not None:
        moment = kyiv_moment(open_at)
        filters.append(
            _OPEN_AT_SQL.replace("${t}", parameter(_TIME, moment.time_of_day.isoformat().encode())).replace(
                "${school_open}", parameter(_BOOL, b"t" if moment.school_open else b"f")
            )
        )
    south, north, west, east = PLANAR_AREA
    planar = south <= lat <= north and west <= lon <= east
    statement = _statement(planar, " ".join(filters), tuple(types))
    try:
        ranked = _nearest(statement, planar, lat, lon, limit, values)
    except psycopg.OperationalError:
        # The persistent connection died (a database restart): one retry on a new connection, in
        # place of the health-check round trip Django's cursor() would make on every request.
        if connection.in_atomic_block:
            raise
        connection.close()
        ranked = _nearest(statement, planar, lat, lon, limit, values)
    return [
        {
            "id": row[0],
            "name": row[1],
            "name_en": row[2],
            "address": row[3],
            "address_en": row[4],
            "kind": row[5],
            "protection": row[6],
            "district": row[7],
            "wheelchair_accessible": row[8],
            "hours": row[9],
            "status": row[10],
            "lat": row[11],
            "lon": row[12],
            "distance_m": distance,
            "walk_minutes": walking_minutes(distance),
        }
        for distance, _, row in ranked
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
