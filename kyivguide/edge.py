"""The edge: nginx's configuration, rendered from deploy/nginx.conf with this deployment's ports and paths.

`make run` (through deploy/edge.sh), `make bench` and the tests render it into a run folder of their
own and start nginx from there as the current user: the pid file, temporary files and the cache all
live in that folder, the error log goes to stderr. The cache rules themselves are in the template.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"
NGINX = "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"


@dataclass(frozen=True)
class Edge:
    """One nginx: where it listens, the gunicorn behind it, and its run folder."""

    port: int
    upstream_port: int
    run_dir: Path
    host: str = "127.0.0.1"
    upstream_host: str = "127.0.0.1"
    workers: int = 1
    access_log: bool = False

    @property
    def conf_path(self) -> Path:
        return self.run_dir / "nginx.conf"

    def render(self) -> str:
        run_dir = self.run_dir.resolve()
        # The admin lives under each language's prefix (Ukrainian has none).
        prefixes = ["/" + settings.ADMIN_URL] + [
            f"/{code}/{settings.ADMIN_URL}" for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE
        ]
        context = {
            "run_as": getpass.getuser() if os.geteuid() == 0 else "",
            "workers": self.workers,
            "run_dir": run_dir,
            "error_log_level": "warn",
            "access_log": "/dev/stdout" if self.access_log else "off",
            "mime_types": MIME_TYPES,
            "upstream": f"{self.upstream_host}:{self.upstream_port}",
            "listen": f"{self.host}:{self.port}",
            "cache_seconds": settings.EDGE_CACHE_SECONDS,
            "api_rate": settings.EDGE_API_RATE,
            "api_burst": settings.EDGE_API_BURST,
            "write_rate": settings.EDGE_WRITE_RATE,
            "write_burst": settings.EDGE_WRITE_BURST,
            "hook_rate": settings.EDGE_HOOK_RATE,
            "hook_burst": settings.EDGE_HOOK_BURST,
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "admin_prefixes": prefixes,
            "static_root": Path(settings.STATIC_ROOT).resolve(),
            "static_plain_max_age": settings.WHITENOISE_MAX_AGE,
        }
        engine = Engine(autoescape=False)
        return engine.from_string(TEMPLATE.read_text()).render(Context(context))

    def write(self) -> Path:
        """Render into the run folder (created, with the cache's folder); return the file's path."""
        (self.run_dir / "cache").mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(self.render())
        return self.conf_path

    def command(self) -> list[str]:
        """nginx in the foreground (`daemon off` is in the file), its errors on stderr from the start."""
        return [NGINX, "-e", "stderr", "-p", str(self.run_dir.resolve()), "-c", str(self.conf_path.resolve())]


def status_age(headers: Mapping[str, str]) -> float | None:
    """The status data's age when a response was sent, from its headers (None: no feed ever answered).

    What a client must do with an answer that may come from a cache: the age when the server made it
    (X-Status-Age), plus the time it then waited in caches, which is the sender's `Date` minus
    X-Status-Checked-At (both by the servers' clocks; nginx sends no `Age`), plus a CDN's `Age`.
    static/js/status.js does the same on the page.
    """
    lower = {name.lower(): value for name, value in headers.items()}
    age = lower.get("x-status-age", "none")
    if age == "none":
        return None
    made, sent = lower.get("x-status-checked-at"), lower.get("date")
    held = 0.0
    if made and sent:
        held = max(0.0, (parsedate_to_datetime(sent) - parsedate_to_datetime(made)).total_seconds())
    return float(age) + held + float(lower.get("age", "0"))
