from __future__ import annotations

import pytest
from django.test import Client

SECURITY_HEADERS = {
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": (
        "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), serial=(), midi=(), "
        "accelerometer=(), gyroscope=(), magnetometer=(), display-capture=()"
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/en/shelters/", "/api/v1/status", "/api/v1/regions", "/api/schema/", "/admin/login/", "/healthz"]
)
def test_every_kind_of_response_carries_the_security_headers(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert {name: response.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


@pytest.mark.django_db
def test_the_signed_in_admin_and_an_error_carry_the_security_headers(admin_client: Client) -> None:
    for path, status in (("/admin/", 200), ("/admin/shelters/shelter/", 200), ("/no-such-page/", 404)):
        response = admin_client.get(path)
        assert response.status_code == status, path
        assert {name: response.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS, path
