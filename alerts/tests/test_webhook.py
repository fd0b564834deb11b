"""The ukrainealarm webhook in the web process: its secret, its answers to bad calls, its limit, the poll
request it leaves (and nothing else), the follow-up poll for a change that lands mid-poll, and registering
it with the (fake) upstream. Through the real worker and push service: push/tests/test_push_webhook.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from alerts.models import Alert, FeedSource
from alerts.services.ingest import POLL_ROUNDS_MAX, feed_poll
from alerts.services.poll_requests import feed_poll_request, poll_requested
from alerts.tests.factories import kyiv_regions
from kyivguide.testing import FakeResponse, FakeUpstream, RecordedRequest

SECRET = "hook-" + "s3cr3t" * 5
HOOK = f"/hooks/ukrainealarm/{SECRET}"
STATUS, ALERTS, WEBHOOK = "/api/v3/alerts/status", "/api/v3/alerts", "/api/v3/webhook"
# What ukrainealarm sends on a change (AlertRegionModel, openapi_v3_swagger.yaml).
CALL = {
    "regionId": "31",
    "regionType": "State",
    "regionName": "м. Київ",
    "regionEngName": "Kyiv City",
    "lastUpdate": "2026-11-20T03:12:45Z",
    "activeAlerts": [{"regionId": "31", "regionType": "State", "type": "AIR", "lastUpdate": "2026-11-20T03:12:45Z"}],
}
KYIV_AIR = [{"regionId": "31", "regionType": "State", "regionName": "м. Київ", "activeAlerts": CALL["activeAlerts"]}]


# Kombu's Redis transport keeps a queue's messages of each priority step in a list of its own.
QUEUE_KEYS = [settings.CELERY_TASK_DEFAULT_QUEUE + suffix for suffix in ("", "\x06\x163", "\x06\x166", "\x06\x169")]


def queued_tasks() -> list[tuple[str, str]]:
    """(task name, its arguments) of every message waiting in this run's queue."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        messages = [json.loads(raw) for name in QUEUE_KEYS for raw in client.lrange(name, 0, -1)]
    finally:
        client.close()
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


@pytest.fixture(autouse=True)
def _nothing_left_queued() -> Iterator[None]:
    """The polls these tests queue are for no worker (the web process only asks): gone after each test."""
    yield
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        client.delete(*QUEUE_KEYS)
    finally:
        client.close()


@pytest.fixture
def hook(settings: Any, upstream: FakeUpstream) -> FakeUpstream:
    settings.UKRAINEALARM_WEBHOOK_SECRET = SECRET
    settings.UKRAINEALARM_API_KEY = "test-key"
    settings.UKRAINEALARM_BASE_URL = f"{upstream.base_url}api/v3/"
    settings.ALERT_FEED_ENABLED = {"alerts_in_ua": False, "ukrainealarm": True, "replay": False}
    return upstream


def post(client: Client, path: str, body: bytes | str, content_type: str = "application/json") -> Any:
    return client.post(path, body, content_type=content_type)


@pytest.mark.django_db
def test_a_call_asks_for_one_poll_and_stores_nothing(hook: FakeUpstream, client: Client) -> None:
    first = post(client, HOOK, json.dumps(CALL))
    again = post(client, HOOK, json.dumps({**CALL, "regionId": "14"}))
    empty = post(client, HOOK, b"")

    assert (first.status_code, first.json()) == (202, {"poll": "queued"})
    # A poll is pending (it has not taken the request yet): it will see these changes too.
    assert (again.status_code, again.json()) == (202, {"poll": "pending"})
    assert (empty.status_code, empty.json()) == (202, {"poll": "pending"})
    assert first["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert poll_requested(name="ukrainealarm")
    # One poll of the feed queued for the three calls, with the requests' lifetime as its expiry.
    assert queued_tasks() == [("alerts.poll_feed", "('ukrainealarm',)")]
    # The body is a hint: no alert, no source, nothing asked of the upstream by the web process.
    assert (Alert.objects.count(), FeedSource.objects.count(), hook.requests) == (0, 0, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "secret_setting, path",
    [
        ("", "/hooks/ukrainealarm/x"),  # no secret: no webhook
        ("", "/hooks/ukrainealarm/" + "a" * 30),
        (SECRET, "/hooks/ukrainealarm/" + SECRET[:-1] + "X"),  # one character off
        (SECRET, "/hooks/ukrainealarm/" + SECRET[:-1]),
        (SECRET, "/hooks/ukrainealarm/"),
    ],
)
def test_without_the_secret_there_is_no_webhook(
    hook: FakeUpstream, client: Client, settings: Any, secret_setting: str, path: str
) -> None:
    settings.UKRAINEALARM_WEBHOOK_SECRET = secret_setting
    for response in (post(client, path, json.dumps(CALL)), client.get(path)):
        assert response.status_code == 404
        if path != "/hooks/ukrainealarm/":  # (that one is no route at all: the site's own 404)
            assert response.json() == {"error": "not_found", "message": "Not found."}
    assert not poll_requested(name="ukrainealarm")


@pytest.mark.django_db
def test_without_the_feed_there_is_no_webhook(hook: FakeUpstream, client: Client, settings: Any) -> None:
    settings.ALERT_FEED_ENABLED = {"alerts_in_ua": False, "ukrainealarm": False, "replay": False}
    assert post(client, HOOK, json.dumps(CALL)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, message",
    [
        (
            b"{not json",
            "The body is not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1).",
        ),
        (b"\xff{}", "The body is not JSON: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte."),
        (b"[1, 2]", "Expected a JSON object (the region that changed)."),
        (b'"31"', "Expected a JSON object (the region that changed)."),
        (b'{"regionId": {"a": 1}}', "regionId must be a string or a number."),
        (b'{"regionId": true}', "regionId must be a string or a number."),
        (b'{"activeAlerts": "AIR"}', "activeAlerts must be a list."),
    ],
)
def test_a_bad_body_is_a_400_with_its_reason(hook: FakeUpstream, client: Client, body: bytes, message: str) -> None:
    response = post(client, HOOK, body)
    assert (response.status_code, response.json()) == (400, {"error": "invalid", "message": message})
    assert not poll_requested(name="ukrainealarm")


@pytest.mark.django_db
def test_other_methods_and_huge_bodies_are_refused(hook: FakeUpstream, client: Client) -> None:
    response = client.get(HOOK)
    assert (response.status_code, response["Allow"]) == (405, "POST")
    huge = post(client, HOOK, json.dumps({**CALL, "regionName": "x" * 70_000}))
    assert (huge.status_code, huge.json()["error"]) == (413, "too_large")


@pytest.mark.django_db
def test_calls_beyond_the_rate_are_a_429(hook: FakeUpstream, client: Client, settings: Any) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "webhook": "3/min"}
    answers = [post(client, HOOK, json.dumps(CALL)) for _ in range(4)]
    # Guessing counts too: a wrong secret spends the same budget.
    guess = post(client, "/hooks/ukrainealarm/" + "g" * 30, b"{}")
    assert [a.status_code for a in answers] + [guess.status_code] == [202, 202, 202, 429, 429]
    assert answers[3]["Retry-After"].isdigit() and answers[3]["Cache-Control"] == "no-store"
    assert answers[3].json()["error"] == "throttled"


# --- The poll again flag -----------------------------------------------------------------------------------


@pytest.fixture
def alarm(hook: FakeUpstream, db: None) -> FakeUpstream:
    kyiv_regions()
    hook.set_json(STATUS, b'{"lastActionIndex": 1}')
    hook.set_json(ALERTS, b"[]")
    return hook


def test_a_change_announced_during_a_poll_gets_a_poll_after_it(alarm: FakeUpstream) -> None:
    """The webhook's own poll finds the lease taken ("busy"); the poll in flight polls once more."""

    def alerts_then_change(request: RecordedRequest) -> FakeResponse:
        # The upstream changes while this poll is reading its (old) list, and calls the webhook.
        alarm.set_json(STATUS, b'{"lastActionIndex": 2}')
        alarm.set_json(ALERTS, json.dumps(KYIV_AIR))
        feed_poll_request(name="ukrainealarm")
        return FakeResponse(200, b"[]", {"Content-Type": "application/json"})

    alarm.set(ALERTS, alerts_then_change)

    assert feed_poll(name="ukrainealarm") == "changed"

    assert (len(alarm.requests_to(STATUS)), len(alarm.requests_to(ALERTS))) == (2, 2)
    assert list(Alert.objects.filter(ended_at__isnull=True).values_list("region_id", "kind")) == [(31, "air_raid")]
    assert not poll_requested(name="ukrainealarm")  # taken by the second round
    assert FeedSource.objects.get(name="ukrainealarm").last_action_index == 2


def test_a_storm_of_requests_is_polled_a_few_rounds_then_handed_to_a_new_task(alarm: FakeUpstream) -> None:
    def always_changing(request: RecordedRequest) -> FakeResponse:
        feed_poll_request(name="ukrainealarm")  # a call during every poll
        return FakeResponse(200, b'{"lastActionIndex": 1}', {"Content-Type": "application/json"})

    alarm.set(STATUS, always_changing)

    assert feed_poll(name="ukrainealarm") == "unchanged"

    assert len(alarm.requests_to(STATUS)) == POLL_ROUNDS_MAX == 5
    assert poll_requested(name="ukrainealarm")  # still asked for: the task queued next takes it


def test_without_a_request_a_poll_polls_once(alarm: FakeUpstream) -> None:
    assert feed_poll(name="ukrainealarm") == "unchanged"  # no alert yet
    assert (len(alarm.requests_to(STATUS)), len(alarm.requests_to(ALERTS))) == (1, 1)


def test_a_poll_takes_a_request_made_before_it_started(alarm: FakeUpstream) -> None:
    assert feed_poll_request(name="ukrainealarm") is True
    assert feed_poll(name="ukrainealarm") == "unchanged"
    # The request was answered by this poll's fetch: no second round, and the next call queues again.
    assert len(alarm.requests_to(STATUS)) == 1
    assert feed_poll_request(name="ukrainealarm") is True


# --- Registering it ------------------------------------------------------------------------------------------


@pytest.fixture
def register(hook: FakeUpstream) -> Iterator[FakeUpstream]:
    hook.set_json(WEBHOOK, b"{}")
    yield hook


@pytest.mark.parametrize("action, method", [("register", "POST"), ("update", "PATCH"), ("unregister", "DELETE")])
def test_the_command_registers_the_webhook_with_the_upstream(register: FakeUpstream, action: str, method: str) -> None:
    out = StringIO()
    call_command("ukrainealarm_webhook", action, "--site", "https://kyivguide.example/", stdout=out)

    (sent,) = register.requests_to(WEBHOOK)
    assert (sent.method, sent.headers["authorization"], sent.headers["content-type"]) == (
        method,
        "test-key",
        "application/json",
    )
    assert json.loads(sent.body) == {"webHookUrl": f"https://kyivguide.example{HOOK}"}
    assert out.getvalue() == f"{action}: done (HTTP 200) for https://kyivguide.example/hooks/ukrainealarm/…\n"
    assert SECRET not in out.getvalue()


def test_the_command_says_what_went_wrong(register: FakeUpstream, settings: Any) -> None:
    register.set(WEBHOOK, FakeResponse(401, b'{"message": "bad key test-key"}'))
    with pytest.raises(CommandError, match=r"^POST http://127\.0\.0\.1:\d+/api/v3/webhook: HTTP 401$"):
        call_command("ukrainealarm_webhook", "register", "--site", "https://kyivguide.example")
    with pytest.raises(CommandError, match="https origin without a path"):
        call_command("ukrainealarm_webhook", "register", "--site", "http://kyivguide.example")
    with pytest.raises(CommandError, match="https origin without a path"):
        call_command("ukrainealarm_webhook", "register", "--site", "https://kyivguide.example/hooks")
    settings.UKRAINEALARM_WEBHOOK_SECRET = ""
    with pytest.raises(CommandError, match="UKRAINEALARM_WEBHOOK_SECRET is not set"):
        call_command("ukrainealarm_webhook", "register", "--site", "https://kyivguide.example")
    assert len(register.requests_to(WEBHOOK)) == 1
