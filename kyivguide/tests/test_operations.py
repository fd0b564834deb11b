"""The admin's operations page: feeds (a failing one shown as failing), alerts, snapshot, queue, heartbeat."""

from __future__ import annotations

import re
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


# --- Push notifications -----------------------------------------------------------------------------------


def _row(page: str, attribute: str) -> str:
    return page.split(attribute, 1)[1].split("</tr>", 1)[0]


def _cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


@pytest.fixture
def push_figures(db: None) -> dict[str, int]:
    """Five subscriptions in three regions, and two events: one with deliveries of every outcome."""
    from alerts.tests.factories import kyiv_regions
    from push.models import PushDelivery, PushEvent, PushSubscription

    kyiv_regions()
    subscriptions = [
        PushSubscription.objects.create(
            endpoint=f"https://push.example/{n}", p256dh="p", auth="a", region_id=region, chain=[region],
            language=language, drills=drills,
        )
        for n, (region, language, drills) in enumerate(
            [(31, "uk", True), (31, "uk", False), (31, "en", False), (706, "en", False), (74, "uk", False)]
        )
    ]  # fmt: skip
    start = PushEvent.objects.create(kind="start", region_id=31, alert_kind="air_raid", level="red")
    status = PushDelivery.Status
    for subscription, outcome in zip(
        [*subscriptions, None],
        [status.SENT, status.SENT, status.FAILED, status.SENDING, status.RETRYING, status.REMOVED],
        strict=True,
    ):
        PushDelivery.objects.create(event=start, subscription=subscription, status=outcome)
    PushDelivery.objects.create(
        event=PushEvent.objects.create(kind="start", region_id=14, drill=True),
        subscription=subscriptions[0],
        status=status.SKIPPED,
    )
    end = PushEvent.objects.create(kind="end", region_id=706, suppressed="alert feeds unknown")
    return {"start": start.pk, "end": end.pk}


def test_the_page_counts_subscriptions_per_region_and_language(
    push_figures: dict[str, int], admin_client: Client
) -> None:
    page = admin_client.get("/en" + PAGE).content.decode()

    assert '<dd class="ops-subscriptions">5 in 3 regions</dd>' in page
    assert '<dd class="ops-subscriptions-languages">Ukrainian 3, English 2</dd>' in page
    assert '<dd class="ops-subscriptions-drills">1</dd>' in page
    regions = page.split('class="ops-feeds ops-regions"', 1)[1].split("</table>", 1)[0]
    # Most subscribed first; equal counts by region id.
    assert [r.split('"', 1)[0] for r in regions.split('data-region="')[1:]] == ["31", "74", "706"]
    assert _cells(_row(page, 'data-region="31"')) == ["Kyiv", "3", "2", "1", "1"]
    assert _cells(_row(page, 'data-region="74"')) == ["Vyshhorodskyi raion", "1", "1", "0", "0"]
    assert _cells(_row(page, 'data-region="706"'))[1:] == ["1", "0", "1", "0"]


def test_the_page_counts_the_deliveries_of_the_latest_events(
    push_figures: dict[str, int], admin_client: Client
) -> None:
    page = admin_client.get("/en" + PAGE).content.decode()

    events = page.split('class="ops-feeds ops-events"', 1)[1].split("</table>", 1)[0]
    assert events.count("data-event=") == 3
    assert events.index(f'data-event="{push_figures["end"]}"') < events.index(f'data-event="{push_figures["start"]}"')
    start = _row(page, f'data-event="{push_figures["start"]}"')
    assert 'class="ops-event ops-failing"' in page.split(f'data-event="{push_figures["start"]}"', 1)[0][-60:]
    # sent, failed, removed, pending (being sent or to be retried), not needed
    assert _cells(start)[0] == "alert started"
    assert _cells(start)[3:] == ["2", "1", "1", "2", "0"]
    end = _cells(_row(page, f'data-event="{push_figures["end"]}"'))
    assert (end[0], end[3:]) == ("alert ended · not sent: alert feeds unknown", ["0", "0", "0", "0", "0"])
    drill = next(row for row in events.split("<tr")[1:] if "drill" in row)
    assert _cells(drill)[0] == "alert started · drill" and _cells(drill)[3:] == ["0", "0", "0", "0", "1"]


@pytest.mark.django_db
def test_the_push_figures_are_in_ukrainian_too(push_figures: dict[str, int], admin_client: Client) -> None:
    page = admin_client.get(PAGE).content.decode()

    assert '<dd class="ops-subscriptions">5 у 3 регіонах</dd>' in page
    assert '<dd class="ops-subscriptions-languages">українською 3, англійською 2</dd>' in page
    assert _cells(_row(page, 'data-region="31"'))[0] == "м. Київ"
    assert "Доставка сповіщень про останні події" in page


@pytest.mark.django_db
def test_without_subscriptions_the_page_says_so(admin_client: Client) -> None:
    page = admin_client.get("/en" + PAGE).content.decode()
    assert '<dd class="ops-subscriptions">0 in 0 regions</dd>' in page
    assert "No subscription yet." in page and "No notification event yet." in page
