"""Settings of the worker in the redelivery tests: the project's own, with a visibility timeout of seconds.

The test worker consumes a queue of its own (see start_worker's `queue`), whose name is CELERY_QUEUE.
"""

from __future__ import annotations

from kyivguide.settings import *  # noqa: F403
from kyivguide.settings import CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_TASK_DEFAULT_QUEUE

VISIBILITY_TIMEOUT_S = 2

CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {  # type: ignore[no-redef]
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": VISIBILITY_TIMEOUT_S,
    # Kombu keeps every consumer's unacknowledged messages in one Redis hash and restores from it all
    # that are older than the visibility timeout. Private keys keep this short timeout from
    # redelivering tasks still running on other workers of the same Redis (other runs, `make run`).
    "unacked_key": f"{CELERY_TASK_DEFAULT_QUEUE}-unacked",
    "unacked_index_key": f"{CELERY_TASK_DEFAULT_QUEUE}-unacked-index",
    "unacked_mutex_key": f"{CELERY_TASK_DEFAULT_QUEUE}-unacked-mutex",
}
CELERY_IMPORTS = ["kyivguide.tests.redelivery_tasks"]
