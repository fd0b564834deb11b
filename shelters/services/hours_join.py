"""Opening hours from the city's November 2024 list, joined to the shelters of the 2022 list.

The 2024 export (`kyiv_shelters_kmda_2024_nocoords.csv`) has working hours for most rows but no
coordinates, so it can only be joined by address, and the join is conservative: a 2024 row gives
its hours to a shelter only when

- the row states hours (`Цілодобово`, the school-day wording, or "з 10:00 до 18:00");
- its normalised address, or its old address (`address_old`, the name before a street was renamed),
  names exactly one active shelter of the 2022 list in the same district;
- and no other 2024 row names that shelter too.

Nothing else is taken from the 2024 file: never a location, never a name, kind or phone. Which
fields came from it is recorded on the shelter (`field_sources`), the shelter page says "hours from
the city's 2024 list", and every run is logged as a ShelterImport (source `kmda_2024_hours`) with the
counts and each unmatched row with its reason. A run is idempotent; a shelter that no longer
matches gets its hours back as unknown. A re-import of the 2022 list rewrites the hours of the rows
it changes; `make run`'s seed joins again after it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from shelters.importing.fields import DISTRICTS, clean_address, clean_hours, text, vocabulary_key
from shelters.models import OpeningHours, Shelter, ShelterImport
from shelters.services.catalogue import shelter_catalogue_bump

HOURS_SOURCE = "kmda_2024"
LOG_SOURCE = "kmda_2024_hours"
REQUIRED_COLUMNS = ("id", "district", "address", "address_old", "working_hours")
REASONS = {
    "no_hours": "the row gives no working hours",
    "no_district": "the row names no district",
    "no_address": "the row has no address",
    "not_found": "no shelter of the 2022 list at this address (or the old one) in the district",
    "ambiguous": "several shelters of the 2022 list at this address in the district",
    "shared": "another row of the 2024 list names the same shelter",
}

# Latin letters typed for their Cyrillic look-alikes in house numbers ("6/7A").
_LATIN_LOOKALIKES = str.maketrans("abcehikmoptxy", "авсеніктортху")
_QUOTES = re.compile(r"[«»\"“”„]")
_LETTER_AFTER_NUMBER = re.compile(r"(?<=\d)\s*[-‑–]?\s*(?=[а-яіїєґ](?![а-яіїєґ]))")
_AROUND_SLASH = re.compile(r"\s*/\s*")


class HoursJoinError(ValueError):
    """The file is not the city's 2024 list (not CSV, or a column missing); nothing was changed."""


def address_key(value: str) -> str:
    """An address reduced for comparison: the importer's cleaning, lower case, "10-Б" = "10 б" = "10б"."""
    address = clean_address(value).lower().translate(_LATIN_LOOKALIKES)
    address = _QUOTES.sub("", address)
    address = _LETTER_AFTER_NUMBER.sub("", address)
    address = _AROUND_SLASH.sub("/", address)
    return " ".join(address.split())


@dataclass
class HoursJoinResult:
    rows: int = 0
    matched: int = 0
    updated: int = 0
    unchanged: int = 0
    cleared: int = 0
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (row id, reason code)

    def by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(reason for _, reason in self.unmatched).items()))

    def summary(self) -> str:
        return (
            f"2024 hours: {self.matched} of {self.rows} rows matched a shelter ({self.updated} updated, "
            f"{self.unchanged} unchanged, {self.cleared} no longer matched); {len(self.unmatched)} unmatched: "
            + ", ".join(f"{reason} {count}" for reason, count in self.by_reason().items())
        )


@dataclass(frozen=True)
class _Hours:
    row_id: str
    opening_hours: str
    opens_at: time | None
    closes_at: time | None


def _read(data: bytes) -> list[dict[str, str]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HoursJoinError(f"not UTF-8 text ({exc})") from None
    reader = csv.DictReader(io.StringIO(content))
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise HoursJoinError(f"not the city's 2024 list: no column {', '.join(missing)}")
    try:
        return list(reader)
    except csv.Error as exc:
        raise HoursJoinError(f"not a readable CSV ({exc})") from None


def _shelters_by_address(source: str) -> dict[tuple[str, str], list[int]]:
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, district, address in Shelter.objects.filter(source=source, is_active=True).values_list(
        "id", "district", "address_uk"
    ):
        if district and address:
            index[(district, address_key(address))].append(pk)
    return index


def _match(
    rows: list[dict[str, str]], index: dict[tuple[str, str], list[int]], result: HoursJoinResult
) -> dict[int, _Hours]:
    claims: dict[int, list[_Hours]] = defaultdict(list)
    for row in rows:
        row_id = text(row.get("id")) or "?"
        opening_hours, opens_at, closes_at = clean_hours(row.get("working_hours") or "")
        district = DISTRICTS.get(vocabulary_key(row.get("district") or ""), "")
        keys = {address_key(value) for value in (row.get("address") or "", row.get("address_old") or "") if text(value)}
        if opening_hours == OpeningHours.UNKNOWN:
            result.unmatched.append((row_id, "no_hours"))
        elif not district:
            result.unmatched.append((row_id, "no_district"))
        elif not keys:
            result.unmatched.append((row_id, "no_address"))
        else:
            found = {pk for key in keys for pk in index.get((district, key), [])}
            if not found:
                result.unmatched.append((row_id, "not_found"))
            elif len(found) > 1:
                result.unmatched.append((row_id, "ambiguous"))
            else:
                claims[found.pop()].append(_Hours(row_id, opening_hours, opens_at, closes_at))
    matches: dict[int, _Hours] = {}
    for pk, hours in claims.items():
        if len(hours) == 1:
            matches[pk] = hours[0]
        else:
            result.unmatched.extend((h.row_id, "shared") for h in hours)
    return matches


def _provenance(hours: _Hours) -> dict[str, Any]:
    return {"opening_hours": {"source": HOURS_SOURCE, "row": hours.row_id}}


@transaction.atomic
def shelters_join_hours(*, data: bytes, origin: str, source: str) -> HoursJoinResult:
    """Give the shelters of `source` (the 2022 list) the hours of the 2024 list where they match for sure."""
    started_at = timezone.now()
    rows = _read(data)
    result = HoursJoinResult(rows=len(rows))
    matches = _match(rows, _shelters_by_address(source), result)
    result.matched = len(matches)
    changed: list[Shelter] = []
    joined_before = Shelter.objects.filter(source=source, field_sources__has_key="opening_hours")
    for shelter in Shelter.objects.filter(pk__in=matches) | joined_before:
        hours = matches.get(shelter.pk)
        if hours is None:
            # Joined by an earlier run, no longer matched: the 2022 list published no hours.
            values: dict[str, Any] = {"opening_hours": OpeningHours.UNKNOWN, "opens_at": None, "closes_at": None}
            sources = {k: v for k, v in shelter.field_sources.items() if k != "opening_hours"}
            result.cleared += 1
        else:
            values = {"opening_hours": hours.opening_hours, "opens_at": hours.opens_at, "closes_at": hours.closes_at}
            sources = {**shelter.field_sources, **_provenance(hours)}
        if all(getattr(shelter, k) == v for k, v in values.items()) and shelter.field_sources == sources:
            result.unchanged += 1
            continue
        for key, value in values.items():
            setattr(shelter, key, value)
        shelter.field_sources = sources
        shelter.updated_at = started_at  # bulk_update does not touch auto_now fields
        changed.append(shelter)
        if hours is not None:
            result.updated += 1
    if changed:
        Shelter.objects.bulk_update(changed, ["opening_hours", "opens_at", "closes_at", "field_sources", "updated_at"])
        shelter_catalogue_bump()
    ShelterImport.objects.create(
        source=LOG_SOURCE,
        origin=origin[:1000],
        sha256=hashlib.sha256(data).hexdigest(),
        started_at=started_at,
        finished_at=timezone.now(),
        outcome=ShelterImport.Outcome.APPLIED,
        rows=result.rows,
        updated=result.updated,
        unchanged=result.unchanged,
        deactivated=result.cleared,
        rejected=len(result.unmatched),
        rejected_by_reason=result.by_reason(),
        report="\n".join(f"{row_id}: {REASONS[reason]}" for row_id, reason in result.unmatched),
        message=result.summary(),
    )
    return result
