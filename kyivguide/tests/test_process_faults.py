"""Process and service faults (issue 11 §3), each against real processes: a worker killed in the middle of
an apply, two beats, a lost Redis, a lost PostgreSQL.

The Redis and the PostgreSQL that these tests stop are their own (`RedisServer`, `PostgresCluster` in
kyivguide.testing: a redis-server and a PostgreSQL 15 cluster on free ports), never the machine's.
Only the remote alert API is replaced, by the fake upstream on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from alerts.models import Alert, FeedSource
from alerts.selectors.status import iso
from alerts.tests.conftest import KYIV_ALERT, active_body
from alerts.tests.factories import kyiv_regions
from kyivguide.celery import app
from kyivguide.testing import (
    FakeResponse,
    FakeUpstream,
    PostgresCluster,
    RedisServer,
    http_get,
    run_python,
    start_beat,
    start_web,
    start_worker,
    wait_until,
    worker_process,
)
from kyivguide.tests.redelivery_settings import VISIBILITY_TIMEOUT_S

pytestmark = [pytest.mark.worker, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ACTIVE = "/v1/alerts/active.json"
POLL = "alerts.poll_feed"


def feed_env(upstream: FakeUpstream) -> dict[str, str]:
    return {
        "ALERTS_IN_UA_TOKEN": "test-token",
        "ALERTS_IN_UA_BASE_URL": f"{upstream.base_url}v1/",
        "UKRAINEALARM_API_KEY": "",
        "REPLAY_SIRENS_CSV": "",
    }


def alert(uid: int, key: int, level: str | None = "red", started: str = "2026-11-20T03:12:45.000Z") -> dict[str, Any]:
    return {**KYIV_ALERT, "id": key, "location_uid": str(uid), "alert_level": level, "started_at": started}


def stored_alerts() -> list[tuple[Any, ...]]:
    return list(
        Alert.objects.order_by("region_id", "started_at").values_list(
            "region_id", "kind", "level", "started_at", "ended_at", "source_key"
        )
    )


def last_success() -> datetime | None:
    return FeedSource.objects.filter(name="alerts_in_ua").values_list("last_success_at", flat=True).first()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- A worker killed in the middle of an apply -----------------------------------------------------------


def _test_connection() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None, dbname=db["NAME"], autocommit=False
    )


def _waiting_on(holder: psycopg.Connection[Any]) -> list[int]:
    """Backends waiting for a lock that `holder`'s session holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [holder.info.backend_pid]
        )
        return [row[0] for row in cursor.fetchall()]


def _query_of(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return str(cursor.fetchone()[0])


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return bool(cursor.fetchone()[0])


def test_a_worker_killed_in_the_middle_of_an_apply_loses_and_doubles_nothing(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    kyiv_regions()
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-killed-apply"
    # The redelivery settings: a visibility timeout of seconds, so the killed poll comes back soon.
    env = {**feed_env(upstream), "DJANGO_SETTINGS_MODULE": "kyivguide.tests.redelivery_settings"}
    (tmp_path / "first").mkdir()
    first = start_worker(tmp_path / "first", concurrency=1, env=env, queue=queue)
    try:
        upstream.set_json(ACTIVE, active_body(alert(31, 1001), alert(14, 1002, level="yellow")))
        assert app.send_task(POLL, args=["alerts_in_ua"], queue=queue, ignore_result=False).get(timeout=30) == (
            "changed"
        )
        before = stored_alerts()
        assert [row[0] for row in before] == [14, 31]

        # The next snapshot ends Kyiv's alert, raises the oblast's level and opens two raions' alerts.
        upstream.set_json(
            ACTIVE,
            active_body(alert(14, 1002, level="red"), alert(73, 1003), alert(75, 1004, started="2026-11-20T03:14:00Z")),
        )
        # The test holds the oblast alert's row: the apply closes Kyiv's alert, then waits in the
        # UPDATE of the oblast's level, its work half done and not committed.
        holder = _test_connection()
        holder.execute(f"SELECT 1 FROM {Alert._meta.db_table} WHERE source_key = '1002' FOR UPDATE")  # noqa: S608
        app.send_task(POLL, args=["alerts_in_ua"], queue=queue)
        delivered = time.monotonic()
        wait_until(lambda: bool(_waiting_on(holder)), timeout=30, what="the apply to wait on the held row")
        (backend,) = _waiting_on(holder)
        assert _query_of(backend).startswith(f"UPDATE {Alert._meta.db_table} AS a SET level")  # noqa: S608
        assert first.process is not None
        os.killpg(first.process.pid, signal.SIGKILL)  # the whole worker, pool included
        first.process.wait(10)
        holder.rollback()
        holder.close()
        # The killed worker's backend finds its client gone and rolls back.
        wait_until(lambda: not _backend_alive(backend), timeout=30, what="the killed worker's session to end")
    finally:
        first.stop()

    assert stored_alerts() == before  # nothing of the interrupted apply was kept

    # The unacknowledged poll is redelivered once the visibility timeout has passed, to the restarted worker.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT_S + 0.5 - (time.monotonic() - delivered)))
    success = last_success()
    (tmp_path / "second").mkdir()
    second = start_worker(tmp_path / "second", concurrency=1, env=env, queue=queue)
    try:
        wait_until(lambda: last_success() != success, timeout=30, what="the redelivered poll to apply")
        ended = last_success()
        # What a clean apply of that snapshot stores: each alert once, Kyiv's closed when seen ended.
        assert stored_alerts() == [
            (14, "air_raid", "red", _at("2026-11-20T03:12:45Z"), None, "1002"),
            (31, "air_raid", "red", _at("2026-11-20T03:12:45Z"), ended, "1001"),
            (73, "air_raid", "red", _at("2026-11-20T03:12:45Z"), None, "1003"),
            (75, "air_raid", "red", _at("2026-11-20T03:14:00Z"), None, "1004"),
        ]
        # Applying it once more changes nothing: it was applied whole, once.
        assert app.send_task(POLL, args=["alerts_in_ua"], queue=queue, ignore_result=False).get(timeout=30) == (
            "unchanged"
        )
        assert len(stored_alerts()) == 4
    finally:
        second.stop()


# --- Two beats by mistake ------------------------------------------------------------------------------


def test_two_beats_running_by_mistake_make_no_duplicate_alert_and_no_overlapping_poll(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    kyiv_regions()
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-two-beats"
    env = {**feed_env(upstream), "CELERY_QUEUE": queue, "ALERT_POLL_SECONDS": "1"}
    # Each poll takes 1.5 s upstream while each beat sends one a second: they would overlap.
    upstream.set(ACTIVE, FakeResponse(200, active_body(KYIV_ALERT), {"Content-Type": "application/json"}, delay=1.5))
    worker = start_worker(tmp_path, concurrency=2, env=env, queue=queue)
    beats = [start_beat(tmp_path, env=env, name=f"beat-{n}") for n in (1, 2)]
    try:
        wait_until(lambda: len(upstream.requests_to(ACTIVE)) >= 3, timeout=30, what="three polls")
        for beat in beats:
            assert beat.alive(), beat.log()
            assert "Sending due task poll-alerts_in_ua" in beat.log(), beat.log()
    finally:
        for beat in beats:
            beat.stop()
        worker.stop()

    assert upstream.max_in_flight == 1
    assert list(Alert.objects.values_list("region_id", "source_key", "ended_at")) == [(31, "1001", None)]
    assert "busy" in worker.log()


# --- Redis lost, then back -----------------------------------------------------------------------------

PUBLIC_PAGES = ["/", "/en/", "/alerts/", "/alerts/31/", "/en/alerts/31/", "/shelters/", "/advisories/", "/guide/"]


def _get_json(base: str, path: str) -> tuple[int, Any]:
    status, _headers, body = http_get(f"{base}{path}")
    return status, orjson.loads(body)


def test_redis_lost_then_back_the_site_answers_from_the_database_and_polling_resumes(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    kyiv_regions()
    own_redis = RedisServer(tmp_path).start()
    env = {
        **feed_env(upstream),
        "REDIS_URL": own_redis.url,
        "CELERY_QUEUE": f"{settings.CELERY_TASK_DEFAULT_QUEUE}-lost-redis",
        "ALERT_POLL_SECONDS": "1",
        "STATUS_CACHE_SECONDS": "0",
        # The advisory sweep also repairs a missing snapshot, but only every minute: not what is tested.
        "ADVISORY_REFRESH_SECONDS": "60",
    }
    upstream.set_json(ACTIVE, active_body(KYIV_ALERT))
    client = redis.Redis.from_url(own_redis.url, socket_timeout=2)
    snapshot_key = f"{settings.REDIS_KEY_PREFIX}:status:snapshot"
    processes = [worker_process(tmp_path, concurrency=1, env=env).start(), start_beat(tmp_path, env=env)]
    try:
        web, base = start_web(tmp_path, env=env)
        processes.append(web)
        wait_until(lambda: client.exists(snapshot_key) == 1, timeout=30, what="the first poll's snapshot")
        assert Alert.objects.filter(region_id=31, ended_at=None).count() == 1

        own_redis.stop()

        status, body = _get_json(base, "/api/v1/status")
        assert (status, [a["region"] for a in body["alerts"]]) == (200, [31])
        status, body = _get_json(base, "/api/v1/status/31")
        assert (status, body["state"], body["alerts"][0]["region"]) == (200, "alert", 31)
        assert {path: http_get(f"{base}{path}")[0] for path in PUBLIC_PAGES} == dict.fromkeys(PUBLIC_PAGES, 200)
        status, body = _get_json(base, "/readyz")
        assert (status, body["checks"]) == (
            503,
            {"database": "ok", "postgis": "ok", "redis": "unavailable", "broker": "unavailable"},
        )

        # Back, empty (no persistence): the snapshot is published again and the polls resume, no restart.
        own_redis.start()
        back_at = time.time()
        wait_until(
            lambda: last_success().timestamp() > back_at,  # type: ignore[union-attr]
            timeout=45,
            what="a successful poll after the outage",
        )
        # That poll changed no alert, and still republished the snapshot that Redis lost.
        wait_until(lambda: client.exists(snapshot_key) == 1, timeout=3, what="the snapshot republished")
        assert _get_json(base, "/readyz")[0] == 200
        published = orjson.loads(client.get(snapshot_key))  # type: ignore[arg-type]
        assert [a["region"] for a in published["alerts"]] == [31]
        for process in processes:
            assert process.alive(), process.log()
    finally:
        for process in processes:
            process.stop()
        client.close()
        own_redis.stop()


# --- PostgreSQL lost, then back --------------------------------------------------------------------------

# What the worker would have done before the outage: Kyiv's regions, an oblast-wide alert, a feed that
# has just succeeded, an advisory, and the snapshot published to Redis. Prints the success's timestamp.
SEED = """
import django
django.setup()
from datetime import UTC, datetime
from django.utils import timezone
from alerts.models import Alert, FeedSource
from alerts.services.advisories import advisory_publish
from alerts.services.status import status_snapshot_publish
from alerts.tests.advisory_factories import PUBLISHER_PERMS, AdvisoryFactory, UserFactory
from alerts.tests.factories import kyiv_regions
kyiv_regions()
draft = AdvisoryFactory.create(title_uk="Зачиняйте вікна", title_en="Close the windows")
advisory_publish(advisory_id=draft.pk, by=UserFactory.create(username="publisher", perms=PUBLISHER_PERMS))
source = FeedSource.objects.create(name="alerts_in_ua", kind="alerts_in_ua", last_success_at=timezone.now())
Alert.objects.create(region_id=14, kind="air_raid", level="red", source=source, source_key="1002",
                     started_at=datetime(2026, 11, 20, 3, 12, 45, tzinfo=UTC))
status_snapshot_publish()
print(source.last_success_at.timestamp())
"""


# Pages that need the database (the shelter map does not: its data is the GeoJSON, kept offline too).
DATABASE_PAGES = ["/alerts/", "/en/alerts/31/", "/advisories/", "/en/advisories/", "/shelters/1/", "/en/shelters/1/"]


def test_postgresql_lost_then_back_the_status_answers_from_redis_and_pages_say_503(tmp_path: Path) -> None:
    cluster = PostgresCluster().init()
    try:
        _postgresql_lost_then_back(cluster, tmp_path)
    finally:
        cluster.remove()


def _postgresql_lost_then_back(cluster: PostgresCluster, tmp_path: Path) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "kyivguide.settings",
        "DATABASE_URL": cluster.url("kyivguide_lost_db"),
        "REDIS_KEY_PREFIX": f"{settings.REDIS_KEY_PREFIX}-lost-db",
        "ALERT_FRESH_SECONDS": "8",
        "ALERT_UNKNOWN_SECONDS": "8",
        "STATUS_CACHE_SECONDS": "0",
        "STATUS_RESPONSE_CACHE": "0",
    }
    for command in (["manage.py", "ensure_database"], ["manage.py", "migrate", "--noinput", "-v", "0"], ["-c", SEED]):
        done = run_python(command, env)
        assert done.returncode == 0, done.stdout + done.stderr
    succeeded_at = float(done.stdout.split()[-1])
    web, base = start_web(tmp_path, env=env)
    try:
        assert http_get(f"{base}/shelters/1/")[0] == 404

        cluster.stop()

        # The status, the region status and the home page: from the snapshot in Redis, with its freshness.
        status, body = _get_json(base, "/api/v1/status")
        assert (status, [a["region"] for a in body["alerts"]], body["freshness"]["state"]) == (200, [14], "fresh")
        assert body["freshness"]["last_success_at"] == iso(datetime.fromtimestamp(succeeded_at, tz=UTC))
        assert [a["title_en"] for a in body["advisories"]] == ["Close the windows"]
        assert [_region_state(base, uid) for uid in (31, 14, 73)] == [
            (200, "clear", "fresh", ["м. Київ"]),
            (200, "alert", "fresh", ["Київська область"]),
            (200, "alert", "fresh", ["Білоцерківський район", "Київська область"]),
        ]
        status, _headers, page = http_get(f"{base}/en/?region=73")
        assert status == 200
        assert 'data-state="alert"' in page.decode()
        assert "Close the windows" in page.decode()
        assert http_get(f"{base}/")[0] == 200

        # The other pages: a page that says so, in its language, with a 503 (never a traceback).
        for path in DATABASE_PAGES:
            status, headers, page = http_get(f"{base}{path}")
            assert (status, headers["Retry-After"], headers["Cache-Control"]) == (503, "30", "no-store"), path
            text = page.decode()
            assert "Traceback" not in text and "OperationalError" not in text
            english = path.startswith("/en/")
            assert ("This page is temporarily unavailable" if english else "Ця сторінка тимчасово недоступна") in text
        status, body = _get_json(base, "/api/v1/regions")
        assert (status, body["error"]) == (503, "unavailable")
        status, body = _get_json(base, "/readyz")
        assert (status, body["checks"]["database"], body["checks"]["redis"]) == (503, "unavailable", "ok")

        # The feeds stopped succeeding with the database: past the threshold nothing is "clear" any more.
        time.sleep(max(0.0, succeeded_at + 8.5 - time.time()))
        assert [_region_state(base, uid)[:3] for uid in (31, 14)] == [(200, "unknown", "unknown")] * 2
        status, _headers, page = http_get(f"{base}/")
        assert (status, 'data-state="unknown"' in page.decode()) == (200, True)

        cluster.start()

        # Back by itself: the web process reconnects on its next request.
        assert {path: http_get(f"{base}{path}")[0] for path in DATABASE_PAGES[:4]} == dict.fromkeys(
            DATABASE_PAGES[:4], 200
        )
        status, body = _get_json(base, "/readyz")
        assert (status, body["checks"]["database"]) == (200, "ok")
        assert web.alive(), web.log()
    finally:
        web.stop()


def _region_state(base: str, uid: int) -> tuple[int, str, str, list[str]]:
    status, body = _get_json(base, f"/api/v1/status/{uid}")
    return status, body["state"], body["freshness"]["state"], [entry["name_uk"] for entry in body["region"]["chain"]]
