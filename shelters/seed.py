"""Seed data for `make run`: the city's shelters (KMDA, Feb 2022), the metro stations (OSM), and the
hours of the city's Nov 2024 list joined to them (services/hours_join.py).

Idempotent and quick when nothing changed: a file whose SHA-256 equals that of the last applied
import of its source is skipped without being parsed; otherwise it is imported with the usual
rules (an unchanged row is left alone).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from shelters.models import ShelterImport
from shelters.services import (
    DEFAULT_CITY_SOURCE,
    DEFAULT_METRO_SOURCE,
    ImportFailed,
    ImportRefused,
    shelters_import_bytes,
)
from shelters.services.hours_join import LOG_SOURCE as HOURS_LOG_SOURCE
from shelters.services.hours_join import HoursJoinError, shelters_join_hours

HOURS_FILE = "shelters/kyiv_shelters_kmda_2024_nocoords.csv"
SEED_FILES = (
    ("shelters/kyiv_shelters_kmda_2022.csv", DEFAULT_CITY_SOURCE),
    ("shelters/kyiv_metro_stations.csv", DEFAULT_METRO_SOURCE),
)


def load(*, data_dir: Path, stdout: Any) -> None:
    city_imported = False
    for relative, source in SEED_FILES:
        path = data_dir / relative
        if not path.is_file():
            stdout.write(f"  shelters: {path} not found, skipped\n")
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        last = (
            ShelterImport.objects.filter(source=source, outcome=ShelterImport.Outcome.APPLIED)
            .values_list("sha256", flat=True)
            .first()
        )
        if last == digest:
            stdout.write(f"  shelters: {path.name} unchanged since the last import ({source})\n")
            continue
        try:
            summary = shelters_import_bytes(data=data, name=path.name, source=source, origin=str(path))
        except (ImportFailed, ImportRefused) as exc:
            stdout.write(f"  shelters: {path.name} not imported: {exc}\n")
            continue
        city_imported = city_imported or source == DEFAULT_CITY_SOURCE
        for line in summary.summary_lines():
            stdout.write(f"  shelters: {line}\n")
    _join_hours(data_dir / HOURS_FILE, city_imported=city_imported, stdout=stdout)


def _join_hours(path: Path, *, city_imported: bool, stdout: Any) -> None:
    """The 2024 list's hours, joined again when it or the 2022 list changed (services/hours_join.py)."""
    if not path.is_file():
        stdout.write(f"  shelters: {path} not found, hours not joined\n")
        return
    data = path.read_bytes()
    last = ShelterImport.objects.filter(source=HOURS_LOG_SOURCE).values_list("sha256", flat=True).first()
    if not city_imported and last == hashlib.sha256(data).hexdigest():
        stdout.write(f"  shelters: {path.name} hours joined already\n")
        return
    try:
        result = shelters_join_hours(data=data, origin=str(path), source=DEFAULT_CITY_SOURCE)
    except HoursJoinError as exc:
        stdout.write(f"  shelters: {path.name} hours not joined: {exc}\n")
        return
    stdout.write(f"  shelters: {result.summary()}\n")
