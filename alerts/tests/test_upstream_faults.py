"""Upstream faults, each against the real worker: nothing changes but the feed's health, and it recovers.

The worker of these tests polls alerts.in.ua on a port of 127.0.0.1 that each test turns into what
the fault needs: a fake upstream answering badly, a port nobody listens on (connection refused), or
a listener that never accepts (connect timeout). Its timeouts are short, and freshness thresholds
of one second let a test see the status turn `unknown` and come back without waiting long.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from alerts.models import Alert, FeedSource
from alerts.tasks import poll_feed
from alerts.tests.conftest import KYIV_ALERT, active_body
from alerts.tests.factories import kyiv_regions
from kyivguide.testing import FakeResponse, FakeUpstream, ManagedProcess, free_port, start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FAULT_QUEUE = f"kyivguide-test-{os.getpid()}-faults"
ACTIVE = "/v1/alerts/active.json"
CAP = 10 * 1024 * 1024


class Switchboard:
    """One port of 127.0.0.1: a fake upstream, nothing (refused), or a listener whose queue is full."""

    def __init__(self) -> None:
        self.port = free_port()
        self.upstream: FakeUpstream | None = None
        self._held: list[socket.socket] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def serve(self, response: FakeResponse) -> FakeUpstream:
        if self.upstream is None:
            self.silence()
            self.upstream = FakeUpstream(port=self.port).start()
        self.upstream.set(ACTIVE, response)
        return self.upstream

    def silence(self) -> None:
        if self.upstream is not None:
            self.upstream.stop()
            self.upstream = None
        for sock in self._held:
            sock.close()
        self._held = []

    def refuse(self) -> None:
        self.silence()

    def never_accept(self) -> None:
        # A backlog of 0 holds one connection; with it taken and never accepted, the kernel drops
        # every further SYN and the client's connect times out.
        self.silence()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(0)
        self._held = [listener, socket.create_connection(("127.0.0.1", self.port), timeout=2)]


@pytest.fixture(scope="module")
def switchboard() -> Iterator[Switchboard]:
    board = Switchboard()
    yield board
    board.silence()


@pytest.fixture(scope="module")
def fault_worker(
    django_db_setup: Any, django_db_blocker: Any, switchboard: Switchboard, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedProcess]:
    env = {
        "ALERTS_IN_UA_TOKEN": "test-token",
        "ALERTS_IN_UA_BASE_URL": f"{switchboard.base_url}v1/",
        "UKRAINEALARM_API_KEY": "",
        "ALERT_HTTP_CONNECT_TIMEOUT": "0.5",
        "ALERT_HTTP_READ_TIMEOUT": "0.5",
    }
    with django_db_blocker.unblock():
        worker = start_worker(tmp_path_factory.mktemp("fault-worker"), env=env, queue=FAULT_QUEUE)
    yield worker
    worker.stop()


@pytest.fixture
def faults(fault_worker: ManagedProcess, switchboard: Switchboard, settings: Any) -> Iterator[Switchboard]:
    kyiv_regions()
    settings.ALERT_FRESH_SECONDS = 1
    settings.ALERT_UNKNOWN_SECONDS = 1
    settings.STATUS_CACHE_SECONDS = 0
    settings.STATUS_RESPONSE_CACHE = False
    yield switchboard
    assert fault_worker.alive(), fault_worker.log()


def fault_poll() -> str:
    result: str = poll_feed.apply_async(args=("alerts_in_ua",), queue=FAULT_QUEUE, ignore_result=False).get(timeout=30)
    return result


def alert_rows() -> list[tuple[Any, ...]]:
    return list(
        Alert.objects.order_by("pk").values_list("region_id", "kind", "level", "ended_at", "source_key", "updated_at")
    )


def feed() -> FeedSource:
    return FeedSource.objects.get(name="alerts_in_ua")


def kyiv_status(client: Client) -> tuple[str, str]:
    body = client.get("/api/v1/status/31").json()
    return body["freshness"]["state"], body["state"]


GOOD = FakeResponse(200, active_body(KYIV_ALERT), {"Content-Type": "application/json"})


def http(status: int, body: bytes = b"", content_type: str = "application/json") -> Callable[[Switchboard], None]:
    def answer(board: Switchboard) -> None:
        board.serve(FakeResponse(status, body, {"Content-Type": content_type}))

    return answer


def slow(delay: float) -> Callable[[Switchboard], None]:
    def answer(board: Switchboard) -> None:
        board.serve(FakeResponse(200, active_body(KYIV_ALERT), delay=delay))

    return answer


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (http(500, b"oops"), "http: GET {base}v1/alerts/active.json: HTTP 500"),
        (http(401, b'{"message": "bad token"}'), "http: GET {base}v1/alerts/active.json: HTTP 401"),
        (http(200, b"<html>not json</html>", "text/html"), "parse: alerts.in.ua: body is not JSON"),
        (http(200, b'{"alerts": "none"}'), "parse: alerts.in.ua: expected an object with a list 'alerts'"),
        (slow(1.0), "timeout: GET {base}v1/alerts/active.json: timed out (ReadTimeout)"),
        (Switchboard.refuse, "network: GET {base}v1/alerts/active.json: ConnectionError"),
        (Switchboard.never_accept, "timeout: GET {base}v1/alerts/active.json: timed out (ConnectTimeout)"),
        (http(502, b"<html>502 Bad Gateway</html>", "text/html"), "http: GET {base}v1/alerts/active.json: HTTP 502"),
        (http(403, b'{"message": "forbidden"}'), "http: GET {base}v1/alerts/active.json: HTTP 403"),
        (http(200), "parse: alerts.in.ua: body is not JSON"),
        (http(200, active_body(KYIV_ALERT)[:60]), "parse: alerts.in.ua: body is not JSON"),
        (http(200, b'[{"id": 1001}]'), "parse: alerts.in.ua: expected an object with a list 'alerts'"),
    ],
    ids=[
        "500",
        "401",
        "html-body",
        "wrong-shape",
        "read-timeout",
        "connection-refused",
        "connect-timeout",
        "502",
        "403",
        "empty-body",
        "truncated-json",
        "list-not-object",
    ],
)
def test_a_fault_changes_no_alert_turns_freshness_unknown_and_the_next_good_poll_recovers(
    faults: Switchboard, client: Client, fault: Callable[[Switchboard], None], error: str
) -> None:
    faults.serve(GOOD)
    assert fault_poll() == "changed"
    before, success = alert_rows(), feed().last_success_at
    assert kyiv_status(client) == ("fresh", "alert")

    fault(faults)
    assert fault_poll() == "failed"
    assert fault_poll() == "failed"

    assert alert_rows() == before
    source = feed()
    assert source.consecutive_failures == 2
    assert source.last_error.startswith(error.format(base=faults.base_url)), source.last_error
    assert source.last_success_at == success
    # Past the threshold with no success, nothing is said but "unknown" (never a stale "alert" or "clear").
    time.sleep(max(0.0, 1.1 - (time.time() - success.timestamp())))  # type: ignore[union-attr]
    assert kyiv_status(client) == ("unknown", "unknown")

    faults.serve(GOOD)
    assert fault_poll() == "unchanged"
    assert alert_rows() == before
    source = feed()
    assert (source.consecutive_failures, source.last_error) == (0, "")
    assert source.last_success_at > success  # type: ignore[operator]
    assert kyiv_status(client) == ("fresh", "alert")


def test_429_is_waited_out_then_polling_recovers(faults: Switchboard, client: Client) -> None:
    upstream = faults.serve(FakeResponse(429, b"slow down", {"Retry-After": "1"}))
    upstream.requests.clear()

    assert fault_poll() == "failed"
    assert fault_poll() == "rate_limited"
    assert len(upstream.requests_to(ACTIVE)) == 1
    source = feed()
    assert (
        source.last_error
        == f"rate_limited: GET {faults.base_url}v1/alerts/active.json: 429 Too Many Requests, retry after 1 s"
    )

    faults.serve(GOOD)
    time.sleep(max(0.0, (source.retry_after_until.timestamp() - time.time()) + 0.1))  # type: ignore[union-attr]
    assert fault_poll() == "changed"
    assert len(upstream.requests_to(ACTIVE)) == 2
    assert [(a.region_id, a.ended_at) for a in Alert.objects.all()] == [(31, None)]
    assert (feed().consecutive_failures, feed().retry_after_until) == (0, None)
    assert kyiv_status(client) == ("fresh", "alert")


# --- A body over the cap: refused without being read whole ---------------------------------------------------------


def endless() -> Iterator[bytes]:
    chunk = b" " * 65536
    while True:
        yield chunk


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (
            FakeResponse(200, b" " * (11 * 1024 * 1024)),
            f"too_large: GET {{base}}v1/alerts/active.json: Content-Length {11 * 2**20} is over the {CAP}-byte cap",
        ),
        # No Content-Length and no end: only a reader that stops at the cap ever finishes this poll.
        (
            FakeResponse(200, chunks=endless),
            f"too_large: GET {{base}}v1/alerts/active.json: body over the {CAP}-byte cap; not read further",
        ),
    ],
    ids=["content-length-11mb", "endless-body"],
)
def test_a_body_over_the_size_cap_is_refused_and_changes_no_alert(
    faults: Switchboard, response: FakeResponse, error: str
) -> None:
    faults.serve(GOOD)
    assert fault_poll() == "changed"
    before = alert_rows()

    faults.serve(response)
    started = time.monotonic()
    assert fault_poll() == "failed"

    assert time.monotonic() - started < 10
    assert alert_rows() == before
    source = feed()
    assert (source.consecutive_failures, source.last_error) == (1, error.format(base=faults.base_url))
    faults.serve(GOOD)
    assert fault_poll() == "unchanged"
    assert feed().consecutive_failures == 0


def test_a_partly_valid_payload_applies_its_valid_records_and_logs_the_rest(
    faults: Switchboard, fault_worker: ManagedProcess
) -> None:
    def alert(id_: int, uid: str, started: str, finished: str | None = None) -> dict[str, Any]:
        return {
            "id": id_,
            "location_uid": uid,
            "alert_type": "air_raid",
            "started_at": started,
            "finished_at": finished,
        }

    faults.serve(GOOD)
    assert fault_poll() == "changed"
    faults.serve(FakeResponse(200, active_body(alert(1001, "75", "2026-11-20T03:20:00Z"))))
    # Kyiv's alert 1001 is no longer listed; the key now names raion 75: Kyiv's alert ends, 75 opens.
    assert fault_poll() == "changed"
    body = active_body(
        alert(1001, "75", "2026-11-20T03:20:00Z"),
        alert(1001, "75", "2026-11-20T03:21:00Z"),
        alert(2001, "424242", "2026-11-20T03:22:00Z"),
        alert(2002, "76", "2026-11-20T03:22:00Z", "2026-11-20T03:00:00Z"),
        alert(2003, "99999999999999999999", "2026-11-20T03:22:00Z"),
        alert(2004, "77", "2026-11-20T03:23:00Z"),
    )
    faults.serve(FakeResponse(200, body))

    assert fault_poll() == "changed"

    rows = list(Alert.objects.order_by("pk").values_list("region_id", "ended_at", "source_key"))
    assert [(region, ended is None, key) for region, ended, key in rows] == [
        (31, False, "1001"),
        (75, True, "1001#75:air_raid"),
        (77, True, "2004"),
    ]
    assert (feed().consecutive_failures, feed().last_error) == (0, "")
    log = fault_worker.log()
    for expected in [
        "record 1001 rejected: listed twice for region 75 (air_raid); the earlier start is kept",
        "alerts for unknown regions skipped: [424242]",
        "alert 2002: finished_at '2026-11-20T03:00:00Z' is before started_at; end time ignored",
        "record 2003 rejected: region id 99999999999999999999 is out of range",
    ]:
        assert expected in log
