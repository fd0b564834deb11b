"""`manage.py join_shelter_hours PATH [--source NAME]`: the hours of the city's 2024 list, joined conservatively."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shelters.services import DEFAULT_CITY_SOURCE
from shelters.services.hours_join import REASONS, HoursJoinError, shelters_join_hours


class Command(BaseCommand):
    help = (
        "Give the shelters of the 2022 list the working hours of the city's Nov 2024 export "
        "(kyiv_shelters_kmda_2024_nocoords.csv) where one row matches one shelter by address (or old address) in "
        "the same district; nothing else is taken from it. Logged as an import (kmda_2024_hours)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the 2024 CSV")
        parser.add_argument("--source", default=DEFAULT_CITY_SOURCE, help="the shelters' source (default: kmda)")
        parser.add_argument("--show-unmatched", action="store_true", help="print every unmatched row and why")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        try:
            result = shelters_join_hours(data=data, origin=str(path), source=options["source"])
        except HoursJoinError as exc:
            raise CommandError(f"{path}: {exc} (nothing was changed)") from None
        self.stdout.write(result.summary())
        if options["show_unmatched"]:
            for row_id, reason in result.unmatched:
                self.stdout.write(f"  {row_id}: {REASONS[reason]}")
