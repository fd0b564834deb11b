"""The staff side of shelters and reports: filters, bulk actions, the reports queue and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from shelters.models import ShelterReport
from shelters.tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/shelters/shelterreport/"


def _report(shelter_id: int, kind: str, address: str, **body: object) -> None:
    response = Client().post(
        f"/api/v1/shelters/{shelter_id}/reports",
        {"kind": kind, **body},
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    assert response.status_code == 201


def test_shelters_filter_by_reports(admin_client: Client) -> None:
    waiting, moderated, quiet = ShelterFactory.create(), ShelterFactory.create(), ShelterFactory.create()
    _report(waiting.id, "locked", "198.51.100.1")
    _report(moderated.id, "ok", "198.51.100.2")
    ShelterReport.objects.filter(shelter=moderated).update(status="rejected")

    def found(value: str) -> set[int]:
        response = admin_client.get("/admin/shelters/shelter/", {"reports": value})
        return {shelter.id for shelter in response.context["cl"].result_list}

    assert found("pending") == {waiting.id}
    assert found("any") == {waiting.id, moderated.id}
    assert found("none") == {quiet.id}


def test_mark_verified_keeps_the_status(admin_client: Client) -> None:
    shelter = ShelterFactory.create(status="open", verified_at=None)
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        admin_client.post("/admin/shelters/shelter/", {"action": "mark_verified", "_selected_action": [shelter.id]})
    shelter.refresh_from_db()
    assert (shelter.status, shelter.verified_at) == ("open", datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


def test_the_queue_is_newest_first_with_each_shelters_count_and_history(admin_client: Client) -> None:
    first, second = ShelterFactory.create(), ShelterFactory.create()
    for minute, (shelter, kind, address) in enumerate(
        [(first, "locked", "198.51.100.1"), (second, "full", "198.51.100.1"), (first, "closed", "198.51.100.2")]
    ):
        with time_machine.travel(datetime(2026, 3, 1, 9, minute, tzinfo=UTC), tick=False):
            _report(shelter.id, kind, address, comment=f"note {minute}")

    queue = admin_client.get(QUEUE)
    rows = [(r.shelter_id, r.kind, r.shelter_pending) for r in queue.context["cl"].result_list]
    by_shelter = admin_client.get(QUEUE, {"shelter__id__exact": first.id}).context["cl"].result_list
    newest = ShelterReport.objects.get(kind="closed")
    page = admin_client.get(f"{QUEUE}{newest.id}/change/").content.decode()

    assert rows == [(first.id, "closed", 2), (second.id, "full", 1), (first.id, "locked", 2)]
    assert [r.kind for r in by_shelter] == ["closed", "locked"]
    assert page.count("<tr><td>2026-03-01") == 2 and "note 0" in page and "note 2" in page
    assert newest.client_hash not in page


def test_the_csv_export_for_the_district_administrations(admin_client: Client) -> None:
    shelter = ShelterFactory.create(address_uk="вул. Хрещатик, 22", district="pecherskyi")
    with time_machine.travel(datetime(2026, 3, 1, 9, 30, tzinfo=UTC), tick=False):
        _report(shelter.id, "locked", "198.51.100.1", comment="Замкнено, ключів нема", lat=50.46, lon=30.5234)
    report = ShelterReport.objects.get()

    response = admin_client.post(QUEUE, {"action": "export_csv", "_selected_action": [report.id]})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "reported_at_kyiv",
            "shelter_id",
            "address",
            "district",
            "report",
            "moderation",
            "comment",
            "distance_m",
            "far_from_shelter",
        ],
        [
            "2026-03-01 11:30",
            str(shelter.id),
            "вул. Хрещатик, 22",
            "pecherskyi",
            "locked",
            "pending",
            "Замкнено, ключів нема",
            str(round(report.distance_m or 0)),
            "yes",
        ],
    ]
