"""Staff sign-in: no admin page without a second factor, guided enrolment, one-time recovery codes,
the lockout over both steps, idle sessions and sign-out everywhere (kyivguide/staff_auth.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kyivguide.staff_auth import LAST_SEEN_KEY, recovery_codes_create
from kyivguide.testing import verified_staff_client

pytestmark = pytest.mark.django_db

PASSWORD = "staff-pw-for-tests-1"
# Pages a staff member reaches before the second factor (they are the second factor), or that
# only end a session.
OPEN_BEFORE_THE_SECOND_FACTOR = {"login", "logout", "otp_verify", "otp_setup"}


def _concrete(route: str) -> str:
    """A path for an admin URL pattern: every parameter filled with a value of its kind."""
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"\(\?P<app_label>[^)]*\)", "shelters", route)
    route = re.sub(r"<int:\w+>", "1", route)
    return re.sub(r"<(?:path:|str:)?\w+>", "1", route)


def _admin_urls(patterns: list[Any] | None = None, prefix: str = "/admin/") -> Iterator[tuple[str, str]]:
    for entry in admin.site.get_urls() if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _admin_urls(entry.url_patterns, prefix + _concrete(str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            yield entry.name or "", prefix + _concrete(str(entry.pattern))


def _staff(**fields: Any) -> User:
    return User.objects.create_superuser(fields.pop("username", "editor"), password=PASSWORD, **fields)


def _password_step(client: Client, username: str = "editor", address: str = "127.0.0.9") -> Any:
    return client.post(
        "/admin/login/", {"username": username, "password": PASSWORD, "next": "/admin/"}, REMOTE_ADDR=address
    )


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_the_admin_has_many_urls_and_each_is_tried() -> None:
    urls = dict(_admin_urls())
    assert len(urls) > 80
    assert "/admin/shelters/shelter/1/change/" in urls.values()
    assert "/admin/shelters/" in urls.values()


@pytest.mark.parametrize("device", ["none", "unconfirmed"])
def test_no_admin_page_opens_with_a_password_alone(device: str) -> None:
    user = _staff()
    if device == "unconfirmed":
        TOTPDevice.objects.create(user=user, name="half set up", confirmed=False)
    client = Client()
    signed_in = _password_step(client)
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/admin/")

    opened = []
    for name, url in _admin_urls():
        if name in OPEN_BEFORE_THE_SECOND_FACTOR:
            continue
        for method in (client.get, client.post):
            response = method(url)
            refused = response.status_code in (302, 405) and response.get("Location", "/admin/login/").startswith(
                "/admin/login/"
            )
            if not refused:
                opened.append((method.__name__, url, response.status_code))
    assert opened == []
    # The login page sends this session on to enrolment, never into the dashboard.
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/otp/setup/?next=%2Fadmin%2F"


def test_the_same_pages_open_with_both_factors() -> None:
    client = verified_staff_client(_staff())
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/shelters/shelter/").status_code == 200


def test_enrolment_is_guided_and_ends_with_recovery_codes() -> None:
    user = _staff()
    client = Client()
    _password_step(client)

    setup = client.get("/admin/otp/setup/")
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post("/admin/otp/setup/", {"code": "000000" if _code(device) != "000000" else "111111"})
    # django-otp's own throttle makes a device wait a second after a wrong code: past it.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = client.post("/admin/otp/setup/", {"code": _code(device), "next": "/admin/shelters/"})

    page = setup.content.decode()
    assert setup.status_code == 200 and device.confirmed is False
    assert "otpauth://totp/KyivGuide%3Aeditor?secret=" in page and "issuer=KyivGuide" in page
    assert "Код неправильний." in wrong.content.decode()
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/admin/shelters/").status_code == 200


def test_an_enrolled_account_cannot_add_another_device_with_its_password() -> None:
    user = _staff()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    _password_step(client)

    assert client.get("/admin/otp/setup/")["Location"] == "/admin/otp/verify/"
    assert client.get("/admin/login/")["Location"] == "/admin/otp/verify/"
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_the_app_code_opens_the_dashboard() -> None:
    user = _staff()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    _password_step(client)

    answer = client.post("/admin/otp/verify/", {"code": _code(device), "next": "/admin/alerts/"})

    assert (answer.status_code, answer["Location"]) == (302, "/admin/alerts/")
    assert client.get("/admin/alerts/").status_code == 200


def test_a_recovery_code_works_once() -> None:
    user = _staff()
    TOTPDevice.objects.create(user=user, name="lost phone", confirmed=True)
    code = recovery_codes_create(user=user)[0]

    first, second = Client(), Client()
    _password_step(first)
    used = first.post("/admin/otp/verify/", {"code": code})
    _password_step(second)
    again = second.post("/admin/otp/verify/", {"code": code})

    assert (used.status_code, used["Location"]) == (302, "/admin/")
    assert first.get("/admin/").status_code == 200
    assert again.status_code == 200 and "вже використаний" in again.content.decode()
    assert second.get("/admin/")["Location"].startswith("/admin/login/")
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_wrong_codes_count_towards_the_sign_in_lockout() -> None:
    user = _staff()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True, tolerance=0)
    client = Client(REMOTE_ADDR="127.0.4.1")
    _password_step(client, address="127.0.4.1")
    wrong = "000000" if _code(device) != "000000" else "111111"

    answers = []
    for _ in range(5):
        # The device's own throttle (django-otp) would refuse even a right code for a while: only the count matters.
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
        answers.append(client.post("/admin/otp/verify/", {"code": wrong}, REMOTE_ADDR="127.0.4.1").status_code)

    assert answers == [200, 200, 200, 200, 429]
    # The user is locked out of the password step too, from any address.
    assert _password_step(Client(), address="127.0.4.2").status_code == 429


def test_an_idle_staff_session_ends(settings: Any) -> None:
    settings.STAFF_IDLE_MINUTES = 30
    client = verified_staff_client(_staff())
    assert client.get("/admin/").status_code == 200

    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()

    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_recent_staff_session_goes_on(settings: Any) -> None:
    settings.STAFF_IDLE_MINUTES = 30
    client = verified_staff_client(_staff())
    client.get("/admin/")
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 29 * 60
    session.save()

    assert client.get("/admin/").status_code == 200


def test_sign_out_everywhere_ends_every_session_of_the_user() -> None:
    user, other = _staff(), _staff(username="other")
    laptop, phone, colleague = verified_staff_client(user), verified_staff_client(user), verified_staff_client(other)

    answer = laptop.post("/admin/sign-out-everywhere/")

    assert (answer.status_code, answer["Location"]) == (302, "/admin/login/")
    assert phone.get("/admin/")["Location"].startswith("/admin/login/")
    assert laptop.get("/admin/")["Location"].startswith("/admin/login/")
    assert colleague.get("/admin/").status_code == 200
