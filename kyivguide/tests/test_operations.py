"""The admin's operations page: feeds (a failing one shown as failing), alerts, snapshot, queue, heartbeat."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from alerts.services.ingest import feed_poll
from kyivguide.tasks import HEARTBEAT_KEY, heartbeat
from kyivguide.testing import FakeResponse, FakeUpstream, ManagedProcess, verified_staff_client

PAGE = "/admin/operations/"


@pytest.fixture
def alerts_in_ua(upstream: FakeUpstream, settings: Any) -> FakeUpstream:
    settings.ALERTS_IN_UA_TOKEN = "test-token"
    settings.ALERTS_IN_UA_BASE_URL = f"{upstream.base_url}v1/"
    settings.ALERT_FEED_ENABLED = {**settings.ALERT_FEED_ENABLED, "alerts_in_ua": True}
    return upstream


@pytest.mark.django_db
def test_a_failing_source_shows_as_failing(alerts_in_ua: FakeUpstream, admin_client: Client) -> None:
    alerts_in_ua.set("/v1/alerts/active.json", FakeResponse(500, b"oops"))
    assert feed_poll(name="alerts_in_ua") == "failed"
    assert feed_poll(name="alerts_in_ua") == "failed"

    response = admin_client.get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    row = page.split('data-feed="alerts_in_ua"', 1)[1].split("</tr>", 1)[0]
    assert 'class="ops-feed ops-failing"' in page.split('data-feed="alerts_in_ua"', 1)[0][-60:]
    assert "<strong>Failing</strong>" in row or "<strong>Не працює</strong>" in row
    assert '<td class="ops-failures">2</td>' in row
    assert "HTTP 500" in row
    assert 'http-equiv="refresh" content="15"' in page  # it reloads itself
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.mark.django_db
def test_a_recovered_source_shows_as_working(alerts_in_ua: FakeUpstream, admin_client: Client) -> None:
    alerts_in_ua.set("/v1/alerts/active.json", FakeResponse(500, b"oops"))
    feed_poll(name="alerts_in_ua")
    alerts_in_ua.set_json("/v1/alerts/active.json", '{"alerts": []}')
    assert feed_poll(name="alerts_in_ua") in ("changed", "unchanged")

    page = admin_client.get("/en" + PAGE).content.decode()

    row = page.split('data-feed="alerts_in_ua"', 1)[1].split("</tr>", 1)[0]
    assert "Working" in row and '<td class="ops-failures">0</td>' in row
    assert "fresh" in row


@pytest.mark.django_db
def test_the_page_shows_alerts_snapshot_queue_and_a_missing_heartbeat(admin_client: Client) -> None:
    page = admin_client.get("/en" + PAGE).content.decode()

    assert '<dd class="ops-active-alerts">0</dd>' in page
    assert '<dd class="ops-queue">0</dd>' in page
    assert "version " in page.split('class="ops-snapshot"', 1)[1][:80]
    assert "none yet" in page and "late: is the worker or beat stopped?" in page


@pytest.mark.django_db
def test_only_staff_who_see_the_feeds_open_it() -> None:
    clerk = User.objects.create_user("clerk", is_staff=True)
    assert verified_staff_client(clerk).get(PAGE).status_code == 403
    assert Client().get(PAGE)["Location"].startswith("/admin/login/")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_comes_from_a_real_worker(celery_worker_process: ManagedProcess) -> None:
    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    deadline = time.monotonic() + 30
    while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    admin = User.objects.create_superuser("root", password="pw-for-test-1")

    page = verified_staff_client(admin).get("/en" + PAGE).content.decode()

    assert cache.get(HEARTBEAT_KEY) is not None
    beat = page.split('class="ops-heartbeat', 1)[1].split("</dd>", 1)[0]
    assert " s ago (" in beat and "late" not in beat
