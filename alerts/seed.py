"""Seed data of the alerts app for `make run` (see kyivguide/management/commands/load_seed_data.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from django.core.management import call_command

from alerts.services.ingest import feeds_sync
from alerts.services.regions import HIERARCHY_FILE
from alerts.services.status import status_snapshot_publish


def load(*, data_dir: Path, stdout: TextIO) -> None:
    if (data_dir / HIERARCHY_FILE).exists():
        call_command("import_regions", data_dir=str(data_dir), stdout=stdout)
    else:
        stdout.write(f"  no {HIERARCHY_FILE} in {data_dir}: regions not loaded")
    # The feeds follow the environment (credentials, the replay's CSV); the first status snapshot
    # is published at once, so that the first page view need not build it.
    enabled = [name for name, source in feeds_sync().items() if source.enabled]
    stdout.write(f"  alert feeds enabled: {', '.join(enabled) or 'none (status will show as unknown)'}")
    status_snapshot_publish()
