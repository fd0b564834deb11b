"""Reads of alert regions: lookup, ancestor chains, point-in-polygon location."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict

import orjson
import redis
from django.contrib.gis.geos import GEOSGeometry
from django.db import DatabaseError
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from alerts.models import Region
from alerts.region_ids import KYIV_CITY_UID, region_uid_canonical
from kyivguide import local_cache
from kyivguide.local_cache import Versioned
from kyivguide.redis import get_redis, key

logger = logging.getLogger(__name__)

DEFAULT_REGION_UID = KYIV_CITY_UID
# Raions, then hromadas, are more specific than oblasts and cities with oblast status.
_DEPTH = {Region.Kind.OBLAST: 0, Region.Kind.CITY: 0, Region.Kind.RAION: 1, Region.Kind.HROMADA: 2}


class RegionBrief(TypedDict):
    uid: int
    name_uk: str
    name_en: str
    kind: str
    parent: int | None


def brief(region: Region) -> RegionBrief:
    return {
        "uid": region.uid,
        "name_uk": region.name_uk,
        "name_en": region.name_en or region.name_uk,
        "kind": region.kind,
        "parent": region.parent_id,
    }


def region_get(*, uid: int) -> Region | None:
    """The region with this location id (Crimea's 9999 is 29), or None."""
    return Region.objects.defer("geometry").filter(uid=region_uid_canonical(uid)).first()


def region_exists(*, uid: int) -> bool:
    """Whether a region has exactly this id (no alias: 9999 is not a stored id)."""
    return Region.objects.filter(uid=uid).exists()


def region_boundary(*, uid: int) -> GEOSGeometry | None:
    return Region.objects.filter(uid=uid).values_list("geometry", flat=True).first()


def regions_stamp() -> tuple[int, datetime | None]:
    """How many regions there are and when the last one changed: the list's validator."""
    return Region.objects.count(), Region.objects.aggregate(last=Max("updated_at"))["last"]


_KIND_ORDER = Case(
    When(kind__in=[Region.Kind.CITY, Region.Kind.OBLAST], then=Value(0)),
    When(kind=Region.Kind.RAION, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


_NAME_MAX_LENGTH = Region._meta.get_field("name").max_length or 0
_MAX_OFFSET = 2**63 - 1


def regions_search(*, term: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """One page of the regions whose name (or id, for digits) matches `term`, and whether more follow.

    Oblasts and cities first, then raions, then hromadas, each by name; rows are
    `{uid, name_uk, kind, parent__name_uk}`.
    """
    # No name is longer than its column or holds a NUL (which PostgreSQL refuses in a query), and no
    # page starts past the largest OFFSET it takes: such input matches nothing rather than failing.
    if len(term) > _NAME_MAX_LENGTH or "\x00" in term or offset > _MAX_OFFSET:
        return [], False
    regions: QuerySet[Region] = Region.objects.all()
    if term:
        match = Q(name_uk__icontains=term) | Q(name_en__icontains=term)
        # ASCII only: str.isdigit() also accepts superscripts and the like, which int() refuses.
        if term.isascii() and term.isdigit():
            match |= Q(uid=int(term))
        regions = regions.filter(match)
    rows = list(
        regions.annotate(kind_order=_KIND_ORDER)
        .order_by("kind_order", "name_uk", "uid")
        .values("uid", "name_uk", "kind", "parent__name_uk")[offset : offset + limit + 1]
    )
    return rows[:limit], len(rows) > limit


def region_chain(*, region: Region) -> list[RegionBrief]:
    """The region and its ancestors, most specific first (hromada → raion → oblast)."""
    chain = [brief(region)]
    seen = {region.uid}
    parent_id = region.parent_id
    while parent_id is not None and parent_id not in seen:
        parent = Region.objects.defer("geometry").get(uid=parent_id)
        chain.append(brief(parent))
        seen.add(parent.uid)
        parent_id = parent.parent_id
    return chain


# --- The regions as a copy in Redis, for when the database is away ----------------------------------------
#
# The status snapshot names only the regions under alert. To say "clear" or "unknown" for any other region,
# or to name a region at all, a reader needs the regions' names and parents: a directory of every region,
# published to Redis beside the snapshot (alerts.services.status) and read only while PostgreSQL cannot
# be reached. 1,622 regions take ~100 KB.

DirectoryEntry = tuple[str, str, str, int | None]  # name_uk, name_en, kind, parent


def regions_directory_key() -> str:
    return key("status", "regions")


def regions_directory_stamp() -> str:
    """What the directory is made from: the regions' count and last change."""
    count, changed = regions_stamp()
    return f"{count}:{changed.isoformat() if changed else ''}"


def regions_directory_build() -> dict[str, Any]:
    """{"stamp": …, "regions": {uid: (name_uk, name_en, kind, parent)}} from the database."""
    rows = Region.objects.values_list("uid", "name_uk", "name_en", "kind", "parent_id")
    return {
        "stamp": regions_directory_stamp(),
        "regions": {str(uid): (uk, en or uk, kind, parent) for uid, uk, en, kind, parent in rows},
    }


def _directory_read() -> dict[str, DirectoryEntry]:
    """The published directory; a DatabaseError when there is none, so the caller fails as the database did."""
    try:
        raw = get_redis().get(regions_directory_key())
    except redis.RedisError as exc:
        raise DatabaseError(f"database unavailable and no regions in Redis either ({exc})") from exc
    if not isinstance(raw, bytes):
        raise DatabaseError("database unavailable and no regions published to Redis")
    regions: dict[str, DirectoryEntry] = orjson.loads(raw)["regions"]
    return regions


def _brief_from_directory(uid: int, entry: DirectoryEntry) -> RegionBrief:
    name_uk, name_en, kind, parent = entry
    return {"uid": uid, "name_uk": name_uk, "name_en": name_en, "kind": kind, "parent": parent}


def region_chain_by_uid(*, uid: int) -> list[RegionBrief] | None:
    """The chain of the region with this id (itself first), or None when there is no such region.

    From the database; while it cannot be reached, from the directory published to Redis, so that the
    status of any region keeps answering from the snapshot. A DatabaseError when neither has it.
    """
    try:
        region = region_get(uid=uid)
        return None if region is None else region_chain(region=region)
    except DatabaseError as exc:
        logger.warning("regions: database unavailable (%s); reading the copy in Redis", type(exc).__name__)
    directory = _directory_read()
    chain: list[RegionBrief] = []
    current: int | None = region_uid_canonical(uid)
    while current is not None and str(current) in directory and all(entry["uid"] != current for entry in chain):
        chain.append(_brief_from_directory(current, directory[str(current)]))
        current = chain[-1]["parent"]
    return chain or None


def region_chain_uids(*, uid: int) -> list[int] | None:
    """[uid, parent, grandparent…] of the region with this id, or None when there is none."""
    region = region_get(uid=uid)
    return None if region is None else [entry["uid"] for entry in region_chain(region=region)]


def regions_list(*, kind: str | None = None, parent: int | None = None) -> QuerySet[Region, Any]:
    regions = Region.objects.all()
    if kind is not None:
        regions = regions.filter(kind=kind)
    if parent is not None:
        regions = regions.filter(parent_id=parent)
    return regions.order_by("uid").values("uid", "name_uk", "name_en", "kind", "parent_id")


def region_children(*, region: Region) -> list[RegionBrief]:
    return [brief(child) for child in region.children.defer("geometry").order_by("name_uk")]


# The picker's options change only when regions are imported; the home page (the page everybody
# opens when the sirens start) takes them, already written as HTML, from memory, checking only that
# the regions have not changed since (one aggregate query instead of 150 rows and their rendering).
_picker: Versioned[str] = local_cache.REGION_PICKER


def regions_picker_options(*, language: str, selected: int) -> SafeString:
    """<optgroup>s of oblasts and cities (Kyiv first), each with its raions; `selected` is marked.

    Hromadas are too many for a list: people find them with "use my location".
    """
    try:
        version = Region.objects.aggregate(count=Count("uid"), changed=Max("updated_at"))
        html = _picker.get((version["count"], version["changed"]), lambda: _picker_html(language), slot=language)
    except DatabaseError:
        # The database is away: the options as published to Redis (the picker still works: its
        # choices are read from the same copy).
        directory = _directory_read()
        rows = [(int(uid), *entry) for uid, entry in directory.items() if entry[2] in _PICKER_KINDS]
        html = _picker.get(("directory", len(rows)), lambda: _picker_rows_html(language, rows), slot=language)
    marker = f'<option value="{selected}">'
    return mark_safe(html.replace(marker, f'<option value="{selected}" selected>', 1))  # noqa: S308


_PICKER_KINDS = (Region.Kind.OBLAST, Region.Kind.CITY, Region.Kind.RAION)


def _picker_html(language: str) -> str:
    rows = Region.objects.filter(kind__in=_PICKER_KINDS).values_list("uid", "name_uk", "name_en", "kind", "parent_id")
    return _picker_rows_html(language, rows)


def _picker_rows_html(language: str, rows: Iterable[tuple[int, str, str, str, int | None]]) -> str:
    tops: dict[int, str] = {}
    raions: dict[int, list[tuple[str, int]]] = {}
    for uid, name_uk, name_en, kind, parent in rows:
        name = (name_en or name_uk) if language == "en" else name_uk
        if kind == Region.Kind.RAION and parent is not None:
            raions.setdefault(parent, []).append((name, uid))
        elif parent is None:
            tops[uid] = name
    groups = []
    for uid, name in sorted(tops.items(), key=lambda top: (top[0] != KYIV_CITY_UID, top[1])):
        options = format_html('<option value="{}">{}</option>', uid, name) + format_html_join(
            "", '<option value="{}">— {}</option>', ((r_uid, r_name) for r_name, r_uid in sorted(raions.get(uid, [])))
        )
        groups.append(format_html('<optgroup label="{}">{}</optgroup>', name, options))
    return "\n".join(groups)
