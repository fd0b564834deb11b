from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from kyivguide.celery import app
from kyivguide.tasks import ping
from kyivguide.testing import ManagedProcess


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


def test_celery_is_configured_for_safe_redelivery() -> None:
    conf = app.conf

    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit == 240
    assert conf.task_time_limit == 300
    # A task still running must never be handed to a second worker: the visibility timeout exceeds
    # the hard time limit, and broker and result backend agree on it.
    assert conf.broker_transport_options["visibility_timeout"] == 1200
    assert conf.result_backend_transport_options["visibility_timeout"] == 1200
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
