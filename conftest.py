"""Fixtures shared by every app's tests: real worker and web processes, a fake upstream, a browser."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings

from kyivguide.testing import FakeUpstream, ManagedProcess, start_worker

# Fixtures that apps share with their own tests (regions, staff users, advisories).
pytest_plugins = ["alerts.tests.advisory_factories"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MOBILE_VIEWPORT = {"width": 375, "height": 812}


@pytest.fixture(scope="session", autouse=True)
def _clean_redis_keys() -> Iterator[None]:
    """This run's Redis keys (cache, snapshot, queue) are removed at the end, whatever happened."""
    yield
    for prefix in (settings.REDIS_KEY_PREFIX, settings.CELERY_TASK_DEFAULT_QUEUE):
        with contextlib.suppress(redis.RedisError):
            _delete_prefixed(prefix)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache (only this run's keys: they share one prefix)."""
    yield
    with contextlib.suppress(redis.RedisError):
        _delete_prefixed(settings.REDIS_KEY_PREFIX)


def _delete_prefixed(prefix: str) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="session")
def process_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("process-logs")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: Any, django_db_blocker: Any, process_logs: Path) -> Iterator[ManagedProcess]:
    """A real `celery worker` on this run's queue, using the test database.

    Tests that use it must commit their data (`@pytest.mark.django_db(transaction=True)`), since the
    worker sees the database from another connection.
    """
    with django_db_blocker.unblock():
        worker = start_worker(process_logs)
    yield worker
    worker.stop()


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seed_data_dir() -> Path:
    """The shared public data (../shared/data); tests that need it are skipped, with the reason, without it."""
    data_dir = settings.SEED_DATA_DIR
    if data_dir is None or not Path(data_dir).is_dir():
        pytest.skip(f"public data not found (SEED_DATA_DIR={os.environ.get('SEED_DATA_DIR', '../shared/data')})")
    return Path(data_dir)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context at a phone's viewport (375×812)."""
    context = browser.new_context(viewport=MOBILE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()
