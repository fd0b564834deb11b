"""Anonymous shelter reports: the API and the page's form, limits, hashing, moderation and nearest."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from shelters.models import ShelterReport
from shelters.selectors import shelter_index as index_module
from shelters.selectors.nearest import shelters_nearest
from shelters.selectors.shelter_index import shelter_index_forget
from shelters.services.reports import shelter_reports_moderate
from shelters.tests.factories import ShelterFactory, at

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def _url(shelter_id: int) -> str:
    return f"/api/v1/shelters/{shelter_id}/reports"


def _report(client: Client, shelter_id: int, address: str = ADDRESS, **body: Any) -> Any:
    return client.post(
        _url(shelter_id), {"kind": "locked", **body}, content_type="application/json", REMOTE_ADDR=address
    )


def test_a_report_is_stored_with_only_a_salted_hash_of_the_address(client: Client) -> None:
    shelter = ShelterFactory.create(location=at(50.4501, 30.5234))
    moment = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)  # 23:30 in Kyiv, 1 March

    with time_machine.travel(moment, tick=False), override_settings(REPORT_HASH_SECRET="s3cret"):
        response = _report(client, shelter.id, comment="Двері зачинені", lat=50.4502, lon=30.5234)

    assert response.status_code == 201
    report = ShelterReport.objects.get()
    assert response.json() == {
        "id": report.id,
        "shelter": shelter.id,
        "kind": "locked",
        "comment": "Двері зачинені",
        "created_at": "2026-03-01T23:30:00+02:00",
        "status": "pending",
        "distance_m": 11.1,
        "far_from_shelter": False,
    }
    expected = hmac.new(b"s3cret", f"2026-03-01|{ADDRESS}".encode(), hashlib.sha256).hexdigest()
    assert report.client_hash == expected
    stored = " ".join(str(value) for value in ShelterReport.objects.values().get().values())
    assert ADDRESS not in stored
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_the_salt_rotates_at_kyiv_midnight(client: Client) -> None:
    first, second = ShelterFactory.create(), ShelterFactory.create()
    with time_machine.travel(datetime(2026, 3, 1, 21, 59, tzinfo=UTC), tick=False):
        assert _report(client, first.id).status_code == 201
    with time_machine.travel(datetime(2026, 3, 1, 22, 1, tzinfo=UTC), tick=False):  # 00:01 on 2 March in Kyiv
        assert _report(client, second.id).status_code == 201
    hashes = list(ShelterReport.objects.order_by("id").values_list("client_hash", flat=True))
    assert len(set(hashes)) == 2


def test_a_far_position_is_kept_and_flagged(client: Client) -> None:
    shelter = ShelterFactory.create(location=at(50.4501, 30.5234))

    near = _report(client, shelter.id, kind="full", lat=50.4528, lon=30.5234).json()  # 0.0027° north: 300.2 m
    assert (near["distance_m"], near["far_from_shelter"]) == (300.2, True)
    other = ShelterFactory.create(location=at(50.4501, 30.5234))
    close = _report(client, other.id, kind="full", lat=50.4526, lon=30.5234).json()
    assert (close["distance_m"], close["far_from_shelter"]) == (278.0, False)
    assert ShelterReport.objects.filter(far_from_shelter=True).count() == 1


def test_one_report_per_shelter_per_client_per_interval(client: Client) -> None:
    shelter, other = ShelterFactory.create(), ShelterFactory.create()
    start = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)

    with time_machine.travel(start, tick=False):
        assert _report(client, shelter.id).status_code == 201
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        again = _report(client, shelter.id)
        elsewhere = _report(client, other.id)
        someone_else = _report(client, shelter.id, address="198.51.100.9")
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        later = _report(client, shelter.id)

    assert again.status_code == 429
    assert again["Retry-After"] == "360"
    assert again.json()["error"] == "rate_limited"
    assert (elsewhere.status_code, someone_else.status_code, later.status_code) == (201, 201, 201)
    assert ShelterReport.objects.count() == 4


@override_settings(REPORT_DAILY_LIMIT=3)
def test_a_daily_cap_per_client_until_kyiv_midnight(client: Client) -> None:
    shelters = ShelterFactory.create_batch(5)
    with time_machine.travel(datetime(2026, 3, 1, 20, 0, tzinfo=UTC), tick=False):  # 22:00 in Kyiv
        answers = [_report(client, shelter.id).status_code for shelter in shelters[:4]]
        refused = _report(client, shelters[4].id)
    with time_machine.travel(datetime(2026, 3, 1, 22, 0, 30, tzinfo=UTC), tick=False):  # the next Kyiv day
        next_day = _report(client, shelters[4].id)

    assert answers == [201, 201, 201, 429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(2 * 3600)
    assert next_day.status_code == 201
    assert ShelterReport.objects.count() == 4


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_limit_counts_the_address_the_trusted_proxy_saw(client: Client) -> None:
    shelter = ShelterFactory.create()

    def send(forwarded: str) -> int:
        return int(
            client.post(
                _url(shelter.id),
                {"kind": "locked"},
                content_type="application/json",
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR=forwarded,
            ).status_code
        )

    # A client's own claims (left of the proxy's entry) change nothing; another client counts apart.
    assert [send("192.0.2.1, 203.0.113.7"), send("192.0.2.99, 203.0.113.7"), send("198.51.100.9")] == [201, 429, 201]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "burning"}, "kind"),
        ({"kind": 5}, "kind"),
        ({}, "kind"),
        ({"kind": "locked", "comment": "x" * 501}, "comment"),
        ({"kind": "locked", "comment": ["a"]}, "comment"),
        ({"kind": "locked", "lat": "north", "lon": 30.5}, "lat"),
        ({"kind": "locked", "lat": 50.45}, "non_field_errors"),
        ({"kind": "locked", "lat": 91, "lon": 30.5}, "lat"),
        ({"kind": "locked", "comment": "a\x00b"}, "comment"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client: Client, body: dict[str, Any], field: str) -> None:
    shelter = ShelterFactory.create()

    response = client.post(_url(shelter.id), body, content_type="application/json", REMOTE_ADDR=ADDRESS)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert ShelterReport.objects.count() == 0


def test_a_body_that_is_not_an_object_or_not_json_is_a_400(client: Client) -> None:
    shelter = ShelterFactory.create()
    for body in ("[1, 2]", "{not json", '"locked"'):
        response = client.post(_url(shelter.id), body, content_type="application/json", REMOTE_ADDR=ADDRESS)
        assert (body, response.status_code, "error" in response.json()) == (body, 400, True)


def test_an_unknown_or_delisted_shelter_is_a_404(client: Client) -> None:
    gone = ShelterFactory.create(is_active=False)

    for shelter_id in (gone.id, 987654):
        response = _report(client, shelter_id)
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": f"No listed shelter with id {shelter_id}."}
    assert ShelterReport.objects.count() == 0


def test_the_page_form_is_csrf_protected_and_works_without_javascript() -> None:
    shelter = ShelterFactory.create()
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS)

    forged = browser.post(f"/shelters/{shelter.id}/report/", {"kind": "locked"})
    form = browser.get(f"/shelters/{shelter.id}/report/", {"kind": "closed"})
    token = form.cookies["csrftoken"].value
    sent = browser.post(f"/shelters/{shelter.id}/report/", {"kind": "closed", "csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert form.status_code == 200
    assert 'value="closed" required checked' in form.content.decode()
    assert form["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert sent.status_code == 200
    assert "Дякуємо" in sent.content.decode()
    assert list(ShelterReport.objects.values_list("kind", flat=True)) == ["closed"]


def test_the_page_script_takes_a_token_and_gets_json_answers() -> None:
    shelter = ShelterFactory.create()
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS)
    url = f"/shelters/{shelter.id}/report/"

    token = browser.get(url, headers={"Accept": "application/json"}).json()["csrf_token"]
    headers = {"Accept": "application/json", "X-CSRFToken": token}
    first = browser.post(url, {"kind": "locked", "lat": "50.4501", "lon": "30.5234"}, headers=headers)
    second = browser.post(url, {"kind": "locked"}, headers=headers)

    assert (first.status_code, first.json()["far_from_shelter"]) == (201, False)
    assert (second.status_code, second["Retry-After"]) == (429, "600")


def _pending_locked(shelter_id: int, count: int) -> None:
    for number in range(count):
        assert _report(Client(), shelter_id, address=f"198.51.100.{number + 1}").status_code == 201


def test_recent_unconfirmed_locked_reports_show_on_the_page_and_in_nearest(client: Client) -> None:
    shelter = ShelterFactory.create(location=at(50.4501, 30.5234))
    start = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        _pending_locked(shelter.id, 2)
    with time_machine.travel(start + timedelta(minutes=12), tick=False):
        page = client.get(f"/en/shelters/{shelter.id}/").content.decode()
        page_uk = client.get(f"/shelters/{shelter.id}/").content.decode()
        [result] = shelters_nearest(point=(30.5234, 50.4501), limit=1)
        open_now = shelters_nearest(point=(30.5234, 50.4501), limit=1, open_at=timezone.now())

    assert "Reported locked 12 minutes ago, not confirmed" in page and "(2 reports)" in page
    assert "Повідомили, що зачинено 12 хвилин тому, не підтверджено" in page_uk and "(2 повідомлення)" in page_uk
    assert result["reported"] == {
        "count": 2,
        "kind": "locked",
        "newest_at": "2026-03-01T10:00:00+00:00",
        "minutes_ago": 12,
    }
    # "Open now" treats it as reported locked; without the filter it is listed, marked.
    assert open_now == []


def test_reports_leave_the_display_after_the_recent_window(client: Client) -> None:
    shelter = ShelterFactory.create(location=at(50.4501, 30.5234))
    start = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        _pending_locked(shelter.id, 1)
    with override_settings(REPORT_RECENT_MINUTES=60), time_machine.travel(start + timedelta(minutes=61), tick=False):
        shelter_index_forget()
        [result] = shelters_nearest(point=(30.5234, 50.4501), limit=1, open_at=timezone.now())
        page = client.get(f"/en/shelters/{shelter.id}/").content.decode()
    assert result["reported"] is None
    assert "shelter-reported" not in page
    assert "1 report;" in page  # the last day's summary still counts it


def test_confirming_sets_the_shelter_status_and_rejecting_clears_the_warning() -> None:
    moderator = User.objects.create_user("editor", is_staff=True)
    confirmed_shelter = ShelterFactory.create(location=at(50.4501, 30.5234))
    rejected_shelter = ShelterFactory.create(location=at(50.4601, 30.5234))
    _pending_locked(confirmed_shelter.id, 1)
    _pending_locked(rejected_shelter.id, 1)
    reports = {report.shelter_id: report.id for report in ShelterReport.objects.all()}
    assert shelters_nearest(point=(30.5234, 50.4501), limit=5, open_at=timezone.now()) == []

    assert (
        shelter_reports_moderate(
            report_ids=[reports[confirmed_shelter.id]], confirm=True, moderator_id=moderator.id, set_status=True
        )
        == 1
    )
    assert (
        shelter_reports_moderate(report_ids=[reports[rejected_shelter.id]], confirm=False, moderator_id=moderator.id)
        == 1
    )
    # Already moderated: nothing happens a second time.
    assert shelter_reports_moderate(report_ids=list(reports.values()), confirm=False, moderator_id=moderator.id) == 0

    confirmed_shelter.refresh_from_db()
    assert confirmed_shelter.status == "locked_reported"
    assert confirmed_shelter.verified_at is not None
    report = ShelterReport.objects.get(id=reports[confirmed_shelter.id])
    assert (report.status, report.moderated_by_id) == ("confirmed", moderator.id)
    # The index and the overlay follow within a second: here a fresh process's view.
    shelter_index_forget()
    open_now = shelters_nearest(point=(30.5234, 50.4501), limit=5, open_at=timezone.now())
    assert [(item["id"], item["reported"]) for item in open_now] == [(rejected_shelter.id, None)]


def test_staff_moderate_from_the_admin_queue(admin_client: Client) -> None:
    shelter = ShelterFactory.create()
    _pending_locked(shelter.id, 1)
    report = ShelterReport.objects.get()

    listing = admin_client.get("/admin/shelters/shelterreport/")
    response = admin_client.post(
        "/admin/shelters/shelterreport/", {"action": "confirm_and_set_status", "_selected_action": [report.id]}
    )

    assert listing.status_code == 200 and listing.context["cl"].result_count == 1
    assert response.status_code == 302
    shelter.refresh_from_db()
    assert shelter.status == "locked_reported"
    assert ShelterReport.objects.get().status == "confirmed"


def test_nearest_sees_a_new_report_within_a_second_without_rebuilding_its_index(
    django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shelter = ShelterFactory.create(location=at(50.45, 30.52))
    clock = [1000.0]
    monkeypatch.setattr(index_module.time, "monotonic", lambda: clock[0])
    with django_assert_num_queries(2):  # the versions, then the shelters; no report yet: no overlay to load
        assert shelters_nearest(point=(30.52, 50.45), limit=1, open_at=timezone.now())[0]["reported"] is None

    _pending_locked(shelter.id, 1)
    clock[0] += 0.5
    with django_assert_num_queries(0):  # within the second: as it was
        assert len(shelters_nearest(point=(30.52, 50.45), limit=1, open_at=timezone.now())) == 1
    clock[0] += 0.5
    with django_assert_num_queries(2):  # the versions, then the recent reports; the index is kept
        assert shelters_nearest(point=(30.52, 50.45), limit=1, open_at=timezone.now()) == []
        [listed] = shelters_nearest(point=(30.52, 50.45), limit=1)
    assert listed["reported"] is not None and listed["reported"]["count"] == 1
