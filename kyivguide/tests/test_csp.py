"""The Content-Security-Policy header: no inline code, no eval, a nonce only where a page uses one."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shelters.tests.factories import ShelterFactory

HEADER = "Content-Security-Policy"
# The whole policy of a page that needs no nonce (django-csp writes the directives in no fixed order).
PUBLIC_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https://tile.openstreetmap.org"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "manifest-src": ["'self'"],
    "worker-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "report-uri": ["/csp-report"],
}
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in parts}


def nonce_of(header: str) -> str | None:
    found = re.search(r"'nonce-([A-Za-z0-9+/=]+)'", header)
    return found.group(1) if found else None


def assert_no_inline_code(body: str, nonce: str | None, path: str) -> None:
    """What the policy would block: inline scripts without the nonce, style attributes, event handlers."""
    for attributes, code in SCRIPT.findall(body):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        assert code.strip() == "" or (nonce is not None and f'nonce="{nonce}"' in attributes), (path, attributes)
    assert re.search(r"<[^>]+\sstyle=", body) is None, path
    assert re.search(r"<[^>]+\son[a-z]+=", body) is None, path
    for attributes in re.findall(r"<style\b([^>]*)>", body):
        assert nonce is not None and f'nonce="{nonce}"' in attributes, (path, attributes)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/en/",
        "/shelters/",
        "/alerts/",
        "/advisories/",
        "/guide/",
        "/offline/",
        "/notifications/",
        "/api/v1/status",
        "/sw.js",
    ],
)
def test_public_responses_carry_the_policy_without_a_nonce(client: Client, path: str) -> None:
    first, second = client.get(path), client.get(path)

    assert first.status_code == 200
    assert directives(first[HEADER]) == PUBLIC_POLICY
    # No nonce: a cached copy is as valid as a fresh one, and the header is the same for everyone.
    assert first[HEADER] == second[HEADER]
    if first["Content-Type"].startswith("text/html"):
        assert_no_inline_code(first.content.decode(), None, path)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/admin/login/", "/no-such-page/"])
def test_no_response_allows_unsafe_inline_or_eval(client: Client, path: str) -> None:
    header = client.get(path)[HEADER]

    assert "unsafe" not in header
    assert {name: values for name, values in directives(header).items() if name not in {"script-src", "style-src"}} == {
        name: values for name, values in PUBLIC_POLICY.items() if name not in {"script-src", "style-src"}
    }


@pytest.mark.django_db
def test_the_api_docs_start_up_script_runs_by_the_responses_nonce(client: Client) -> None:
    response = client.get("/api/docs/")
    nonce = nonce_of(response[HEADER])

    assert nonce is not None
    assert directives(response[HEADER])["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    body = response.content.decode()
    assert body.count(f'<script nonce="{nonce}">') == 1
    assert_no_inline_code(body, nonce, "/api/docs/")
    # No badge from swagger.io's online validator (it would load an image from there).
    assert '"validatorUrl": "none"' in body
    # A fresh nonce for every response (the page is never cached).
    assert nonce_of(client.get("/api/docs/")[HEADER]) != nonce


@pytest.mark.django_db
def test_the_admin_map_widget_runs_by_the_responses_nonce(admin_client: Client, admin_user: User) -> None:
    shelter = ShelterFactory.create()
    for path in (f"/admin/shelters/shelter/{shelter.pk}/change/", "/admin/shelters/shelter/add/"):
        response = admin_client.get(path)
        nonce = nonce_of(response[HEADER])

        assert (response.status_code, nonce is not None) == (200, True), path
        body = response.content.decode()
        # django-leaflet's two inline scripts: the field's and the map's.
        assert body.count(f'<script nonce="{nonce}">') == 2, path
        assert_no_inline_code(body, nonce, path)


@pytest.mark.django_db
def test_admin_pages_without_inline_code_get_no_nonce(admin_client: Client) -> None:
    for path in ("/admin/", "/admin/shelters/shelter/", "/admin/alerts/advisory/add/"):
        response = admin_client.get(path)
        assert (path, response.status_code, nonce_of(response[HEADER])) == (path, 200, None)
        assert_no_inline_code(response.content.decode(), None, path)


REPORT = {
    "csp-report": {
        "document-uri": "https://kyivguide.example/shelters/",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "blocked-uri": "inline",
        "line-number": 52,
        "disposition": "enforce",
        "original-policy": "default-src 'self'",
    }
}


def test_a_violation_report_is_logged(client: Client, caplog: Any) -> None:
    response = client.post("/csp-report", json.dumps(REPORT), content_type="application/csp-report")

    assert (response.status_code, response.content, response["Cache-Control"]) == (
        204,
        b"",
        "max-age=0, no-cache, no-store, must-revalidate, private",
    )
    assert [record.getMessage() for record in caplog.records if record.name == "kyivguide.security"] == [
        "Content-Security-Policy violation: "
        '{"blocked-uri": "inline", "disposition": "enforce", "document-uri": "https://kyivguide.example/shelters/", '
        '"effective-directive": "style-src-attr", "line-number": 52, "violated-directive": "style-src-attr"}'
    ]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"not json", 400, "invalid"),
        (b'{"report": {}}', 400, "invalid"),
        (b"[1, 2]", 400, "invalid"),
        (b'{"csp-report": "text"}', 400, "invalid"),
        (json.dumps({"csp-report": {"blocked-uri": "x" * 20000}}).encode(), 413, "too_large"),
    ],
)
def test_a_bad_report_is_a_4xx_and_logs_nothing(
    client: Client, caplog: Any, body: bytes, status: int, error: str
) -> None:
    response = client.post("/csp-report", body, content_type="application/csp-report")

    assert (response.status_code, response.json()["error"]) == (status, error)
    assert [record for record in caplog.records if record.name == "kyivguide.security"] == []


def test_the_report_endpoint_takes_posts_only(client: Client) -> None:
    assert client.get("/csp-report").status_code == 405
