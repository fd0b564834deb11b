"""Turn raw rows of the city's shelter files into clean records, or reject them with a reason.

What is cleaned (the row is kept):
- `<Null>`, "null", "-" and blank cells mean "missing"; runs of spaces, line breaks and non-breaking
  spaces become one space;
- spelling variants of the city's vocabularies ("Відсутній", "відсутній", "ВІдсутній", "Відсутнє";
  "Найпростіші " and "Найпростіші укриття"; "Підземний \\nпаркінг"; the "ОЗ" suffix of 2024 kinds);
- "м. Київ, " before addresses; street-type spellings (б-р → бульв., пр-т → просп., вулиця → вул.);
  apostrophes (' ` ʼ → ’);
- phones in the wrong column: a ramp cell or an owner cell holding nothing but a phone number is
  moved to the keys phone; an ownership value in the owner column ("Приватна") is moved to ownership;
- coordinates swapped (lon, lat) when that is unambiguous: the pair as given lies outside Kyiv and
  the swapped pair inside (Kyiv's latitudes and longitudes do not overlap, so it always is);
- duplicate rows of one building (same point, same address, same kind) are merged into the first:
  done by `merge_duplicates` over the whole file.

What is rejected (the row creates nothing; the reason is reported): no id, no coordinates,
unparseable coordinates, coordinates outside Kyiv, an unknown kind or shelter type, no address, an
id seen earlier in the same file, a value longer than the field that stores it. A location is never
guessed: a row without usable coordinates is rejected even when its address is known (the 2024
export has no coordinates at all). Past SHELTERS_IMPORT_MAX_REJECTED rejected rows the whole run is
refused (TooManyRejected).

Two dimensions are kept apart (the city's files have both): `kind` is the place (basement,
semi-basement, underground parking, underpass, metro station, other) and `protection` the civil
protection class (shelter, anti-radiation shelter, dual-purpose structure, simplest shelter, or not
stated). "з пандусом" (with a ramp) in the kind means wheelchair access.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import time

from django.db.models import CharField

from shelters.importing.fields import (
    DISTRICTS,
    OWNERSHIPS,
    Rejected,
    apostrophes,
    capitalised,
    clean_address,
    clean_coordinates,
    clean_hours,
    clean_kind,
    clean_protection,
    join,
    ramp_value,
    text,
    vocabulary_key,
)
from shelters.importing.phones import looks_like_phone
from shelters.importing.readers import METRO_FORMAT, RawRow, UnreadableFile
from shelters.models import Shelter
from shelters.translit import address_en, transliterate

# --- records and rejections ---------------------------------------------------------------------------


@dataclass
class Rejection:
    number: int
    source_id: str
    reason: str  # one of REJECTION_REASONS
    detail: str

    def line(self) -> str:
        ident = f" ({self.source_id})" if self.source_id else ""
        return f"row {self.number}{ident}: {self.detail}"


REJECTION_REASONS = {
    "no_id": "no id",
    "no_coordinates": "no coordinates",
    "bad_coordinates": "unparseable coordinates",
    "outside_kyiv": "coordinates outside Kyiv",
    "unknown_kind": "unknown kind",
    "unknown_type": "unknown shelter type",
    "no_address": "no address",
    "duplicate_id": "id repeated in the file",
    "too_long": "a value longer than its field",
}


class TooManyRejected(UnreadableFile):
    """So many rows are rejected that the file is not a shelter list: the run stops, nothing is written."""


# Record attribute → the Shelter field that stores it (for the length limits).
_STORED_IN = {
    "source_id": "source_id",
    "name_uk": "name",
    "name_en": "name",
    "address_uk": "address",
    "address_en": "address",
    "keys_phone": "keys_phone",
    "owner": "owner",
    "building_type": "building_type",
}


@functools.cache
def max_length(attribute: str) -> int:
    field = Shelter._meta.get_field(_STORED_IN[attribute])
    assert isinstance(field, CharField) and field.max_length is not None
    return field.max_length


@dataclass(slots=True)
class ShelterRecord:
    """A clean row: exactly the fields an import owns on a Shelter."""

    number: int
    source_id: str
    name_uk: str
    name_en: str
    address_uk: str
    address_en: str
    lat: float
    lon: float
    kind: str
    protection: str
    district: str
    wheelchair_accessible: bool | None
    opening_hours: str
    opens_at: time | None
    closes_at: time | None
    keys_phone: str
    owner: str
    ownership: str
    building_type: str
    fixes: list[str] = field(default_factory=list)

    def content_hash(self) -> str:
        """Fingerprint of the imported values: equal hashes mean re-importing changes nothing."""
        parts = [
            self.name_uk,
            self.name_en,
            self.address_uk,
            self.address_en,
            f"{self.lat:.7f}",
            f"{self.lon:.7f}",
            self.kind,
            self.protection,
            self.district,
            repr(self.wheelchair_accessible),
            self.opening_hours,
            self.opens_at.isoformat() if self.opens_at else "",
            self.closes_at.isoformat() if self.closes_at else "",
            self.keys_phone,
            self.owner,
            self.ownership,
            self.building_type,
        ]
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()

    def buildingkey(self) -> tuple[float, float, str, str]:
        return (self.lat, self.lon, vocabulary_key(self.address_uk).replace(" ", ""), self.kind)


# --- rows ---------------------------------------------------------------------------------------------


def clean_row(row: RawRow, *, file_format: str) -> ShelterRecord:
    """One raw row → a record, or Rejected with the reason."""
    values = row.values
    name_uk = apostrophes(text(values.get("name")))
    # The location is checked first: a row without one is rejected for that, whatever else it lacks.
    if file_format == METRO_FORMAT:
        if not name_uk:
            raise Rejected("no_address", "no station name")
        source_id = text(values.get("id")) or "metro-" + re.sub(r"[^a-z0-9]+", "-", transliterate(name_uk).lower())
        lat, lon, fixes = clean_coordinates(row)
        address_uk = f"Станція метро «{name_uk}»"
        kind, ramp_in_kind, protection = "metro", False, ""
    else:
        source_id = text(values.get("id"))
        if not source_id:
            raise Rejected("no_id", "no id")
        lat, lon, fixes = clean_coordinates(row)
        address_uk = clean_address(values.get("address", ""))
        if not address_uk and not name_uk:
            raise Rejected("no_address", "no address")
        kind, ramp_in_kind = clean_kind(values.get("shelter_kind", ""))
        protection = clean_protection(values.get("shelter_type", ""))

    phone = text(values.get("phone"))
    ramp_text = text(values.get("ramp"))
    if ramp_text and looks_like_phone(ramp_text):
        phone = join(phone, ramp_text)
        ramp_text = ""
        fixes.append("phone moved from the ramp column")
    owner = apostrophes(text(values.get("owner")))
    ownership = OWNERSHIPS.get(vocabulary_key(values.get("ownership", "")), "")
    if owner and looks_like_phone(owner):
        phone, owner = join(phone, owner), ""
        fixes.append("phone moved from the owner column")
    elif vocabulary_key(owner) in OWNERSHIPS:
        ownership, owner = ownership or OWNERSHIPS[vocabulary_key(owner)], ""
        fixes.append("ownership moved from the owner column")

    ramp = ramp_value(ramp_text)
    # Either source of "has a ramp" is enough; a kind "з пандусом" whose ramp column says
    # "absent" contradicts itself, and a wheelchair user must not be sent there on a guess.
    accessible = None if ramp_in_kind and ramp is False else (True if ramp_in_kind else ramp)

    hours, opens_at, closes_at = clean_hours(values.get("working_hours", ""))
    if kind == "metro" and hours == "unknown":
        # The metro lets everyone in around the clock while an alert is on.
        hours = "always"

    district = DISTRICTS.get(vocabulary_key(values.get("district", ""))) or DISTRICTS.get(
        vocabulary_key(values.get("district_by_polygon", "")), ""
    )
    record = ShelterRecord(
        number=row.number,
        source_id=source_id,
        name_uk=name_uk,
        name_en=transliterate(name_uk),
        address_uk=address_uk,
        address_en=address_en(address_uk),
        lat=lat,
        lon=lon,
        kind=kind,
        protection=protection,
        district=district,
        wheelchair_accessible=accessible,
        opening_hours=hours,
        opens_at=opens_at,
        closes_at=closes_at,
        keys_phone=phone,
        owner=owner,
        ownership=ownership,
        building_type=capitalised(values.get("building_type", "")),
        fixes=fixes,
    )
    for attribute in _STORED_IN:
        length = len(getattr(record, attribute))
        if length > max_length(attribute):
            raise Rejected("too_long", f"{attribute} is {length:,} characters long (at most {max_length(attribute)})")
    return record


@dataclass
class Merge:
    number: int
    source_id: str
    into_source_id: str
    # Set when the row repeats a shelter of another source (a metro station both lists have).
    into_source: str = ""

    def line(self) -> str:
        if self.into_source:
            return (
                f"row {self.number} ({self.source_id}): already listed as {self.into_source} "
                f"{self.into_source_id}, merged"
            )
        return f"row {self.number} ({self.source_id}): same building as {self.into_source_id}, merged"


@dataclass
class CleanResult:
    rows: int
    records: list[ShelterRecord]
    rejections: list[Rejection]
    merges: list[Merge]
    fixes: dict[str, int]


def clean_rows(
    rows: Iterable[RawRow],
    *,
    file_format: str,
    expected_rows: int = 0,
    progress: Callable[[int, int], None] | None = None,
    max_rejected: int | None = None,
) -> CleanResult:
    """Clean every row; reject duplicates of an id and merge duplicate rows of one building.

    Past `max_rejected` rejected rows, reading stops with TooManyRejected: a file that is mostly
    garbage is refused whole and quickly (a million bad rows are not read, let alone reported).
    """
    records: list[ShelterRecord] = []
    rejections: list[Rejection] = []
    first_row: dict[str, int] = {}
    count = 0
    for row in rows:
        count += 1
        if progress and count % 1000 == 0:
            progress(count, max(count, expected_rows))
        source_id = text(row.values.get("id"))
        try:
            record = clean_row(row, file_format=file_format)
        except Rejected as rejected:
            rejections.append(Rejection(row.number, source_id[:100], rejected.reason, rejected.detail))
            if max_rejected is not None and len(rejections) > max_rejected:
                raise _too_many(rejections, at_row=row.number) from None
            continue
        if record.source_id in first_row:
            detail = f"id {record.source_id} appears again (first at row {first_row[record.source_id]})"
            rejections.append(Rejection(row.number, record.source_id, "duplicate_id", detail))
            if max_rejected is not None and len(rejections) > max_rejected:
                raise _too_many(rejections, at_row=row.number)
            continue
        first_row[record.source_id] = row.number
        records.append(record)
    kept, merges = merge_duplicates(records)
    fixes: dict[str, int] = {}
    for record in kept:
        for fix in record.fixes:
            label = fix.split(" (", 1)[0]
            fixes[label] = fixes.get(label, 0) + 1
    if progress:
        progress(count, count)
    return CleanResult(rows=count, records=kept, rejections=rejections, merges=merges, fixes=fixes)


def _too_many(rejections: list[Rejection], *, at_row: int) -> TooManyRejected:
    reasons = Counter(rejection.reason for rejection in rejections)
    by_reason = ", ".join(f"{REJECTION_REASONS[reason]}: {count}" for reason, count in sorted(reasons.items()))
    first = "; ".join(rejection.line() for rejection in rejections[:3])
    return TooManyRejected(
        f"more than {len(rejections) - 1:,} rows rejected, so reading stopped at row {at_row:,} and nothing "
        f"was imported: this is not a usable shelter list ({by_reason}). First: {first}"
    )


def merge_duplicates(records: list[ShelterRecord]) -> tuple[list[ShelterRecord], list[Merge]]:
    """Rows with the same point, address and kind describe one building: keep the first.

    The later rows' owners and phones are added to the first (they are often a second keyholder).
    Rows that only share a point (university buildings geocoded to one campus point, the exits of
    an underpass) are different shelters and stay apart.
    """
    by_key: dict[tuple[float, float, str, str], ShelterRecord] = {}
    kept: list[ShelterRecord] = []
    merges: list[Merge] = []
    for record in records:
        key = record.buildingkey()
        first = by_key.get(key)
        if first is None:
            by_key[key] = record
            kept.append(record)
            continue
        # Joined only while the result fits its field (dozens of duplicates of one building would not).
        owner, phone = join(first.owner, record.owner), join(first.keys_phone, record.keys_phone)
        first.owner = owner if len(owner) <= max_length("owner") else first.owner
        first.keys_phone = phone if len(phone) <= max_length("keys_phone") else first.keys_phone
        first.ownership = first.ownership or record.ownership
        if first.wheelchair_accessible is None:
            first.wheelchair_accessible = record.wheelchair_accessible
        merges.append(Merge(record.number, record.source_id, first.source_id))
    return kept, merges
