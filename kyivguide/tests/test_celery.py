from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from django.conf import settings
from django.db import connection

from kyivguide.celery import app
from kyivguide.tasks import ping
from kyivguide.testing import ManagedProcess, run_python, start_worker, wait_until
from kyivguide.tests.redelivery_settings import VISIBILITY_TIMEOUT_S
from kyivguide.tests.redelivery_tasks import HANG_ON_FIRST_DELIVERY


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_runs_on_a_real_worker_through_the_redis_broker(celery_worker_process: ManagedProcess) -> None:
    result = ping.apply_async()

    reply = result.get(timeout=30)

    assert reply["pong"] == "ok"
    # The worker is another process, reaching the same (test) database through the broker.
    assert reply["database"] == connection.settings_dict["NAME"]
    assert result.successful()
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_the_visibility_timeout_outlasts_the_hard_time_limit_the_environment_sets() -> None:
    # A task still running must never be handed to a second worker (see the redelivery tests below).
    result = run_python(
        [
            "-c",
            "from django.conf import settings as s; print(s.CELERY_TASK_TIME_LIMIT, "
            "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
            "s.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS['visibility_timeout'])",
        ],
        {
            "DJANGO_SETTINGS_MODULE": "kyivguide.settings",
            "CELERY_TASK_SOFT_TIME_LIMIT": "800",
            "CELERY_TASK_TIME_LIMIT": "900",
        },
    )

    assert result.stdout.split() == ["900", "3600", "3600"], result.stderr


def _runs(key: str) -> tuple[list[dict[str, Any]], list[int]]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        starts = [orjson.loads(item) for item in client.lrange(f"{key}:starts", 0, -1)]
        return starts, [int(pid) for pid in client.lrange(f"{key}:finished", 0, -1)]
    finally:
        client.close()


def _start_redelivery_worker(log_dir: Path, queue: str) -> ManagedProcess:
    log_dir.mkdir(exist_ok=True)
    return start_worker(log_dir, queue=queue, env={"DJANGO_SETTINGS_MODULE": "kyivguide.tests.redelivery_settings"})


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_pool_process_is_killed_runs_again_at_once(tmp_path: Path) -> None:
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-lost-child"
    key = f"{settings.REDIS_KEY_PREFIX}:lost-child"
    worker = _start_redelivery_worker(tmp_path, queue)
    try:
        app.send_task(HANG_ON_FIRST_DELIVERY, args=[key], queue=queue)
        wait_until(lambda: len(_runs(key)[0]) == 1, timeout=30, what="the first run")
        child = _runs(key)[0][0]["pid"]
        os.kill(child, signal.SIGKILL)

        # task_reject_on_worker_lost: the worker requeues the message itself, no visibility timeout involved.
        wait_until(lambda: len(_runs(key)[1]) == 1, timeout=30, what="the second run")
        starts, finished = _runs(key)
    finally:
        worker.stop()

    assert [start["redelivered"] for start in starts] == [False, True]
    assert starts[1]["pid"] != child
    assert finished == [starts[1]["pid"]]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_is_killed_is_redelivered_to_the_restarted_worker(tmp_path: Path) -> None:
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-lost-worker"
    key = f"{settings.REDIS_KEY_PREFIX}:lost-worker"
    first = _start_redelivery_worker(tmp_path / "first", queue)
    try:
        app.send_task(HANG_ON_FIRST_DELIVERY, args=[key], queue=queue)
        wait_until(lambda: len(_runs(key)[0]) == 1, timeout=30, what="the first run")
        delivered = time.monotonic()
        assert first.process is not None
        os.killpg(first.process.pid, signal.SIGKILL)  # the whole worker, pool included: nothing can requeue
        first.process.wait(10)
    finally:
        first.stop()

    # The message is still unacknowledged in Redis (acks_late). A worker that starts restores the
    # messages left unacknowledged longer than the visibility timeout (and then only sweeps every
    # unacked_restore_interval x unacked_restore_throttle seconds), so the restart waits that long.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT_S + 0.5 - (time.monotonic() - delivered)))
    second = _start_redelivery_worker(tmp_path / "second", queue)
    try:
        wait_until(lambda: len(_runs(key)[1]) == 1, timeout=30, what="the redelivered run")
        starts, finished = _runs(key)
    finally:
        second.stop()

    assert [start["redelivered"] for start in starts] == [False, True]
    assert finished == [starts[1]["pid"]]
