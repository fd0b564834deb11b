"""A task for the redelivery tests: it hangs on its first delivery (until the test kills its worker)."""

from __future__ import annotations

import os
import time
from typing import Any

import orjson
import redis
from celery import shared_task
from django.conf import settings

HANG_ON_FIRST_DELIVERY = "tests.hang_on_first_delivery"


@shared_task(bind=True, name=HANG_ON_FIRST_DELIVERY)
def hang_on_first_delivery(self: Any, key: str) -> None:
    """Record each start (pid, redelivered flag) in the Redis list `key`:starts, and each finish in `key`:finished."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    start = {"pid": os.getpid(), "redelivered": bool(self.request.delivery_info.get("redelivered"))}
    if client.rpush(f"{key}:starts", orjson.dumps(start)) == 1:
        time.sleep(120)
    client.rpush(f"{key}:finished", os.getpid())
