"""`manage.py import_shelters PATH [--source NAME] [--dry-run] [--force]`: import a city shelter file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shelters.services import ImportFailed, ImportRefused, shelters_import_file


class Command(BaseCommand):
    help = (
        "Import shelters from the city's CSV or GeoJSON, or the metro stations CSV. Prints created, updated, "
        "unchanged, deactivated and rejected rows (with the row and the reason). One transaction; refused when "
        "it would deactivate more than half of the source's active shelters, unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV or GeoJSON file.")
        parser.add_argument(
            "--source", help="Source name (default: 'kmda' for the city's files, 'osm_metro' for the metro CSV)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--force", action="store_true", help="Apply even if it deactivates more than half.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        show_progress = verbosity > 0 and self.stdout.isatty()
        try:
            summary = shelters_import_file(
                path=options["path"],
                source=options["source"],
                dry_run=options["dry_run"],
                force=options["force"],
                progress=self._progress if show_progress else None,
            )
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        except ImportRefused as refused:
            self._print(refused.summary.summary_lines(with_message=False), refused.summary.report_lines(), verbosity)
            raise CommandError(refused.summary.message) from None
        finally:
            if show_progress:
                self.stdout.write("")
        self._print(summary.summary_lines(), summary.report_lines(), verbosity)

    def _print(self, summary: list[str], report: list[str], verbosity: int) -> None:
        if verbosity > 0:
            for line in report:
                self.stdout.write(line)
        for line in summary:
            self.stdout.write(line)

    def _progress(self, phase: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stdout.write(f"\r{phase:<8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stdout.flush()
