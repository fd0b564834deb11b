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

from kyivguide.testing import FakeUpstream, ManagedProcess, start_worker, verified_staff_client

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
def fresh_shelter_index() -> Iterator[None]:
    """Each test, in every app, starts with no nearest-search index in this process (the live server's
    threads share it): factories write shelters without bumping the catalogue version, which is what tells
    a running process to rebuild it, so an index built by an earlier test would answer with its shelters."""
    from shelters.selectors.shelter_index import shelter_index_forget  # the apps are loaded by now

    shelter_index_forget()
    yield
    shelter_index_forget()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache (only this run's keys: they share one prefix), and with no
    request counted by this process's throttle (its counts are those keys' local part)."""
    from kyivguide.throttling import throttle_forget

    yield
    with contextlib.suppress(redis.RedisError):
        _delete_prefixed(settings.REDIS_KEY_PREFIX)
    throttle_forget()


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


def _seed_data_missing() -> str | None:
    """Why the shared public data (../shared/data) cannot be used, or None when it can."""
    data_dir = settings.SEED_DATA_DIR
    if data_dir is not None and Path(data_dir).is_dir():
        return None
    return f"public data not found (SEED_DATA_DIR={os.environ.get('SEED_DATA_DIR', '../shared/data')})"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes", "on"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Marked from the fixture itself, before `-m` deselects, so that no test can need the data unmarked.
    for item in items:
        if "seed_data_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.seed_data)


def pytest_collection_finish(session: pytest.Session) -> None:
    # A developer without the data gets skips with the reason; CI has the data, so its absence there is a
    # broken set-up that must not pass as a green run with the tests quietly skipped.
    if not _in_ci() or not any(item.get_closest_marker("seed_data") for item in session.items):
        return
    missing = _seed_data_missing()
    if missing is not None:
        raise pytest.UsageError(f"CI=true and the tests marked seed_data cannot run: {missing}")


@pytest.fixture(scope="session")
def seed_data_dir() -> Path:
    """The shared public data (../shared/data); without it the tests that need it are skipped with the reason
    (every such test is marked seed_data; in CI its absence fails the run, see pytest_collection_finish)."""
    missing = _seed_data_missing()
    if missing is not None:
        pytest.skip(missing)
    assert settings.SEED_DATA_DIR is not None
    return Path(settings.SEED_DATA_DIR)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for one test module.

    Playwright's sync API keeps an event loop running in the test thread from start to stop, and
    Django refuses ORM calls made beside a running loop. The browser tests do make such calls (plain
    synchronous ones), so they alone run with DJANGO_ALLOW_ASYNC_UNSAFE; the module scope ends the loop,
    and the exemption, when a module's browser tests are done, so every other test keeps Django's check.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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


@pytest.fixture
def admin_client(db: Any, admin_user: Any) -> Any:
    """pytest-django's admin client, signed in with both factors: every staff account needs a
    confirmed second factor (kyivguide/staff_auth.py), and the tests keep that requirement on."""
    return verified_staff_client(admin_user)
