"""The admin deletes nothing that the public saw or that the record needs, and lives where ADMIN_URL says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from alerts.models import Advisory, Alert, FeedSource
from alerts.tests.advisory_factories import AdvisoryFactory
from alerts.tests.factories import AlertFactory, FeedSourceFactory
from kyivguide.testing import http_get, run_manage, start_web
from shelters.models import Shelter
from shelters.selectors.catalogue import shelters_catalogue_version
from shelters.tests.factories import ShelterFactory

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "kyivguide.example"}


@pytest.mark.django_db
def test_no_shelter_alert_feed_source_or_advisory_can_be_deleted_from_the_admin(admin_client: Client) -> None:
    shelter = ShelterFactory.create()
    alert = AlertFactory.create()
    source = FeedSource.objects.get(pk=alert.source_id)
    other_source = FeedSourceFactory.create(name="ukrainealarm")
    draft = AdvisoryFactory.create()
    assert draft.status == Advisory.Status.DRAFT

    for changelist, obj in (
        ("/admin/shelters/shelter/", shelter),
        ("/admin/alerts/alert/", alert),
        ("/admin/alerts/feedsource/", other_source),
        ("/admin/alerts/advisory/", draft),
    ):
        listing = admin_client.get(changelist)
        assert listing.status_code == 200, changelist
        assert 'value="delete_selected"' not in listing.content.decode(), changelist
        assert admin_client.get(f"{changelist}{obj.pk}/delete/").status_code == 403, changelist
        assert admin_client.post(f"{changelist}{obj.pk}/delete/", {"post": "yes"}).status_code == 403, changelist
        # The bulk action is refused even when posted by hand.
        admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})

    assert Shelter.objects.filter(pk=shelter.pk).exists()
    assert Alert.objects.filter(pk=alert.pk).exists()
    assert FeedSource.objects.filter(pk__in=[source.pk, other_source.pk]).count() == 2
    assert Advisory.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_staff_deactivate_and_reactivate_shelters_instead(admin_client: Client) -> None:
    gone, kept = ShelterFactory.create(), ShelterFactory.create()
    before = shelters_catalogue_version().version

    response = admin_client.post("/admin/shelters/shelter/", {"action": "deactivate", "_selected_action": [gone.pk]})

    assert response.status_code == 302
    assert dict(Shelter.objects.values_list("pk", "is_active")) == {gone.pk: False, kept.pk: True}
    assert shelters_catalogue_version().version == before + 1
    admin_client.post("/admin/shelters/shelter/", {"action": "reactivate", "_selected_action": [gone.pk, kept.pk]})
    assert dict(Shelter.objects.values_list("pk", "is_active")) == {gone.pk: True, kept.pk: True}
    # Only the shelter that changed counts: one more version, not two.
    assert shelters_catalogue_version().version == before + 2


@pytest.mark.django_db(transaction=True)
def test_the_admin_lives_at_admin_url_in_both_languages(process_logs: Path) -> None:
    web, base = start_web(process_logs, env={"ADMIN_URL": "staff-7f3a/"}, name="web-admin-url")
    try:
        moved = http_get(f"{base}/staff-7f3a/login/")[0], http_get(f"{base}/en/staff-7f3a/login/")[0]
        old = http_get(f"{base}/admin/login/")[0], http_get(f"{base}/en/admin/login/")[0]
        worker = http_get(f"{base}/sw.js")[2].decode()
    finally:
        web.stop()

    assert moved == (200, 200)
    assert old == (404, 404)
    never = json.loads(worker.split("const NEVER = ", 1)[1].split(";\n", 1)[0])
    assert never == [
        "/api/v1/status",
        "/api/v1/locate",
        "/staff-7f3a/",
        "/en/staff-7f3a/",
        "/api/docs/",
        "/api/schema/",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("/admin/", "ADMIN_URL must be a relative path ending in '/', e.g. staff-7f3a/, got '/admin/'"),
        ("admin", "ADMIN_URL must be a relative path ending in '/', e.g. staff-7f3a/, got 'admin'"),
        ("https://evil.example/", "ADMIN_URL must be a relative path ending in '/', e.g. staff-7f3a/, got"),
        ("../admin/", "ADMIN_URL must be a relative path ending in '/', e.g. staff-7f3a/, got '../admin/'"),
        ("staff area/", "ADMIN_URL must be a relative path ending in '/', e.g. staff-7f3a/, got 'staff area/'"),
        ("en/admin/", "ADMIN_URL must not start with a language prefix, got 'en/admin/'"),
    ],
)
def test_a_malformed_admin_url_stops_start_up_with_one_line(value: str, message: str) -> None:
    result = run_manage({**PRODUCTION, "ADMIN_URL": value})

    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"KyivGuide configuration error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1


def _sign_in(username: str, password: str, address: str, forwarded: str = "") -> int:
    meta: dict[str, Any] = {"REMOTE_ADDR": address, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    response = Client(**meta).post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
    return response.status_code


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_user_out_from_every_address() -> None:
    User.objects.create_superuser("root", password="right-pw-1")
    failures = [_sign_in("root", "wrong", f"127.0.1.{n}") for n in range(1, 6)]

    assert failures == [200, 200, 200, 200, 429]  # the fifth failure locks
    # The right password from a new address is refused too: the count is per user.
    assert _sign_in("root", "right-pw-1", "127.0.1.99") == 429
    assert _sign_in("other", "whatever", "127.0.1.99") == 200


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_address_out_for_every_user() -> None:
    User.objects.create_superuser("root", password="right-pw-1")
    failures = [_sign_in(f"guess{n}", "wrong", "127.0.1.7") for n in range(5)]

    assert failures == [200, 200, 200, 200, 429]
    assert _sign_in("root", "right-pw-1", "127.0.1.7") == 429
    assert _sign_in("root", "right-pw-1", "127.0.1.8") == 302


@pytest.mark.django_db
def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    User.objects.create_superuser("root", password="right-pw-1")
    # Every request comes from the proxy; a forged left-hand entry changes nothing.
    failures = [_sign_in(f"guess{n}", "wrong", "127.0.0.1", f"127.0.2.{n}, 127.0.3.5") for n in range(5)]

    assert failures == [200, 200, 200, 200, 429]
    assert _sign_in("root", "right-pw-1", "127.0.0.1", "127.0.3.5") == 429
    assert _sign_in("root", "right-pw-1", "127.0.0.1", "127.0.3.6") == 302
