"""Loading the alert regions: the id hierarchy, current names and boundary polygons.

Sources, in order of authority (all in SEED_DATA_DIR/boundaries, see ../shared/data/README.md):
- `alert_regions_hierarchy.json`: every oblast → raion → hromada id (the skeleton);
- `location_uids_official_python_client.json`: names from the official alerts.in.ua client, which
  know the raions renamed since (e.g. 43 Новомосковський → Самарівський) and a few ids the
  hierarchy lacks (29 Crimea, 30 Sevastopol, Luhansk raions 1801–1804);
- `locations_uid_table_php_client.json`: a third-party table, used only for the parent and kind of
  ids found in neither of the above (its "city" ids are unverified and skipped);
- GeoJSON files whose features carry the uid: polygons (the finer one wins) and English names; the
  raion and hromada polygons (`raions.geojson`, `hromadas.geojson`: © slawomirmatuszak/ukrainian_geodata,
  CC BY 4.0) have gaps and overlaps between neighbours, which `regions_locate` allows for.

A feature's uid is checked against its Ukrainian name: the oblast file has the ids of Vinnytsia (4)
and Volyn (8) swapped, so a feature whose name belongs to another region is attached by name (and
reported), and one that matches nothing is skipped rather than attached to a wrong region.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction

from alerts.models import Region
from alerts.region_ids import region_uid_canonical
from kyivguide.textfiles import not_utf8_message
from kyivguide.translit import transliterate

logger = logging.getLogger(__name__)

HIERARCHY_FILE = "boundaries/alert_regions_hierarchy.json"
OFFICIAL_NAMES_FILE = "boundaries/location_uids_official_python_client.json"
UID_TABLE_FILE = "boundaries/locations_uid_table_php_client.json"
GEOJSON_FILES = (
    "boundaries/ukraine_oblasts_alerts_in_ua.geojson",
    "boundaries/kyiv_city_boundary.geojson",
    # Every raion and hromada of the hierarchy (coarse: see ../shared/data/README.md, and `regions_locate`).
    "boundaries/raions.geojson",
    "boundaries/hromadas.geojson",
)
UID_PROPERTIES = ("alerts_in_ua_location_uid", "location_uid", "uid", "regionId")
# The largest file here is 3.6 MB (hromadas.geojson); json holds a file whole, about 10× its size.
MAX_FILE_BYTES = 20 * 1024 * 1024


class RegionImportError(Exception):
    """The region files are missing or not in the expected shape; nothing was written."""


@dataclass
class _Row:
    uid: int
    name_uk: str
    kind: str
    parent: int | None
    name_en: str | None = None
    geometry: MultiPolygon | None = None
    geometry_vertices: int = 0
    # Earlier names (the hierarchy's, before a rename): files that follow the hierarchy still use them.
    former_names: list[str] = field(default_factory=list)

    def is_named(self, name: str) -> bool:
        return _comparable(name) in {_comparable(n) for n in [self.name_uk, *self.former_names]}


@dataclass
class RegionImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    with_geometry: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _normalise_apostrophes(text: str) -> str:
    return text.replace("'", "’").replace("ʼ", "’").replace("`", "’")


def _comparable(name: str) -> str:
    """A name reduced for matching: apostrophes unified, the city prefix "м. " dropped, lower case."""
    text = _normalise_apostrophes(name).strip().lower()
    return text.removeprefix("м. ").strip()


def _read_json(path: Path) -> Any:
    """A region file's JSON, refused by its size before it is read (json holds it whole in memory)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RegionImportError(
                f"{path} is {size / 2**20:.1f} MB, larger than a region file may be ({MAX_FILE_BYTES // 2**20} MB)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise RegionImportError(f"{path} does not exist") from None
    except OSError as exc:
        raise RegionImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RegionImportError(f"{path}: {not_utf8_message(exc, offset=exc.start, line=line)}") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise RegionImportError(f"{path} is not valid JSON: {str(exc)[:200]}") from None


@contextmanager
def _reading(path: Path | None) -> Iterator[None]:
    """A file of the wrong shape (a list where an object belongs, a name where an id does) is refused
    with its name, as RegionImportError: nothing is written (the import is one transaction)."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise RegionImportError(f"{path}: unexpected content ({type(exc).__name__}: {str(exc)[:200]})") from None


def _top_kind(name: str) -> str:
    return Region.Kind.CITY if name.startswith("м. ") else Region.Kind.OBLAST


def _rows_from_hierarchy(data: Any, source: Path) -> dict[int, _Row]:
    if not isinstance(data, dict) or not isinstance(data.get("states"), list):
        raise RegionImportError(f"{source}: expected an object with a list of 'states'")
    rows: dict[int, _Row] = {}
    try:
        for state in data["states"]:
            state_uid = int(state["stateId"])
            rows[state_uid] = _Row(state_uid, state["stateName"].strip(), _top_kind(state["stateName"]), None)
            for district in state.get("districts") or []:
                district_uid = int(district["districtId"])
                rows[district_uid] = _Row(district_uid, district["districtName"].strip(), Region.Kind.RAION, state_uid)
                for community in district.get("communities") or []:
                    uid = int(community["communityId"])
                    rows[uid] = _Row(uid, community["communityName"].strip(), Region.Kind.HROMADA, district_uid)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RegionImportError(f"{source}: unexpected entry ({type(exc).__name__}: {exc})") from None
    return rows


def _apply_official_names(rows: dict[int, _Row], names: Any, uid_table: Any, warnings: list[str]) -> None:
    if not isinstance(names, dict):
        raise RegionImportError("the official names file must map ids to names")
    table = uid_table if isinstance(uid_table, dict) else {}
    for raw_uid, raw_name in names.items():
        uid, name = int(raw_uid), str(raw_name).strip()
        if uid in rows:
            # A real rename replaces the old name; a difference in apostrophes alone does not.
            if _comparable(rows[uid].name_uk) != _comparable(name):
                rows[uid].former_names.append(rows[uid].name_uk)
                rows[uid].name_uk = name
            continue
        entry = table.get(str(uid))
        if entry is None:
            warnings.append(f"id {uid} ({name}) has no known place in the hierarchy; skipped")
            continue
        _add_from_table(rows, uid, name, entry, warnings)


def _add_from_table(rows: dict[int, _Row], uid: int, name: str, entry: dict[str, Any], warnings: list[str]) -> None:
    kind = entry.get("type")
    if kind in ("standalone", "oblast"):
        rows[uid] = _Row(uid, name, _top_kind(name), None)
    elif kind == "district" and entry.get("oblast_id") is not None:
        rows[uid] = _Row(uid, name, Region.Kind.RAION, int(entry["oblast_id"]))
    elif kind == "hromada" and entry.get("district_id") is not None:
        rows[uid] = _Row(uid, name, Region.Kind.HROMADA, int(entry["district_id"]))
    else:
        warnings.append(f"id {uid} ({name}) of type {kind!r} skipped")


def _add_missing_from_table(rows: dict[int, _Row], uid_table: Any, warnings: list[str]) -> None:
    if not isinstance(uid_table, dict):
        raise RegionImportError("the uid table must map ids to entries")
    # Parents first, so that a hromada never points at a raion that is not there.
    order = {"standalone": 0, "oblast": 0, "district": 1, "hromada": 2}
    entries = sorted(
        ((int(k), v) for k, v in uid_table.items() if isinstance(v, dict) and v.get("type") in order),
        key=lambda item: order[item[1]["type"]],
    )
    for uid, entry in entries:
        if uid not in rows:
            _add_from_table(rows, uid, str(entry.get("name", "")).strip(), entry, warnings)


def _as_multipolygon(geometry: GEOSGeometry) -> MultiPolygon | None:
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon(geometry, srid=4326)
    return None


def _apply_geojson(rows: dict[int, _Row], data: Any, source: Path, warnings: list[str]) -> None:
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise RegionImportError(f"{source}: expected a GeoJSON FeatureCollection")
    by_name: dict[str, list[int]] = {}
    for row in rows.values():
        by_name.setdefault(_comparable(row.name_uk), []).append(row.uid)
    for index, feature in enumerate(features):
        properties = (feature.get("properties") or {}) if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            warnings.append(f"{source.name} feature {index}: not a feature with properties; skipped")
            continue
        raw_uid = next((properties[k] for k in UID_PROPERTIES if properties.get(k) not in (None, "")), None)
        if raw_uid is None:
            continue
        try:
            uid = region_uid_canonical(int(raw_uid))
        except (TypeError, ValueError):
            warnings.append(f"{source.name} feature {index}: uid {raw_uid!r} is not a number; skipped")
            continue
        name_uk = str(properties.get("name_uk") or "").strip()
        if name_uk and uid in rows and not rows[uid].is_named(name_uk):
            matches = by_name.get(_comparable(name_uk), [])
            if len(matches) != 1:
                warnings.append(
                    f"{source.name} feature {index}: uid {uid} is {rows[uid].name_uk!r} but the feature is "
                    f"named {name_uk!r}; skipped"
                )
                continue
            warnings.append(
                f"{source.name} feature {index}: uid {uid} is {rows[uid].name_uk!r} but the feature is named "
                f"{name_uk!r}; attached to {matches[0]} by its name"
            )
            uid = matches[0]
        if uid not in rows:
            warnings.append(f"{source.name} feature {index}: unknown uid {uid}; skipped")
            continue
        row = rows[uid]
        if properties.get("name_en"):
            row.name_en = str(properties["name_en"]).strip()
        try:
            geometry = GEOSGeometry(json.dumps(feature.get("geometry")), srid=4326)
        except (GEOSException, ValueError, TypeError) as exc:
            warnings.append(f"{source.name} feature {index}: invalid geometry ({exc}); skipped")
            continue
        if isinstance(geometry, (Polygon, MultiPolygon)) and not geometry.valid:
            reason = geometry.valid_reason
            geometry = GEOSGeometry.make_valid(geometry)  # type: ignore[attr-defined]
            warnings.append(f"{source.name} feature {index} (uid {uid}): repaired an invalid polygon ({reason})")
        multi = _as_multipolygon(geometry)
        if multi is None:
            warnings.append(f"{source.name} feature {index}: not a polygon ({geometry.geom_type}); skipped")
            continue
        # The finer polygon wins, whichever file it came from.
        if multi.num_coords > row.geometry_vertices:
            row.geometry, row.geometry_vertices = multi, multi.num_coords


def _carve_enclaves(rows: dict[int, _Row]) -> None:
    """Top-level regions must not overlap: an enclave (Kyiv inside Kyiv oblast) keeps its own land.

    The coarse oblast polygon leaves a rough hole for Kyiv while the city boundary is fine, so a
    point near the city edge could fall in both or in neither. The oblast gets its holes that touch
    an enclave filled in, minus the enclave's own polygon.
    """
    top = [row for row in rows.values() if row.parent is None and row.geometry is not None]
    for outer in top:
        assert outer.geometry is not None
        enclaves = [
            inner
            for inner in top
            if inner is not outer
            and inner.geometry is not None
            and inner.geometry.area < outer.geometry.area
            and _filled(outer.geometry, None).contains(inner.geometry.point_on_surface)
        ]
        if not enclaves:
            continue
        enclave_union: Any = enclaves[0].geometry
        for inner in enclaves[1:]:
            enclave_union = enclave_union.union(inner.geometry)
        carved = _filled(outer.geometry, enclave_union).difference(enclave_union)
        multi = _as_multipolygon(carved)
        if multi is not None:
            outer.geometry = multi


def _filled(geometry: MultiPolygon, touching: GEOSGeometry | None) -> MultiPolygon:
    """The polygon with its holes filled: all of them, or only those that touch `touching`."""
    polygons = []
    polygon: Any
    for polygon in geometry:
        keep = [
            ring
            for ring in list(polygon)[1:]
            if touching is not None and not Polygon(ring, srid=4326).intersects(touching)
        ]
        polygons.append(Polygon(polygon.exterior_ring, *keep, srid=4326))
    return MultiPolygon(*polygons, srid=4326)


def _english_name(row: _Row) -> str:
    return row.name_en or transliterate(_normalise_apostrophes(row.name_uk))


def _same_geometry(a: GEOSGeometry | None, b: GEOSGeometry | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.equals_exact(b, tolerance=1e-9)


@transaction.atomic
def regions_import(
    *,
    hierarchy_path: Path,
    official_names_path: Path | None = None,
    uid_table_path: Path | None = None,
    geojson_paths: Sequence[Path] = (),
) -> RegionImportResult:
    """Create or update every region from the files; a second run with the same files changes nothing."""
    result = RegionImportResult()
    rows = _rows_from_hierarchy(_read_json(hierarchy_path), hierarchy_path)
    uid_table = _read_json(uid_table_path) if uid_table_path else None
    if official_names_path:
        with _reading(official_names_path):
            _apply_official_names(rows, _read_json(official_names_path), uid_table, result.warnings)
    if uid_table is not None:
        with _reading(uid_table_path):
            _add_missing_from_table(rows, uid_table, result.warnings)
    for path in geojson_paths:
        with _reading(path):
            _apply_geojson(rows, _read_json(path), path, result.warnings)
    _carve_enclaves(rows)

    existing = {region.uid: region for region in Region.objects.all()}
    to_create: list[Region] = []
    to_update: list[Region] = []
    # Parents are written before children (top level, then raions, then hromadas).
    depth = {Region.Kind.OBLAST: 0, Region.Kind.CITY: 0, Region.Kind.RAION: 1, Region.Kind.HROMADA: 2}
    for row in sorted(rows.values(), key=lambda r: (depth[Region.Kind(r.kind)], r.uid)):
        if row.parent is not None and row.parent not in rows:
            result.warnings.append(f"id {row.uid} ({row.name_uk}) has an unknown parent {row.parent}; skipped")
            continue
        values = {
            "name_uk": row.name_uk,
            "name_en": _english_name(row),
            "kind": row.kind,
            "parent_id": row.parent,
        }
        region = existing.get(row.uid)
        if region is None:
            to_create.append(Region(uid=row.uid, geometry=row.geometry, **values))
            continue
        changed = any(getattr(region, key) != value for key, value in values.items())
        # A region keeps a polygon it has when these files have none for it (it may come from elsewhere).
        if row.geometry is not None and not _same_geometry(region.geometry, row.geometry):
            region.geometry = row.geometry
            changed = True
        if changed:
            for key, value in values.items():
                setattr(region, key, value)
            to_update.append(region)
        else:
            result.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Region.objects.bulk_update(to_update, ["name_uk", "name_en", "kind", "parent", "geometry"], batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    result.with_geometry = Region.objects.filter(geometry__isnull=False).count()
    for warning in result.warnings:
        logger.debug("import_regions: %s", warning)
    return result


def regions_import_from_dir(*, data_dir: Path, extra_geojson: Iterable[Path] = ()) -> RegionImportResult:
    """Import from the standard file names under `data_dir` (the public data folder)."""
    optional = [data_dir / OFFICIAL_NAMES_FILE, data_dir / UID_TABLE_FILE]
    official, table = (path if path.exists() else None for path in optional)
    geojson = [data_dir / name for name in GEOJSON_FILES if (data_dir / name).exists()] + list(extra_geojson)
    return regions_import(
        hierarchy_path=data_dir / HIERARCHY_FILE,
        official_names_path=official,
        uid_table_path=table,
        geojson_paths=geojson,
    )
