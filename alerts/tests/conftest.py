"""Fixtures of the alerts tests: a fake upstream, and a worker (and beat) that poll it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.models import FeedSource, Region
from alerts.services.regions import regions_import_from_dir
from alerts.tasks import poll_feed
from alerts.tests.factories import FeedSourceFactory, kyiv_regions
from kyivguide.testing import FakeUpstream, ManagedProcess, start_beat, start_worker

INGEST_QUEUE = f"kyivguide-test-{os.getpid()}-ingest"

KYIV_ALERT = {
    "id": 1001,
    "location_title": "м. Київ",
    "location_type": "city",
    "started_at": "2026-11-20T03:12:45.000Z",
    "finished_at": None,
    "alert_type": "air_raid",
    "location_uid": "31",
    "alert_level": "red",
}


def active_body(*alerts: dict[str, Any]) -> bytes:
    return json.dumps({"alerts": list(alerts), "meta": {"last_updated_at": "2026/11/20 03:20:01 +0000"}}).encode()


@pytest.fixture(scope="module")
def real_regions(django_db_setup: Any, django_db_blocker: Any, seed_data_dir: Path) -> Iterator[None]:
    """The real regions, imported once for this module (2 s) and removed after it."""
    with django_db_blocker.unblock():
        regions_import_from_dir(data_dir=seed_data_dir)
    yield
    with django_db_blocker.unblock():
        for kind in (Region.Kind.HROMADA, Region.Kind.RAION):
            Region.objects.filter(kind=kind).delete()
        Region.objects.all().delete()


@pytest.fixture
def kyiv_feed(db: None) -> FeedSource:
    """Kyiv's regions and one enabled alerts.in.ua source (apply snapshots with factories.poll_and_publish)."""
    kyiv_regions()
    return FeedSourceFactory.create(name="alerts_in_ua")


def poll(name: str) -> str:
    """One poll of a feed, run by the ingest worker; returns what happened."""
    result: str = poll_feed.apply_async(args=(name,), queue=INGEST_QUEUE, ignore_result=False).get(timeout=30)
    return result


@pytest.fixture(scope="session")
def feed_upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream().start()
    yield server
    server.stop()


def ingest_env(upstream: FakeUpstream) -> dict[str, str]:
    """Configuration of the processes that poll the fake upstream (their own queue)."""
    return {
        "CELERY_QUEUE": INGEST_QUEUE,
        "ALERTS_IN_UA_TOKEN": "test-token",
        "ALERTS_IN_UA_BASE_URL": f"{upstream.base_url}v1/",
        "UKRAINEALARM_API_KEY": "test-key",
        "UKRAINEALARM_BASE_URL": f"{upstream.base_url}api/v3/",
        "ALERT_HTTP_READ_TIMEOUT": "1",
    }


@pytest.fixture(scope="session")
def ingest_worker(
    django_db_setup: Any, django_db_blocker: Any, feed_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedProcess]:
    with django_db_blocker.unblock():
        worker = start_worker(
            tmp_path_factory.mktemp("ingest-worker"), env=ingest_env(feed_upstream), queue=INGEST_QUEUE
        )
    yield worker
    worker.stop()


@pytest.fixture
def ingest_regions(ingest_worker: ManagedProcess, feed_upstream: FakeUpstream) -> Iterator[None]:
    """Kyiv's regions, a clean fake upstream, and a check that the worker survived the test."""
    kyiv_regions()
    feed_upstream.responses.clear()
    feed_upstream.requests.clear()
    yield
    assert ingest_worker.alive(), ingest_worker.log()


@pytest.fixture
def beat(ingest_worker: ManagedProcess, feed_upstream: FakeUpstream, tmp_path: Path) -> Iterator[ManagedProcess]:
    """Celery beat scheduling a poll of alerts.in.ua every second, as `make run` does every 10 s."""
    process = start_beat(tmp_path, env={**ingest_env(feed_upstream), "ALERT_POLL_SECONDS": "1"})
    yield process
    process.stop()
