from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

from kyivguide.testing import ROOT, FakeResponse, FakeUpstream, ManagedProcess, closed_port, run_manage, wait_until
from shelters.models import Shelter, ShelterImport
from shelters.schedule import IMPORT_TASK, beat_schedule
from shelters.selectors.catalogue import shelters_catalogue_version
from shelters.services import shelters_import_from_url
from shelters.tasks import import_from_source_url
from shelters.tests.factories import city_csv, row

LAYER = "/arcgis/rest/services/KYIV_API/Public_protection/MapServer/0/query"


def feature(ident: int, address: str, lon: float = 30.5236, lat: float = 50.4475) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {
            "OBJECTID": ident,
            "Район": "Печерський",
            "Адреса": address,
            "Тип укриття": "Найпростіші укриття",
            "Вид укриття": "Підвал",
            "Режим роботи": "Цілодобово",
        },
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def layer(*features: dict[str, object]) -> bytes:
    return orjson.dumps({"type": "FeatureCollection", "features": list(features)})


@pytest.mark.django_db
def test_the_live_layer_is_imported_and_a_failed_download_keeps_the_last_good_data(upstream: FakeUpstream) -> None:
    url = upstream.base_url.rstrip("/") + LAYER + "?where=1%3D1&outFields=*&outSR=4326&f=geojson"
    upstream.set_json(LAYER, layer(feature(1, "вул. Хрещатик, 1"), feature(2, "вул. Хрещатик, 3", lat=50.4480)))

    first = shelters_import_from_url(url=url, source="kmda_live")

    assert (first.outcome, first.created) == ("applied", 2)
    shelter = Shelter.objects.get(source="kmda_live", source_id="1")
    assert (shelter.address_en, shelter.opening_hours, shelter.district) == (
        "Khreshchatyk St, 1",
        "always",
        "pecherskyi",
    )
    version = shelters_catalogue_version()

    upstream.set(LAYER, FakeResponse(503, b"Service Unavailable"))
    failed = shelters_import_from_url(url=url, source="kmda_live")

    assert failed.outcome == "failed"
    assert failed.message.startswith("503 Server Error")
    assert Shelter.objects.filter(source="kmda_live", is_active=True).count() == 2
    assert shelters_catalogue_version() == version

    upstream.set_json(LAYER, b"<html>maintenance</html>")
    garbled = shelters_import_from_url(url=url, source="kmda_live")
    assert (garbled.outcome, garbled.message) == (
        "failed",
        f"{url}: no address or name column among <html>maintenance</html>",
    )

    upstream.set_json(LAYER, layer())  # an empty layer would deactivate everything
    refused = shelters_import_from_url(url=url, source="kmda_live")
    assert refused.outcome == "refused"
    assert Shelter.objects.filter(source="kmda_live", is_active=True).count() == 2

    assert list(ShelterImport.objects.order_by("started_at").values_list("outcome", flat=True)) == [
        "applied",
        "failed",
        "failed",
        "refused",
    ]
    assert len(upstream.requests_to(LAYER)) == 4


@pytest.mark.django_db
def test_an_unreachable_source_is_a_recorded_failure() -> None:
    url = f"http://127.0.0.1:{closed_port()}/layer.geojson"

    summary = shelters_import_from_url(url=url, source="kmda_live", timeout=2)

    assert summary.outcome == "failed"
    assert "Connection refused" in summary.message or "Failed to establish" in summary.message
    assert ShelterImport.objects.get().outcome == "failed"


@pytest.mark.django_db
def test_the_task_does_nothing_without_a_configured_url(settings: object) -> None:
    settings.SHELTERS_SOURCE_URL = None  # type: ignore[attr-defined]

    assert import_from_source_url() == {"outcome": "skipped", "message": "SHELTERS_SOURCE_URL is not set"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_runs_on_a_real_worker(celery_worker_process: ManagedProcess, upstream: FakeUpstream) -> None:
    upstream.set("/shelters.csv", FakeResponse(200, city_csv(row("k-1"), row("k-2", address="вул. Інша, 2"))))
    url = upstream.base_url + "shelters.csv"

    def runs() -> list[tuple[str, int, int]]:
        return list(ShelterImport.objects.order_by("started_at").values_list("outcome", "created", "unchanged"))

    # Results are not stored (CELERY_TASK_IGNORE_RESULT): the import log tells what the worker did.
    import_from_source_url.delay(url=url, source="kmda_live")
    wait_until(lambda: len(runs()) == 1, timeout=60, what="the first import")
    import_from_source_url.delay(url=url, source="kmda_live")
    wait_until(lambda: len(runs()) == 2, timeout=60, what="the second import")

    assert runs() == [("applied", 2, 0), ("applied", 0, 2)]
    assert Shelter.objects.filter(source="kmda_live").count() == 2


def test_the_import_is_scheduled_only_when_a_url_is_set() -> None:
    assert beat_schedule(source_url=None, interval_s=3600) == {}
    assert beat_schedule(source_url="https://gis.kyivcity.gov.ua/layer", interval_s=3600) == {
        "shelters-import-from-source-url": {"task": IMPORT_TASK, "schedule": 3600.0}
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "None"),
        (
            {"SHELTERS_SOURCE_URL": "https://example.test/layer", "SHELTERS_IMPORT_INTERVAL_S": "600"},
            "{'task': 'shelters.import_from_source_url', 'schedule': 600.0}",
        ),
    ],
)
def test_settings_schedule_the_import_from_the_environment(env: dict[str, str], expected: str) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SHELTERS_")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; "
            "print(settings.CELERY_BEAT_SCHEDULE.get('shelters-import-from-source-url'))",
        ],
        cwd=ROOT,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "kyivguide.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_a_bad_source_url_stops_start_up_with_one_line() -> None:
    result = run_manage({"SHELTERS_SOURCE_URL": "ftp://example.test/layer"})

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "KyivGuide configuration error: SHELTERS_SOURCE_URL must be an http(s) URL, got 'ftp://example.test/layer'"
    )
