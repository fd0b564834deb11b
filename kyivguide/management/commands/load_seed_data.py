"""Load the public data found in SEED_DATA_DIR (regions, shelters, …) for a local demo.

Each app that has seed data provides `<app>/seed.py` with `load(*, data_dir, stdout)`; apps are
loaded in INSTALLED_APPS order (alerts before shelters: shelters need no regions, but the status
pages do). Every loader is idempotent, so running this on every `make run` is harmless.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Load the public seed data (regions, shelters, …) from SEED_DATA_DIR when present."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", help="Overrides SEED_DATA_DIR.")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(options["data_dir"]) if options["data_dir"] else settings.SEED_DATA_DIR
        if data_dir is None:
            self.stdout.write("No seed data: SEED_DATA_DIR is unset and ../shared/data does not exist.")
            return
        if not data_dir.is_dir():
            raise CommandError(f"Seed data directory {data_dir} does not exist.")
        loaded = 0
        for app_config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{app_config.name}.seed")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app_config.name}.seed":
                    raise
                continue
            self.stdout.write(f"Seed data for {app_config.label} from {data_dir}:")
            module.load(data_dir=data_dir, stdout=self.stdout)
            loaded += 1
        if loaded == 0:
            self.stdout.write("No app has seed data to load yet.")
