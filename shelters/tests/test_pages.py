from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.test import Client

from shelters.tests.factories import ShelterFactory, at

pytestmark = pytest.mark.django_db


def page_config(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="shelters-config" type="application/json">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_the_map_page_uses_leaflet_from_the_package_and_tiles_from_settings(client: Client, settings: Any) -> None:
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example"

    response = client.get("/en/shelters/")

    assert response.status_code == 200
    assert response.cookies == {}
    assert "public" in response["Cache-Control"]
    html = response.content.decode()
    assert '<script src="/static/leaflet/leaflet.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/leaflet/leaflet.css">' in html
    assert "cdn" not in html.lower()
    assert 'id="shelter-map"' in html
    assert 'id="shelter-locate"' in html
    config = page_config(html)
    assert config["tiles"] == {"url": "https://tiles.example.test/{z}/{x}/{y}.png", "attribution": "© Example"}
    assert config["api"] == {"nearest": "/api/v1/shelters/nearest", "geojson": "/api/v1/shelters"}
    assert config["detailUrl"] == "/en/shelters/0/"
    assert config["lang"] == "en"
    assert config["kinds"]["underground_parking"] == "Underground car park"
    assert config["walking"] == {"speed": 75.0, "detour": 1.3, "earthRadius": 6371008.7714}


def test_the_map_page_speaks_ukrainian_at_the_root(client: Client) -> None:
    html = client.get("/shelters/").content.decode()

    assert "<h1>Мапа укриттів</h1>" in html
    config = page_config(html)
    assert (config["lang"], config["detailUrl"]) == ("uk", "/shelters/0/")
    assert config["kinds"]["metro"] == "Станція метро"
    assert config["strings"]["walk"] == "{n} хв пішки"


def test_the_home_page_has_the_nearest_shelters_block(client: Client) -> None:
    html = client.get("/en/").content.decode()

    assert 'id="nearest-shelters"' in html
    # One "use my location" on the home page, beside the status banner; the block listens to it.
    assert html.count(">Use my location</button>") == 1
    assert '<button type="button" class="button" id="locate-button" hidden>Use my location</button>' in html
    assert '<script src="/static/js/shelters-nearest.js" defer></script>' in html
    assert '<a href="/en/shelters/">Shelters</a>' in html
    assert page_config(html)["api"]["nearest"] == "/api/v1/shelters/nearest"


def test_the_shelter_page_shows_everything_known(client: Client) -> None:
    shelter = ShelterFactory.create(
        location=at(50.4475, 30.5236),
        address_uk="вул. Хрещатик, 22",
        address_en="Khreshchatyk St, 22",
        kind="underpass",
        protection="dual_purpose",
        opening_hours="schedule",
        opens_at=time(10),
        closes_at=time(18),
        wheelchair_accessible=True,
        keys_phone="ЖЕД-6 т. 452-27-29 моб. 093-633-98-94",
        owner="КП «ШЕУ»",
        ownership="communal",
        status="open",
        verified_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        capacity=300,
    )

    response = client.get(f"/en/shelters/{shelter.id}/")

    assert response.status_code == 200
    assert response.cookies == {}
    html = response.content.decode()
    assert "<h1>Khreshchatyk St, 22</h1>" in html
    assert '<p class="muted" lang="uk">вул. Хрещатик, 22</p>' in html
    assert "<strong>Status:</strong> Open" in html
    assert "<dt>Kind of place</dt><dd>Pedestrian underpass</dd>" in html
    assert "<dt>Protection class</dt><dd>Dual-purpose structure</dd>" in html
    assert "Open 10:00–18:00 (Kyiv time)" in html
    assert "Yes, there is a ramp" in html
    assert "300 people" in html
    assert 'href="tel:+380444522729"' in html
    assert 'href="tel:+380936339894"' in html
    assert '<a class="button shelter-emergency-call" href="tel:101">101</a>' in html
    assert '<a class="button shelter-emergency-call" href="tel:102">102</a>' in html
    assert "<dt>Last verified</dt><dd>1 May 2024, 12:30</dd>" in html
    assert 'href="geo:50.447500,30.523600?q=50.447500,30.523600"' in html
    osm = "https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&amp;route=%3B50.447500%2C30.523600"
    assert osm in html
    # Visitors' reports do not exist yet: the page does not speak of them.
    assert 'id="shelter-reports"' not in html
    assert "Recent reports" not in html and "No reports from visitors" not in html


def test_the_shelter_page_in_ukrainian_and_without_verification(client: Client) -> None:
    shelter = ShelterFactory.create(address_uk="вул. Хрещатик, 22", keys_phone="", opening_hours="unknown")

    html = client.get(f"/shelters/{shelter.id}/").content.decode()

    assert "<h1>вул. Хрещатик, 22</h1>" in html
    assert "Ще не перевірено" in html
    assert "Телефон не опубліковано" in html
    assert "Повідомлень від відвідувачів" not in html
    assert "tel:+380" not in html


def test_a_shelter_gone_from_the_list_keeps_its_page_and_says_so(client: Client) -> None:
    shelter = ShelterFactory.create(is_active=False)

    response = client.get(f"/en/shelters/{shelter.id}/")

    assert response.status_code == 410
    assert "This shelter is no longer in the city's list." in response.content.decode()


def test_an_unknown_shelter_page_is_a_404(client: Client) -> None:
    assert client.get("/en/shelters/987654/").status_code == 404
