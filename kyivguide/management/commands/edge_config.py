"""Write nginx's configuration for the edge (deploy/nginx.conf filled in) into a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kyivguide.edge import Edge


class Command(BaseCommand):
    help = "Render deploy/nginx.conf for nginx on --port in front of gunicorn on --upstream-port."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, required=True, help="where nginx listens")
        parser.add_argument("--upstream-port", type=int, required=True, help="where gunicorn listens")
        parser.add_argument("--host", default="127.0.0.1", help="nginx's address (default 127.0.0.1)")
        parser.add_argument("--run-dir", type=Path, default=Path(".run/nginx"), help="pid, temp files and cache")
        parser.add_argument("--workers", type=int, default=1, help="nginx worker processes")
        parser.add_argument("--access-log", action="store_true", help="log every request to stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        edge = Edge(
            port=options["port"],
            upstream_port=options["upstream_port"],
            host=options["host"],
            run_dir=options["run_dir"],
            workers=options["workers"],
            access_log=options["access_log"],
        )
        self.stdout.write(str(edge.write()))
