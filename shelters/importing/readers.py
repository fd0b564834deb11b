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

Before any row is parsed, `inspect_file` checks the bytes in one pass of 1 MB chunks (size limit, file
type, UTF-8, line lengths) and refuses a file that is not a shelter list with the reason. Files are
streamed, never read whole: CSV through the csv module, GeoJSON event by event (ijson).

Readers only rename columns and keep the text as found; `clean.py` decides what it means.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import ijson

from kyivguide.textfiles import not_utf8_message

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
    facts: FileFacts = field(default_factory=lambda: FileFacts())


# --- checking the bytes before parsing -------------------------------------------------------------------

CHUNK_BYTES = 1 << 20
# The city's rows are a few hundred bytes; a line this long is not a shelter row (and the csv module
# would hold it whole in memory).
MAX_CSV_LINE_BYTES = 64 * 1024
# Files people upload by mistake, by their first bytes.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .ods spreadsheet is one too: export the sheet as CSV UTF-8)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls or .doc: export the sheet as CSV UTF-8)"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
_BOM = codecs.BOM_UTF8


@dataclass(slots=True)
class FileFacts:
    """What one pass over the raw bytes found (inspect_file)."""

    size: int = 0
    sha256: str = ""
    lines: int = 0  # newline characters
    longest_line: int = 0  # bytes
    longest_line_number: int = 0
    text_start: int = 0  # after a byte-order mark and leading white space
    first_char: bytes = b""


def inspect_file(stream: IO[bytes], *, max_bytes: int | None = None) -> FileFacts:
    """One pass in chunks over a seekable stream: size cap, type, UTF-8, line lengths and the SHA-256.

    Raises UnreadableFile naming the problem (with the byte and line where there is one). Memory stays
    at one chunk whatever the file's size.
    """
    facts = FileFacts()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    current_line = 0  # bytes of the line not yet ended
    stream.seek(0)
    while True:
        chunk = stream.read(CHUNK_BYTES)
        if facts.size == 0:
            _check_signature(chunk)
        if max_bytes is not None and facts.size + len(chunk) > max_bytes:
            raise UnreadableFile(
                f"the file is larger than the import limit of {max_bytes / 2**20:g} MB (SHELTERS_IMPORT_MAX_MB)"
            )
        nul = chunk.find(b"\0")
        if nul >= 0:
            line = facts.lines + chunk.count(b"\n", 0, nul) + 1
            raise UnreadableFile(
                f"binary data, not a CSV or GeoJSON text file (a NUL byte at line {line}, byte {facts.size + nul:,})"
            )
        buffered = decoder.getstate()[0]
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            line = facts.lines + exc.object.count(b"\n", 0, exc.start) + 1
            raise UnreadableFile(
                not_utf8_message(exc, offset=facts.size - len(buffered) + exc.start, line=line)
            ) from None
        if not chunk:
            break
        digest.update(chunk)
        if not facts.first_char:
            stripped = chunk.removeprefix(_BOM) if facts.size == 0 else chunk
            content = stripped.lstrip()
            if content:
                facts.first_char = content[:1]
                facts.text_start = facts.size + len(chunk) - len(content)
        lengths = [len(part) for part in chunk.split(b"\n")]
        lengths[0] += current_line
        longest = max(lengths[:-1], default=0)
        if longest > facts.longest_line:
            facts.longest_line, facts.longest_line_number = longest, facts.lines + lengths.index(longest) + 1
        current_line = lengths[-1]
        facts.lines += len(lengths) - 1
        facts.size += len(chunk)
    if current_line > facts.longest_line:
        facts.longest_line, facts.longest_line_number = current_line, facts.lines + 1
    if not facts.first_char:
        raise UnreadableFile("the file is empty")
    facts.sha256 = digest.hexdigest()
    return facts


def _check_signature(head: bytes) -> None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("the file is UTF-16 text, not UTF-8: save it as UTF-8 and import it again")
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise UnreadableFile(f"the file is {what}, not a CSV or GeoJSON file")


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


def read_csv(stream: IO[bytes], facts: FileFacts) -> ParsedFile:
    """Read a checked (inspect_file) CSV stream from its start; rows are decoded as they are read."""
    if facts.longest_line > MAX_CSV_LINE_BYTES:
        raise UnreadableFile(
            f"line {facts.longest_line_number} is {facts.longest_line:,} bytes long (a shelter CSV's lines are "
            f"under {MAX_CSV_LINE_BYTES:,}): not a shelter CSV"
        )
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV header cannot be read: {exc}") from None
    if not fieldnames:
        raise UnreadableFile("the CSV file is empty")
    names = {name for name in (canonical(header) for header in fieldnames) if name}
    if not names & {"address", "name"}:
        raise UnreadableFile(f"no address or name column among {_some(fieldnames)}")

    def rows() -> Iterator[RawRow]:
        try:
            for index, row in enumerate(reader, start=1):
                yield RawRow(number=index, values=_rename(row))
        except csv.Error as exc:
            raise UnreadableFile(f"the CSV file is broken at line {reader.line_num}: {exc}") from None

    return ParsedFile(format=_file_format(names), kind="csv", rows=rows(), expected_rows=max(facts.lines - 1, 1))


def _some(headers: Sequence[str], shown: int = 12) -> str:
    """The first few column names, each cut short: a garbage header can be a whole file long."""
    listed = ", ".join(header[:40] for header in headers[:shown])
    return listed + (f" and {len(headers) - shown} more" if len(headers) > shown else "")


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


def _geojson_outline(stream: IO[bytes]) -> tuple[int, set[str]]:
    """First pass over a GeoJSON stream, event by event: (number of features, canonical property names).

    Nothing is built: a FeatureCollection of a million features costs no more memory than one.
    """
    events = ijson.parse(stream)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        raise UnreadableFile("not a GeoJSON FeatureCollection (the document is not a JSON object)")
    has_features = False
    features = 0
    names: set[str] = set()
    for prefix, event, value in events:
        if prefix == "features" and event == "start_array":
            has_features = True
        elif prefix == "features.item" and event not in ("end_map", "end_array", "map_key"):
            features += 1
        elif prefix == "features.item.properties" and event == "map_key":
            name = canonical(str(value))
            if name:
                names.add(name)
    if not has_features:
        raise UnreadableFile("not a GeoJSON FeatureCollection (no list of 'features')")
    return features, names


def read_geojson(stream: IO[bytes], facts: FileFacts) -> ParsedFile:
    """Read a checked (inspect_file) GeoJSON stream: one pass for its outline, a second for its features."""
    start = stream.tell()
    try:
        count, names = _geojson_outline(stream)
    except ijson.JSONError as exc:
        raise UnreadableFile(f"not valid JSON: {str(exc)[:200]}") from None
    if count and not names & {"address", "name"}:
        raise UnreadableFile(f"no address or name property in any of the {count:,} features")

    def rows() -> Iterator[RawRow]:
        stream.seek(start)
        features = ijson.items(stream, "features.item", use_float=True)
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

    return ParsedFile(format=_file_format(names), kind="geojson", rows=rows(), expected_rows=count)


def read_stream(stream: IO[bytes], *, name: str = "", max_bytes: int | None = None) -> ParsedFile:
    """Check a seekable binary stream (inspect_file), then parse it by file name (`.geojson`/`.json`,
    `.csv`), or by content when the name says nothing. The stream must stay open while rows are read."""
    facts = inspect_file(stream, max_bytes=max_bytes)
    stream.seek(facts.text_start)
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    if suffix in (".geojson", ".json") or (suffix != ".csv" and facts.first_char == b"{"):
        parsed = read_geojson(stream, facts)
    else:
        stream.seek(0)
        parsed = read_csv(stream, facts)
    parsed.facts = facts
    return parsed


def read_bytes(data: bytes, *, name: str = "", max_bytes: int | None = None) -> ParsedFile:
    return read_stream(io.BytesIO(data), name=name, max_bytes=max_bytes)
