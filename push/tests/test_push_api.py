"""POST/DELETE /api/v1/push/subscriptions: validated, stored, secrets never returned."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.tests.factories import kyiv_regions
from push.models import PushSubscription

pytestmark = pytest.mark.django_db
URL = "/api/v1/push/subscriptions"


def subscribe(client: Any, body: dict[str, Any]) -> Any:
    return client.post(URL, body, content_type="application/json")


def test_a_subscription_is_stored_for_the_region_chain_and_its_secrets_never_returned(
    client: Any, vapid: None, new_browser: Any
) -> None:
    kyiv_regions()
    browser = new_browser("irpin")

    first = subscribe(client, {"subscription": browser.subscription(), "region": 706, "language": "en"})
    again = subscribe(client, {"subscription": browser.subscription(), "region": 706, "drills": True})

    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"id", "region", "chain", "language", "drills"}
    assert (body["region"], body["chain"], body["language"], body["drills"]) == (706, [706, 75, 14], "en", False)
    assert browser.endpoint not in first.content.decode() and browser.p256dh not in first.content.decode()
    assert again.status_code == 200
    assert again.json() == {**body, "language": "uk", "drills": True}
    stored = PushSubscription.objects.get()
    assert (stored.endpoint, stored.p256dh, stored.chain) == (browser.endpoint, browser.p256dh, [706, 75, 14])
    assert first["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_one_browser_follows_several_regions_each_with_its_own_id(client: Any, vapid: None, new_browser: Any) -> None:
    """The home page's region and each saved place's: one row per (endpoint, region), the same id on a repeat."""
    kyiv_regions()
    browser = new_browser("phone")

    kyiv = subscribe(client, {"subscription": browser.subscription(), "region": 31})
    irpin = subscribe(client, {"subscription": browser.subscription(), "region": 706, "drills": True})
    kyiv_again = subscribe(client, {"subscription": browser.subscription(), "region": 31, "language": "en"})
    removed = client.delete(f"{URL}/{kyiv.json()['id']}")

    assert (kyiv.status_code, irpin.status_code, kyiv_again.status_code, removed.status_code) == (201, 201, 200, 204)
    assert kyiv_again.json()["id"] == kyiv.json()["id"] != irpin.json()["id"]
    rows = PushSubscription.objects.values_list("endpoint", "region_id", "chain", "drills")
    assert list(rows) == [(browser.endpoint, 706, [706, 75, 14], True)]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"endpoint": "http://push.example.com/x"}, "subscription.endpoint", "The endpoint must be an https URL"),
        ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "subscription.keys.p256dh", "65 bytes"),
        ({"keys": {"p256dh": None, "auth": "short"}}, "subscription.keys.p256dh", "may not be null"),
    ],
)
def test_a_bad_subscription_object_is_a_400_naming_the_field(
    client: Any, vapid: None, new_browser: Any, change: dict[str, Any], field: str, message: str
) -> None:
    kyiv_regions()
    subscription = {**new_browser("x").subscription(), **change}

    response = subscribe(client, {"subscription": subscription, "region": 31})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert field in response.json()["fields"] and message in response.json()["fields"][field][0]
    assert PushSubscription.objects.count() == 0


def test_the_auth_secret_must_be_16_bytes_and_the_region_must_exist(client: Any, vapid: None, new_browser: Any) -> None:
    kyiv_regions()
    subscription = new_browser("x").subscription()
    short_auth = {**subscription, "keys": {**subscription["keys"], "auth": "AAAA"}}

    bad_auth = subscribe(client, {"subscription": short_auth, "region": 31})
    no_region = subscribe(client, {"subscription": subscription, "region": 999})

    assert bad_auth.json()["fields"] == {"subscription.keys.auth": ["auth must be 16 bytes (it is 3)."]}
    assert no_region.json()["fields"] == {"region": ["No region with uid 999."]}


def test_plain_http_is_allowed_only_to_127_0_0_1_with_the_test_setting(
    client: Any, vapid: None, new_browser: Any, settings: Any
) -> None:
    kyiv_regions()
    browser = new_browser("local")
    settings.PUSH_ALLOW_HTTP_LOCALHOST = False

    response = subscribe(client, {"subscription": browser.subscription(), "region": 31})

    assert response.status_code == 400
    assert browser.endpoint.startswith("http://127.0.0.1:")


def test_without_vapid_keys_subscribing_is_a_503(client: Any, new_browser: Any, settings: Any) -> None:
    kyiv_regions()
    settings.VAPID_PRIVATE_KEY = ""

    response = subscribe(client, {"subscription": new_browser("x").subscription(), "region": 31})

    assert response.status_code == 503
    assert response.json() == {"error": "unavailable", "message": "Push notifications are not configured."}


def test_delete_unsubscribes_by_the_id_the_post_gave(client: Any, vapid: None, new_browser: Any) -> None:
    kyiv_regions()
    handle = subscribe(client, {"subscription": new_browser("x").subscription(), "region": 31}).json()["id"]

    deleted = client.delete(f"{URL}/{handle}")
    again = client.delete(f"{URL}/{handle}")

    assert deleted.status_code == 204
    assert again.status_code == 404 and again.json()["error"] == "not_found"
    assert PushSubscription.objects.count() == 0


def test_the_admin_lists_subscriptions_per_region_without_their_secrets(
    admin_client: Any, client: Any, vapid: None, new_browser: Any
) -> None:
    kyiv_regions()
    browser = new_browser("secret-path")
    subscribe(client, {"subscription": browser.subscription(), "region": 706})
    subscription = PushSubscription.objects.get()

    listing = admin_client.get("/admin/push/pushsubscription/?region__kind=hromada")
    form = admin_client.get(f"/admin/push/pushsubscription/{subscription.pk}/change/")

    assert (listing.status_code, form.status_code) == (200, 200)
    for page in (listing, form):
        html = page.content.decode()
        assert "secret-path" not in html and browser.p256dh not in html and subscription.auth not in html
    assert "Irpin" in listing.content.decode() or "Ірпін" in listing.content.decode()


def test_subscribing_is_rate_limited_per_client(client: Any, vapid: None, new_browser: Any, settings: Any) -> None:
    kyiv_regions()
    settings.API_THROTTLE_RATES = {"read": "100/min", "write": "2/min", "csp-report": "2/min"}

    answers = [subscribe(client, {"subscription": new_browser(f"b{i}").subscription(), "region": 31}) for i in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["error"] == "throttled" and int(answers[2]["Retry-After"]) >= 1
    assert PushSubscription.objects.count() == 2


def test_vapid_keys_prints_a_pair_that_signs_and_verifies(settings: Any) -> None:
    import base64
    import io
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from django.core.management import call_command

    from push.services import vapid_headers

    out = io.StringIO()
    call_command("vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = lines["VAPID_PRIVATE_KEY"], lines["VAPID_PUBLIC_KEY"]
    settings.VAPID_SUBJECT = "https://kyivguide.example"

    header = vapid_headers("https://push.example.com/abc", now=1_800_000_000)["Authorization"]

    def unb64(value: str) -> bytes:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))

    token, key = header.removeprefix("vapid t=").split(",k=")
    assert key == lines["VAPID_PUBLIC_KEY"] and len(unb64(key)) == 65
    head, payload, signature = token.split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    raw = unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if it does not verify
    assert json.loads(unb64(payload)) == {
        "sub": "https://kyivguide.example",
        "aud": "https://push.example.com",
        "exp": 1_800_000_000 + 12 * 3600,
    }
