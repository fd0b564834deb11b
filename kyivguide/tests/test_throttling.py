"""Request limits per client, counted in Redis: DRF views and the plain hot-path views alike."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings

from kyivguide.env import ConfigError, env_rate

pytestmark = pytest.mark.django_db

NEAREST = "/api/v1/shelters/nearest?lat=50.45&lon=30.52"  # a plain view
ALERTS = "/api/v1/alerts"  # a DRF view
MOMENT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
THROTTLED = {"error": "throttled", "message": "Request was throttled. Expected available in 60 seconds."}


def rates(read: str = "120/min", write: str = "20/min", report: str = "20/min") -> Any:
    return override_settings(API_THROTTLE_RATES={"read": read, "write": write, "csp-report": report})


def statuses(client: Client, path: str, times: int, method: str = "get", **extra: Any) -> list[int]:
    call = getattr(client, method)
    return [call(path, **extra).status_code for _ in range(times)]


def forwarded(value: str) -> dict[str, Any]:
    return {"headers": {"X-Forwarded-For": value}}


def test_the_api_is_throttled_by_default_at_120_reads_a_minute(client: Client) -> None:
    with time_machine.travel(MOMENT, tick=False):
        # Plain and DRF views draw on one budget of reads.
        assert statuses(client, NEAREST, 60) + statuses(client, ALERTS, 60) == [200] * 120
        plain, drf = client.get(NEAREST), client.get(ALERTS)

    assert (plain.status_code, plain["Retry-After"], plain.json()) == (429, "60", THROTTLED)
    assert (drf.status_code, drf["Retry-After"], drf.json()) == (429, "60", THROTTLED)


@pytest.mark.parametrize("path", [NEAREST, ALERTS])
def test_exact_count_then_429_with_retry_after_until_the_window_moves_on(client: Client, path: str) -> None:
    with rates(read="3/min"), time_machine.travel(MOMENT, tick=False) as clock:
        assert statuses(client, path, 3) == [200, 200, 200]
        refused = client.get(path)
        assert (refused.status_code, refused["Retry-After"], refused["Content-Type"]) == (
            429,
            "60",
            "application/json",
        )
        assert refused.json() == THROTTLED
        # No cache may keep one client's 429 for another, whatever the URL's own policy.
        assert refused["Cache-Control"] == "no-store"

        clock.shift(timedelta(seconds=15))
        later = client.get(path)
        assert (later.status_code, later["Retry-After"]) == (429, "45")

        clock.shift(timedelta(seconds=45.5))
        assert statuses(client, path, 4) == [200, 200, 200, 429]


def test_a_429_is_never_cacheable_even_where_the_url_is(client: Client) -> None:
    with rates(read="1/min"), time_machine.travel(MOMENT, tick=False):
        assert client.get("/api/schema/")["Cache-Control"] == "public, max-age=300"
        refused = client.get("/api/schema/")

    assert (refused.status_code, refused["Cache-Control"], refused["Retry-After"]) == (429, "no-store", "60")


def test_without_redis_the_api_answers_unthrottled(client: Client, caplog: Any) -> None:
    with socket.socket() as probe:  # a free port, nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with rates(read="1/min"), override_settings(REDIS_URL=f"redis://127.0.0.1:{port}/0"):
        assert statuses(client, NEAREST, 2) + statuses(client, ALERTS, 1) == [200, 200, 200]

    assert [r.getMessage() for r in caplog.records if r.name == "kyivguide.throttling"] == [
        "request limits not enforced: Redis is unavailable (ConnectionError)"
    ] * 3


def test_what_other_processes_counted_is_seen_within_the_sync_interval(client: Client) -> None:
    from kyivguide.redis import get_redis, key
    from kyivguide.throttling import SYNC_SECONDS

    window = int(MOMENT.timestamp() // 60)
    counter = key("throttle", "read", "127.0.0.1", str(window))
    with rates(read="10/min"), time_machine.travel(MOMENT, tick=False):
        assert statuses(client, NEAREST, 2) == [200, 200]
        time.sleep(SYNC_SECONDS)
        assert statuses(client, NEAREST, 1) == [200]  # this process's 3 are in Redis now
        assert int(get_redis().get(counter) or 0) == 3
        get_redis().incrby(counter, 6)  # another gunicorn worker (or host) served this client 6 times
        time.sleep(SYNC_SECONDS)
        # 3 + 6 + this one = 10: the budget's last; the next is refused, with the counter's expiry set.
        assert statuses(client, NEAREST, 2) == [200, 429]
        assert 0 < get_redis().ttl(counter) <= 60
    time.sleep(SYNC_SECONDS)
    with rates(read="10/min"), time_machine.travel(MOMENT, tick=False):
        client.get(NEAREST)
    assert int(get_redis().get(counter) or 0) == 12  # every request counted once in Redis, refused or not


def test_clients_are_counted_apart_by_the_address_the_proxy_saw(client: Client) -> None:
    first, second = forwarded("127.0.0.11"), forwarded("127.0.0.12")
    # Addresses left of the proxy's own entry are the client's claims: a new one buys no new budget.
    first_forging = forwarded("127.0.0.99, 127.0.0.11")
    with rates(read="2/min"), override_settings(TRUSTED_PROXY_COUNT=1), time_machine.travel(MOMENT, tick=False):
        assert statuses(client, NEAREST, 3, **first) == [200, 200, 429]
        assert statuses(client, NEAREST, 3, **second) == [200, 200, 429]
        assert statuses(client, ALERTS, 1, **first_forging) == [429]


def test_without_a_trusted_proxy_the_header_is_ignored(client: Client) -> None:
    with rates(read="2/min"), time_machine.travel(MOMENT, tick=False):
        assert statuses(client, NEAREST, 2, headers={"X-Forwarded-For": "127.0.0.21"}) == [200, 200]
        assert statuses(client, NEAREST, 1, headers={"X-Forwarded-For": "127.0.0.22"}) == [429]
        assert statuses(client, NEAREST, 1, REMOTE_ADDR="127.0.0.23") == [200]


def test_writes_are_counted_apart_from_reads(client: Client) -> None:
    with rates(read="2/min", write="1/min"), time_machine.travel(MOMENT, tick=False):
        # DRF checks the limit before the method: a POST to a read-only view is a write all the same.
        assert statuses(client, ALERTS, 2, method="post") == [405, 429]
        assert statuses(client, ALERTS, 3) == [200, 200, 429]


def test_csp_reports_have_a_budget_of_their_own(client: Client) -> None:
    report = {"data": b'{"csp-report": {"blocked-uri": "inline"}}', "content_type": "application/csp-report"}
    with rates(read="1/min", write="1/min", report="2/min"), time_machine.travel(MOMENT, tick=False):
        assert statuses(client, "/csp-report", 3, method="post", **report) == [204, 204, 429]
        assert statuses(client, ALERTS, 2, method="post") == [405, 429]
        assert statuses(client, NEAREST, 2) == [200, 429]


def test_the_status_is_not_throttled_in_the_application(client: Client) -> None:
    # Everyone's phone polls it, and it is the same bytes for all: the edge limits it (README).
    with rates(read="1/min"), time_machine.travel(MOMENT, tick=False):
        assert statuses(client, NEAREST, 2) == [200, 429]
        assert statuses(client, "/api/v1/status", 5) == [200] * 5


@pytest.mark.parametrize("value", ["120", "120/fortnight", "0/min", "-1/min", "1.5/s", "120 / min"])
def test_a_malformed_rate_stops_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match="API_THROTTLE_READS must be a rate such as 120/min"):
        env_rate("API_THROTTLE_READS", "120/min", environ={"API_THROTTLE_READS": value})


def test_rates_are_read_as_drf_does() -> None:
    assert [env_rate("R", "120/min", environ=environ) for environ in ({}, {"R": "5/s"}, {"R": "1000/day"})] == [
        "120/min",
        "5/s",
        "1000/day",
    ]
