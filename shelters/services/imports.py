"""Importing the city's shelter list (files, URLs, seed data).

An import (`shelters_import`) is one transaction per run, serialised per source by an advisory lock:
- rows are cleaned or rejected (importing/clean.py); duplicate rows of one building are merged;
- a row new to the source is created; a row whose content changed at the source, or that comes
  back after being deactivated, is updated; a row that did not change is left alone (its staff
  edits stay); a shelter of the source missing from the file is deactivated, never deleted;
- a shelter that staff deactivated stays off the map whatever the file says (its import-owned
  fields are still updated) until staff reactivate it;
- an import that would deactivate more than half of the source's active shelters is refused unless
  forced: a truncated download or the wrong file must not empty the map;
- `dry_run` runs everything and rolls back, so its counts are the real ones.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from shelters.importing.clean import CleanResult, ShelterRecord, clean_rows
from shelters.importing.readers import METRO_FORMAT, ParsedFile, UnreadableFile, read_stream
from shelters.models import Shelter, ShelterImport, ShelterStatus
from shelters.services.catalogue import shelter_catalogue_bump
from shelters.services.import_stations import merge_stations_listed_elsewhere
from shelters.services.import_summary import ImportFailed, ImportRefused, ImportSummary, log_import

logger = logging.getLogger(__name__)

# progress(phase, done, total): phase is "cleaning" or "writing".
Progress = Callable[[str, int, int], None]

# The import owns these fields; staff own status, verified_at, access_notes and capacity.
IMPORT_FIELDS = [
    "name",
    "name_uk",
    "name_en",
    "address",
    "address_uk",
    "address_en",
    "location",
    "kind",
    "protection",
    "district",
    "wheelchair_accessible",
    "opening_hours",
    "opens_at",
    "closes_at",
    "keys_phone",
    "owner",
    "ownership",
    "building_type",
]
BATCH_SIZE = 2000
DEFAULT_CITY_SOURCE = "kmda"
DEFAULT_METRO_SOURCE = "osm_metro"


def default_source(parsed: ParsedFile) -> str:
    return DEFAULT_METRO_SOURCE if parsed.format == METRO_FORMAT else DEFAULT_CITY_SOURCE


@dataclass(slots=True)
class _Plan:
    creates: list[tuple[ShelterRecord, str]] = field(default_factory=list)  # (record, import hash)
    # (id, record, import hash, listed after the update)
    updates: list[tuple[int, ShelterRecord, str, bool]] = field(default_factory=list)
    deactivate: list[int] = field(default_factory=list)


def _plan(cleaned: CleanResult, summary: ImportSummary, *, force: bool) -> _Plan:
    """Decide what to create, update and deactivate; raise ImportRefused before writing anything."""
    existing = {
        source_id: (pk, import_hash, active, by_staff)
        for pk, source_id, import_hash, active, by_staff in Shelter.objects.filter(source=summary.source).values_list(
            "id", "source_id", "import_hash", "is_active", "deactivated_by_staff"
        )
    }
    plan = _Plan()
    seen: set[str] = set()
    for record in cleaned.records:
        seen.add(record.source_id)
        import_hash = record.content_hash()
        known = existing.get(record.source_id)
        if known is None:
            plan.creates.append((record, import_hash))
            continue
        pk, known_hash, active, by_staff = known
        # A row back at its source is listed again, unless staff took the shelter off the map.
        if known_hash != import_hash or not (active or by_staff):
            plan.updates.append((pk, record, import_hash, not by_staff))
        else:
            summary.unchanged += 1
    plan.deactivate = [pk for source_id, (pk, _, active, _) in existing.items() if active and source_id not in seen]
    active_before = sum(1 for _, _, active, _ in existing.values() if active)
    if plan.deactivate and 2 * len(plan.deactivate) > active_before and not force:
        summary.outcome = ShelterImport.Outcome.REFUSED
        summary.message = (
            f"Refused: this file would deactivate {len(plan.deactivate)} of the {active_before} active shelters of "
            f"source {summary.source!r} (more than half). Check the file; use --force if it is right."
        )
        raise ImportRefused(summary)
    summary.created, summary.updated, summary.deactivated = len(plan.creates), len(plan.updates), len(plan.deactivate)
    return plan


def _import_values(record: ShelterRecord) -> dict[str, Any]:
    """The import-owned fields of a shelter, as the import writes them (see IMPORT_FIELDS)."""
    return {
        "name": record.name_uk,
        "name_uk": record.name_uk,
        "name_en": record.name_en,
        "address": record.address_uk,
        "address_uk": record.address_uk,
        "address_en": record.address_en,
        "location": f"SRID=4326;POINT({record.lon!r} {record.lat!r})",
        "kind": record.kind,
        "protection": record.protection,
        "district": record.district,
        "wheelchair_accessible": record.wheelchair_accessible,
        "opening_hours": record.opening_hours,
        "opens_at": record.opens_at,
        "closes_at": record.closes_at,
        "keys_phone": record.keys_phone,
        "owner": record.owner,
        "ownership": record.ownership,
        "building_type": record.building_type,
    }


# New shelters go in with COPY: 100,000 rows in a few seconds, without a model instance each.
_COPY_COLUMNS = [
    *IMPORT_FIELDS,
    "source",
    "source_id",
    "access_notes",
    "status",
    "is_active",
    "deactivated_by_staff",
    "import_hash",
    "created_at",
    "updated_at",
]
_COPY_SQL = f"COPY shelters_shelter ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
PROGRESS_EVERY = 5000


def _write(plan: _Plan, *, source: str, progress: Progress | None) -> None:
    total = len(plan.creates) + len(plan.updates) + len(plan.deactivate)
    now = timezone.now()
    done = 0
    if plan.creates:
        with connection.cursor() as cursor, cursor.copy(_COPY_SQL) as copy:
            for record, import_hash in plan.creates:
                values = _import_values(record)
                copy.write_row(
                    [values[name] for name in IMPORT_FIELDS]
                    + [source, record.source_id, "", ShelterStatus.UNVERIFIED, True, False, import_hash, now, now]
                )
                done += 1
                if progress and done % PROGRESS_EVERY == 0:
                    progress("writing", done, total)
    for start in range(0, len(plan.updates), BATCH_SIZE):
        batch = [
            Shelter(pk=pk, is_active=listed, import_hash=import_hash, updated_at=now, **_import_values(record))
            for pk, record, import_hash, listed in plan.updates[start : start + BATCH_SIZE]
        ]
        Shelter.objects.bulk_update(batch, [*IMPORT_FIELDS, "is_active", "import_hash", "updated_at"])
        done += len(batch)
        if progress:
            progress("writing", done, total)
    if plan.deactivate:
        Shelter.objects.filter(id__in=plan.deactivate).update(is_active=False, updated_at=now)
        done += len(plan.deactivate)
    if progress and total:
        progress("writing", total, total)


def shelters_import(
    *,
    parsed: ParsedFile,
    source: str,
    origin: str,
    sha256: str = "",
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one parsed file into `source`. Raises ImportRefused (after logging it) when refused.

    The parsed rows are read once, as they are cleaned (see readers.ParsedFile).
    """
    started_at = timezone.now()
    try:
        cleaned = clean_rows(
            parsed.rows,
            file_format=parsed.format,
            expected_rows=parsed.expected_rows,
            progress=(lambda done, total: progress("cleaning", done, total)) if progress else None,
            max_rejected=settings.SHELTERS_IMPORT_MAX_REJECTED,
        )
    except UnreadableFile as exc:
        raise ImportFailed(f"{origin}: {exc}") from None
    summary = ImportSummary(
        source=source,
        origin=origin,
        rows=cleaned.rows,
        merges=cleaned.merges,
        rejections=cleaned.rejections,
        fixes=cleaned.fixes,
        dry_run=dry_run,
    )
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # One import per source at a time (a periodic run and a staff run may overlap).
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"shelters-import:{source}"])
            merge_stations_listed_elsewhere(cleaned, summary)
            plan = _plan(cleaned, summary, force=force)
            _write(plan, source=source, progress=progress)
            if summary.changed:
                shelter_catalogue_bump()
            if dry_run:
                transaction.set_rollback(True)
            else:
                log_import(summary, sha256=sha256, started_at=started_at)
    except ImportRefused:
        if not dry_run:
            log_import(summary, sha256=sha256, started_at=started_at)
        logger.warning("shelter import refused: %s", summary.message)
        raise
    logger.info("shelter import %s: %s", source, summary.as_dict())
    return summary


def import_max_bytes() -> int:
    return settings.SHELTERS_IMPORT_MAX_MB * 1024 * 1024


def shelters_import_stream(
    *,
    stream: IO[bytes],
    name: str,
    source: str | None = None,
    origin: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check, parse and import a CSV or GeoJSON document from a seekable binary stream, read in chunks
    (the source defaults by format: kmda / osm_metro). Raises ImportFailed naming the problem when the
    file is not one (too large, binary, not UTF-8, wrong columns, mostly garbage): nothing is written."""
    try:
        parsed = read_stream(stream, name=name, max_bytes=import_max_bytes())
    except UnreadableFile as exc:
        raise ImportFailed(f"{origin or name}: {exc}") from None
    return shelters_import(
        parsed=parsed,
        source=source or default_source(parsed),
        origin=origin or name,
        sha256=parsed.facts.sha256,
        dry_run=dry_run,
        force=force,
        progress=progress,
    )


def shelters_import_bytes(*, data: bytes, name: str, **options: Any) -> ImportSummary:
    """shelters_import_stream for a document in memory (seed data, tests); `options` are its keywords."""
    return shelters_import_stream(stream=io.BytesIO(data), name=name, **options)


def shelters_import_file(
    *,
    path: Path,
    source: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a file, streamed from disk: a file over the size limit is refused before it is read."""
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > import_max_bytes():
                raise ImportFailed(
                    f"{path}: the file is {size / 2**20:.1f} MB, larger than the import limit of "
                    f"{settings.SHELTERS_IMPORT_MAX_MB} MB (SHELTERS_IMPORT_MAX_MB)"
                )
            return shelters_import_stream(
                stream=stream,
                name=path.name,
                source=source,
                origin=str(path),
                dry_run=dry_run,
                force=force,
                progress=progress,
            )
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from None
