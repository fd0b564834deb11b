"""Seed data of the alerts app for `make run` (see kyivguide/management/commands/load_seed_data.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from django.core.management import call_command

from alerts.services.regions import HIERARCHY_FILE


def load(*, data_dir: Path, stdout: TextIO) -> None:
    if not (data_dir / HIERARCHY_FILE).exists():
        stdout.write(f"  no {HIERARCHY_FILE} in {data_dir}: regions not loaded")
        return
    call_command("import_regions", data_dir=str(data_dir), stdout=stdout)
