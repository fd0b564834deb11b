from __future__ import annotations

import pytest
from django.test import Client

# The home page reads the database (the status, the advisories in force).
pytestmark = pytest.mark.django_db


def vary(response: object) -> set[str]:
    header = response.get("Vary", "")  # type: ignore[attr-defined]
    return {part.strip().lower() for part in header.split(",") if part.strip()}


def test_root_renders_ukrainian(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="uk">' in html
    assert "<title>Повітряні тривоги та укриття в Києві · KyivGuide</title>" in html
    assert response["Content-Language"] == "uk"


def test_en_prefix_renders_english(client: Client) -> None:
    response = client.get("/en/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<title>Air alerts and shelters in Kyiv · KyivGuide</title>" in html
    assert "Повітряні тривоги" not in html
    assert response["Content-Language"] == "en"


def test_the_url_alone_decides_the_language(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9", HTTP_COOKIE="django_language=en")

    assert '<html lang="uk">' in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/en/"])
def test_public_pages_are_cacheable_by_anyone(client: Client, path: str) -> None:
    response = client.get(path)

    assert "cookie" not in vary(response)
    assert "accept-language" not in vary(response)
    assert response.cookies == {}
    assert "public" in response["Cache-Control"]


def test_language_switch_links_to_the_same_page_in_the_other_language(client: Client) -> None:
    uk_html = client.get("/").content.decode()
    en_html = client.get("/en/").content.decode()

    assert '<a href="/en/" hreflang="en" lang="en" title="English">EN</a>' in uk_html
    assert '<a href="/" hreflang="uk" lang="uk" title="Українська">УКР</a>' in en_html
    assert '<link rel="alternate" hreflang="en" href="/en/">' in uk_html


def test_unknown_page_is_a_localised_404(client: Client) -> None:
    response = client.get("/en/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unknown_api_path_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-endpoint")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No API endpoint at /api/v1/no-such-endpoint."}


def test_api_docs_and_schema_are_served_without_a_cdn(client: Client) -> None:
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"KyivGuide API" in schema.content
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
