"""Metro stations that another source already lists: one station is one shelter, whoever lists it."""

from __future__ import annotations

import re

from shelters.geo import haversine_m
from shelters.importing.clean import CleanResult, Merge
from shelters.models import Shelter, ShelterKind
from shelters.services.import_summary import ImportSummary

_QUOTED = re.compile(r"[«\"“](.+)[»\"”]")
# Two records of one station lie within this distance (the city's point for Khreshchatyk is 388 m
# from the station's); stations of one name elsewhere would be farther apart.
STATION_MATCH_M = 1500
# One station under two names: renamed (2023: Льва Толстого → Площа Українських Героїв) or named
# in full in one list and short in the other.
STATION_ALIASES = {"площа українських героїв": "льва толстого", "політехнічний інститут": "політехнічна"}


def _station_key(address: str) -> str | None:
    """The station's name in "Станція метро(політену) «Х»" / "(ст. м. "Х")", reduced for matching."""
    match = _QUOTED.search(address)
    if match is None:
        return None
    name = " ".join(
        match.group(1).replace("«", "").replace("»", "").replace("ʼ", "’").replace("'", "’").lower().split()
    )
    return STATION_ALIASES.get(name, name)


def merge_stations_listed_elsewhere(cleaned: CleanResult, summary: ImportSummary) -> None:
    """A metro station another source already lists (the city's list has the stations too) is one
    shelter: the row is merged into it and reported, so nearest lists never show a station twice."""
    listed: dict[str, list[tuple[str, str, float, float]]] = {}
    for address, source, source_id, location in (
        Shelter.objects.filter(kind=ShelterKind.METRO, is_active=True)
        .exclude(source=summary.source)
        .values_list("address_uk", "source", "source_id", "location")
    ):
        key = _station_key(address)
        if key is not None:
            listed.setdefault(key, []).append((source, source_id, location.y, location.x))
    kept = []
    for record in cleaned.records:
        key = _station_key(record.address_uk) if record.kind == ShelterKind.METRO else None
        same = [
            entry
            for entry in listed.get(key or "", [])
            if haversine_m(record.lat, record.lon, entry[2], entry[3]) <= STATION_MATCH_M
        ]
        if same:
            summary.merges.append(Merge(record.number, record.source_id, same[0][1], into_source=same[0][0]))
        else:
            kept.append(record)
    cleaned.records = kept
