"""gunicorn configuration for KyivGuide (the web process of `make run`, production and the benchmarks).

gthread workers: requests are short and mostly wait on PostgreSQL or Redis, so a few threads per
process serve many concurrent phones without the memory of more processes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyivguide.settings")

from kyivguide.env import check_settings_or_exit, env_bool, env_int, env_str  # noqa: E402

# A bad environment stops the master here with one line, instead of crash-looping its workers.
check_settings_or_exit()

from django.conf import settings  # noqa: E402

host = env_str("HOST", "127.0.0.1")
bind = [f"{host}:{settings.PORT}"]
chdir = str(ROOT)
worker_class = "gthread"
# Processes, not threads, carry the load: a request holds the GIL for its Python part, and the
# threads of one process queue behind each other while PostgreSQL works for another. Two
# processes per core, two threads each (measured in bench/: the best tail latency here).
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1), minimum=1)
threads = env_int("WEB_THREADS", 2, minimum=1)
backlog = 2048
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that a slow leak can never take the site down during an attack
# (0 turns it off: the benchmarks measure the steady state, not a worker re-importing Django).
max_requests = env_int("WEB_MAX_REQUESTS", 20000, minimum=0)
max_requests_jitter = max_requests // 10
access_log = env_bool("ACCESS_LOG", True)
accesslog = "-" if access_log else None
errorlog = "-"
loglevel = "info"
proc_name = "kyivguide-web"

_formatter = (
    {"()": "kyivguide.logformat.JsonFormatter"}
    if settings.LOG_FORMAT == "json"
    else {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}
)
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": _formatter},
    # The access lines name each path, and the webhook's path carries a secret.
    "filters": {"redact": {"()": "kyivguide.logformat.RedactSecrets"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "default",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        # gunicorn writes access lines whenever a logging config exists, `accesslog` or not: the level
        # is what turns them off (ACCESS_LOG=0 spares a log line per request on the hot paths).
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO" if access_log else "WARNING", "propagate": False},
    },
}


def when_ready(server: Any) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison, not a bind
    edge_port = os.environ.get("EDGE_PORT")  # `make run` with nginx in front: the URL to open is nginx's
    if edge_port:
        server.log.info("KyivGuide is ready at http://127.0.0.1:%s/ (nginx; gunicorn on %s)", edge_port, settings.PORT)
    else:
        server.log.info("KyivGuide is ready at http://%s:%s/", shown, settings.PORT)
