"""pytest plugin loaded before Django settings (`-p kyivguide.pytest_env` in pyproject.toml).

It gives each test run its own Celery queue and Redis key prefix, so that tests never take tasks
from, or overwrite the status snapshot of, a `make run` on the same machine or another test run.
"""

from __future__ import annotations

import os

_run = f"test-{os.getpid()}"
os.environ["CELERY_QUEUE"] = f"kyivguide-{_run}-queue"
os.environ["REDIS_KEY_PREFIX"] = f"kyivguide-{_run}-keys"
# The local push service of the tests (kyivguide.testing.FakePushService) is http on 127.0.0.1.
os.environ["PUSH_ALLOW_HTTP_LOCALHOST"] = "1"
