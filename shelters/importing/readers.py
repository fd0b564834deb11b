"""Read the city's shelter files into raw rows with canonical column names.

Formats:
- the KMDA CSV (`kyiv_shelters_kmda_2022.csv`, `kyiv_shelters_kmda_2024_nocoords.csv`): our English
  column names, or the city's original Ukrainian headers (`Район`, `Адреса`, `Тип укриття`,
  `Вид укриття`, `№ телефону`, `Режим роботи`, …: the names in brackets in SOURCES.md), which is
  what the live layer's export carries;
- GeoJSON (`kyiv_shelters_kmda_2022.geojson`, or the live ArcGIS layer queried with `f=geojson`):
  the same names in `properties`, the location in a Point `geometry` ([lon, lat], RFC 7946), the id
  in `id`, `OBJECTID` or the feature's own `id`;
- the metro stations CSV (`name_uk, lat, lon, district_by_polygon`), recognised by its header:
  every row is a metro station, identified by its name.

Readers only rename columns and keep the text as found; `clean.py` decides what it means.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

# Canonical name → accepted headers (compared case-insensitively, surrounding spaces ignored).
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "objectid", "fid", "source_id"),
    "name": ("name_uk", "назва"),
    "district": ("district", "район"),
    "district_by_polygon": ("district_by_polygon",),
    "address": ("address", "адреса"),
    "lat": ("lat", "latitude", "широта"),
    "lon": ("lon", "lng", "longitude", "довгота"),
    "coord_text": ("source_coord_text", "координати укриття"),
    "shelter_type": ("shelter_type", "тип укриття"),
    "shelter_kind": ("shelter_kind", "вид укриття"),
    "building_type": ("building_type", "тип будівлі"),
    "owner": ("owner", "власник"),
    "ownership": ("ownership", "форма власності"),
    "phone": ("keys_phone", "phone", "№ телефону місця знаходження ключів", "№ телефону"),
    "ramp": ("ramp_accessibility",),
    "working_hours": ("working_hours", "режим роботи"),
}
# The city's ramp column has a long header ("Наявність пристосування … (пандусу)"): matched by prefix.
_RAMP_PREFIX = "наявність пристосування"

_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}

METRO_FORMAT = "metro"
CITY_FORMAT = "city"


class UnreadableFile(ValueError):
    """The file is not a shelter CSV or GeoJSON at all (as opposed to a file with bad rows)."""


@dataclass(slots=True)
class RawRow:
    """One row or feature as found: `number` counts data rows from 1 (the header is not a row)."""

    number: int
    values: dict[str, str]
    # From a GeoJSON geometry: (lon, lat) as given, or a description of what was there instead.
    geometry: tuple[Any, Any] | None = None
    geometry_problem: str = ""


@dataclass
class ParsedFile:
    """A readable file: its format, and its rows, produced lazily and only once.

    Rows are made as they are read, so that a large import never holds every raw row at once.
    `expected_rows` is for progress bars (a CSV's line count; exact for GeoJSON).
    """

    format: str  # CITY_FORMAT or METRO_FORMAT
    kind: str  # "csv" or "geojson"
    rows: Iterator[RawRow]
    expected_rows: int


@functools.lru_cache(maxsize=1024)
def canonical(header: str) -> str | None:
    key = " ".join(header.replace("\ufeff", "").split()).lower()
    if key in _LOOKUP:
        return _LOOKUP[key]
    if key.startswith(_RAMP_PREFIX):
        return "ramp"
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rename(mapping: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for header, value in mapping.items():
        if header is None:
            continue
        name = canonical(str(header))
        if name is not None and name not in values:
            values[name] = _text(value)
    return values


def _file_format(names: set[str]) -> str:
    if "name" in names and "shelter_kind" not in names and "address" not in names:
        return METRO_FORMAT
    return CITY_FORMAT


def read_csv(data: bytes) -> ParsedFile:
    # Decoded as it is read: a decoded copy of a 35 MB file would double the peak memory.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.DictReader(stream)
    try:
        fieldnames = reader.fieldnames
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(f"the CSV file is not UTF-8 text: {exc}") from None
    if not fieldnames:
        raise UnreadableFile("the CSV file is empty")
    names = {name for name in (canonical(header) for header in fieldnames) if name}
    if not names & {"address", "name"}:
        raise UnreadableFile(f"no address or name column among {', '.join(fieldnames)}")

    def rows() -> Iterator[RawRow]:
        try:
            for index, row in enumerate(reader, start=1):
                yield RawRow(number=index, values=_rename(row))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFile(f"the CSV file is broken after row {reader.line_num}: {exc}") from None

    return ParsedFile(format=_file_format(names), kind="csv", rows=rows(), expected_rows=max(data.count(b"\n") - 1, 1))


def _geometry(feature: dict[str, Any]) -> tuple[tuple[Any, Any] | None, str]:
    geometry = feature.get("geometry")
    if not geometry:
        return None, ""
    if not isinstance(geometry, dict):
        return None, "geometry is not an object"
    coordinates = geometry.get("coordinates")
    kind = geometry.get("type")
    if kind == "MultiPoint" and isinstance(coordinates, list) and len(coordinates) == 1:
        kind, coordinates = "Point", coordinates[0]
    if kind != "Point":
        return None, f"geometry is a {kind}, not a Point"
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None, f"Point coordinates {coordinates!r} are not a pair"
    return (coordinates[0], coordinates[1]), ""


def read_geojson(data: bytes) -> ParsedFile:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(f"not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise UnreadableFile("not a GeoJSON FeatureCollection")
    features: list[Any] = document["features"]
    names: set[str] = set()
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            names.update(name for name in (canonical(str(key)) for key in properties) if name)

    def rows() -> Iterator[RawRow]:
        for index, feature in enumerate(features, start=1):
            if not isinstance(feature, dict):
                yield RawRow(number=index, values={}, geometry_problem="the feature is not an object")
                continue
            properties = feature.get("properties") or {}
            values = _rename(properties if isinstance(properties, dict) else {})
            if not values.get("id") and feature.get("id") is not None:
                values["id"] = _text(feature["id"])
            point, problem = _geometry(feature)
            yield RawRow(number=index, values=values, geometry=point, geometry_problem=problem)

    return ParsedFile(format=_file_format(names), kind="geojson", rows=rows(), expected_rows=len(features))


def read_bytes(data: bytes, *, name: str = "") -> ParsedFile:
    """Parse by file name (`.geojson`/`.json`, `.csv`), or by content when the name says nothing."""
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    if suffix in (".geojson", ".json") or (suffix != ".csv" and data.lstrip()[:1] == b"{"):
        return read_geojson(data)
    return read_csv(data)
