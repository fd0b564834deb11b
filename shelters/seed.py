"""Seed data for `make run`: the city's shelters (KMDA, Feb 2022) and the metro stations (OSM).

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

SEED_FILES = (
    ("shelters/kyiv_shelters_kmda_2022.csv", DEFAULT_CITY_SOURCE),
    ("shelters/kyiv_metro_stations.csv", DEFAULT_METRO_SOURCE),
)


def load(*, data_dir: Path, stdout: Any) -> None:
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
        for line in summary.summary_lines():
            stdout.write(f"  shelters: {line}\n")
