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
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
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


@dataclass
class RawRow:
    """One row or feature as found: `number` counts data rows from 1 (the header is not a row)."""

    number: int
    values: dict[str, str]
    # From a GeoJSON geometry: (lon, lat) as given, or a description of what was there instead.
    geometry: tuple[Any, Any] | None = None
    geometry_problem: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedFile:
    format: str  # CITY_FORMAT or METRO_FORMAT
    kind: str  # "csv" or "geojson"
    rows: list[RawRow]


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


def read_csv(text: str) -> ParsedFile:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise UnreadableFile("the CSV file is empty")
    names = {canonical(h) for h in reader.fieldnames} - {None}
    if not names & {"address", "name"}:
        raise UnreadableFile(f"no address or name column among {', '.join(reader.fieldnames)}")
    rows = [RawRow(number=index, values=_rename(row)) for index, row in enumerate(reader, start=1)]
    return ParsedFile(format=_file_format({n for n in names if n}), kind="csv", rows=rows)


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
    rows: list[RawRow] = []
    names: set[str] = set()
    for index, feature in enumerate(document["features"], start=1):
        if not isinstance(feature, dict):
            rows.append(RawRow(number=index, values={}, geometry_problem="the feature is not an object"))
            continue
        properties = feature.get("properties") or {}
        values = _rename(properties if isinstance(properties, dict) else {})
        if not values.get("id") and feature.get("id") is not None:
            values["id"] = _text(feature["id"])
        names.update(values)
        point, problem = _geometry(feature)
        rows.append(RawRow(number=index, values=values, geometry=point, geometry_problem=problem))
    return ParsedFile(format=_file_format(names), kind="geojson", rows=rows)


def read_bytes(data: bytes, *, name: str = "") -> ParsedFile:
    """Parse by file name (`.geojson`/`.json`, `.csv`), or by content when the name says nothing."""
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    if suffix in (".geojson", ".json") or (suffix != ".csv" and data.lstrip()[:1] == b"{"):
        return read_geojson(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"the CSV file is not UTF-8: {exc}") from None
    return read_csv(text)


def read_path(path: Path) -> ParsedFile:
    return read_bytes(path.read_bytes(), name=path.name)


def iter_values(parsed: ParsedFile) -> Iterator[dict[str, str]]:
    for row in parsed.rows:
        yield row.values
