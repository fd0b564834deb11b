from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from alerts.models import Advisory, AdvisoryEvent, Region
from alerts.selectors.advisories import advisories_for_regions, advisories_for_status
from alerts.selectors.status import status_snapshot_read
from alerts.services.advisories import advisories_snapshot_refresh, advisory_publish
from alerts.services.status import status_snapshot_publish
from alerts.tasks import refresh_advisories
from alerts.tests.advisory_factories import (
    AdvisoryFactory,
    hours,
)
from kyivguide.testing import ManagedProcess, run_manage, run_python, wait_until

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _snapshot_ids() -> list[int]:
    return [item["id"] for item in status_snapshot_read().document()["advisories"]]


@pytest.mark.django_db
def test_status_entries_are_small_json_ready_dicts_most_severe_first(
    published: Callable[..., Advisory], regions: dict[int, Region]
) -> None:
    with time_machine.travel(T0, tick=False):
        info = published(severity="info", title_en="Metro open", title_uk="Метро відчинене")
        extreme = published(
            severity="extreme",
            regions=[regions[31], regions[14]],
            title_uk="Укриття",
            title_en="Shelter",
            response="shelter",
            expires_at=T0 + hours(6),
            source_name="Embassy",
            source_url="https://embassy.example/",
        )
        warning = published(severity="warning")

        entries = advisories_for_status(now=T0)

    assert [entry["id"] for entry in entries] == [extreme.pk, warning.pk, info.pk]
    assert entries[0] == {
        "id": extreme.pk,
        "severity": "extreme",
        "response": "shelter",
        "exercise": False,
        "title_uk": "Укриття",
        "title_en": "Shelter",
        "regions": [14, 31],
        "effective_at": "2026-03-01T12:00:00Z",
        "expires_at": "2026-03-01T18:00:00Z",
        "source_name": "Embassy",
        "source_url": "https://embassy.example/",
        "supersedes": None,
        "url_uk": f"/advisories/{extreme.pk}/",
        "url_en": f"/en/advisories/{extreme.pk}/",
        "cap_url": f"/api/v1/advisories/{extreme.pk}/cap",
    }
    assert entries[2]["regions"] == []


@pytest.mark.django_db
def test_region_chain_selects_what_applies_there(
    published: Callable[..., Advisory], regions: dict[int, Region]
) -> None:
    everywhere = published(severity="info")
    oblast = published(severity="danger", regions=[regions[14]])
    city = published(severity="warning", regions=[regions[31]])
    lviv = published(severity="extreme", regions=[regions[27]])
    AdvisoryFactory.create(severity="extreme")  # a draft applies nowhere
    assert oblast.published_at is not None
    now = oblast.published_at + hours(1)

    def ids(chain: list[int]) -> list[int]:
        return [advisory.pk for advisory in advisories_for_regions(region_uids=chain, now=now)]

    assert ids([75, 14]) == [oblast.pk, everywhere.pk]
    assert ids([14]) == [oblast.pk, everywhere.pk]
    assert ids([31]) == [city.pk, everywhere.pk]
    assert ids([27]) == [lviv.pk, everywhere.pk]


@pytest.mark.django_db
def test_expiry_leaves_the_snapshot_on_the_next_sweep_and_is_recorded_once(
    published: Callable[..., Advisory],
) -> None:
    with time_machine.travel(T0, tick=False):
        lasting = published(severity="info")
        short = published(severity="danger", expires_at=T0 + hours(1))
        status_snapshot_publish()
        assert _snapshot_ids() == [short.pk, lasting.pk]
        # Nothing changed: the sweep leaves the snapshot alone.
        assert advisories_snapshot_refresh() is False

    with time_machine.travel(T0 + hours(1), tick=False):
        assert advisories_snapshot_refresh() is True
        assert _snapshot_ids() == [lasting.pk]
        assert advisories_snapshot_refresh() is False

    expiries = AdvisoryEvent.objects.filter(action="expired")
    assert [(event.advisory_id, event.at, event.actor) for event in expiries] == [(short.pk, T0 + hours(1), None)]
    short.refresh_from_db()
    assert short.state_at(T0 + hours(1)) == "expired"


@pytest.mark.django_db
def test_a_future_start_enters_the_snapshot_on_the_sweep_after_it(publisher: User) -> None:
    draft = AdvisoryFactory.create(effective_at=T0 + hours(2), expires_at=T0 + hours(5))
    with time_machine.travel(T0, tick=False):
        advisory_publish(advisory_id=draft.pk, by=publisher)
        status_snapshot_publish()
        assert _snapshot_ids() == []
        assert advisories_snapshot_refresh() is False

    with time_machine.travel(T0 + hours(2), tick=False):
        assert advisories_snapshot_refresh() is True
        assert _snapshot_ids() == [draft.pk]


@pytest.mark.django_db
def test_the_sweep_repairs_a_snapshot_that_is_missing() -> None:
    # Nothing in Redis yet: the sweep (the beat task) publishes one rather than leaving readers on the fallback.
    assert refresh_advisories.apply().get() is True
    assert status_snapshot_read().from_cache is True
    assert refresh_advisories.apply().get() is False


def test_the_sweep_follows_its_setting_and_cannot_be_set_slower_than_a_minute() -> None:
    printed = run_python(
        ["-c", "from django.conf import settings; print(settings.CELERY_BEAT_SCHEDULE['alerts.refresh_advisories'])"],
        {"DJANGO_SETTINGS_MODULE": "kyivguide.settings", "ADVISORY_REFRESH_SECONDS": "45"},
    )
    too_slow = run_manage({"ADVISORY_REFRESH_SECONDS": "61"})

    assert printed.stdout.strip() == (
        "{'task': 'alerts.refresh_advisories', 'schedule': 45.0, 'options': {'expires': 45.0}}"
    ), printed.stderr
    assert (too_slow.returncode, too_slow.stderr.strip()) == (
        2,
        "KyivGuide configuration error: ADVISORY_REFRESH_SECONDS must be at most 60, got 61",
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_sweep_that_waited_past_its_interval_is_dropped_not_run_late(celery_worker_process: ManagedProcess) -> None:
    options = cast("dict[str, Any]", settings.CELERY_BEAT_SCHEDULE["alerts.refresh_advisories"]["options"])
    # Sent as beat sends it (with the entry's options), an interval and a second ago: it has waited in
    # the queue past its expiry, as behind a busy or absent worker.
    with time_machine.travel(timezone.now() - timedelta(seconds=options["expires"] + 1), tick=True):
        late = refresh_advisories.apply_async(**options)
    dropped = f"Discarding revoked task: alerts.refresh_advisories[{late.id}]"

    wait_until(lambda: dropped in celery_worker_process.log(), timeout=30, what="the worker to drop the late sweep")
    assert f"alerts.refresh_advisories[{late.id}] succeeded" not in celery_worker_process.log()
    assert status_snapshot_read(max_age_s=0).from_cache is False  # it did not publish a snapshot

    refresh_advisories.apply_async(**options)
    wait_until(lambda: status_snapshot_read(max_age_s=0).from_cache, timeout=30, what="the sweep sent on time")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_publishing_reaches_the_published_snapshot_through_a_real_worker(
    celery_worker_process: ManagedProcess, publisher: User
) -> None:
    status_snapshot_publish()
    draft = AdvisoryFactory.create(severity="danger")

    advisory_publish(advisory_id=draft.pk, by=publisher)

    wait_until(lambda: _snapshot_ids() == [draft.pk], timeout=30, what="the worker to republish the snapshot")
    assert status_snapshot_read().from_cache is True
