"""Load the alert regions (ids, names, polygons) from the public data files; idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts.services.regions import RegionImportError, regions_import_from_dir


class Command(BaseCommand):
    help = (
        "Import alert regions from DATA_DIR/boundaries (the id hierarchy, current names, and every GeoJSON "
        "whose features carry the location uid). Defaults to SEED_DATA_DIR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", help="folder holding boundaries/ (default: SEED_DATA_DIR)")
        parser.add_argument(
            "--geojson", action="append", default=[], help="another GeoJSON with uid-carrying features (repeatable)"
        )
        parser.add_argument("--show-warnings", action="store_true", help="print every warning")

    def handle(self, *args: Any, **options: Any) -> None:
        raw_dir = options["data_dir"] or settings.SEED_DATA_DIR
        if raw_dir is None:
            raise CommandError("No data folder: pass --data-dir or set SEED_DATA_DIR.")
        data_dir = Path(raw_dir)
        try:
            result = regions_import_from_dir(data_dir=data_dir, extra_geojson=[Path(p) for p in options["geojson"]])
        except RegionImportError as exc:
            raise CommandError(f"Regions not imported (nothing was changed): {exc}") from exc
        self.stdout.write(
            f"Regions: {result.created} created, {result.updated} updated, {result.unchanged} unchanged "
            f"({result.total} in all, {result.with_geometry} with a boundary); {len(result.warnings)} warnings."
        )
        if options["show_warnings"]:
            for warning in result.warnings:
                self.stdout.write(f"  warning: {warning}")
