"""Threat types on the pages: in words with an icon, in both languages, and the advice that goes with them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from alerts.feeds.base import AlertRecord
from alerts.models import FeedSource
from alerts.tests.factories import poll_and_publish as apply

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def page(client: Client, path: str) -> str:
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        return client.get(path).content.decode()


def threats_in(html: str, list_id: str = "status-threats") -> list[tuple[str, str]]:
    listing = re.search(rf'<ul class="threats[^"]*" id="{list_id}"[^>]*>(.*?)</ul>', html, re.S)
    assert listing is not None
    return re.findall(
        r'<li class="threat threat-([a-z_]+)"><span class="threat-icon" aria-hidden="true"></span>([^<]+)</li>',
        listing.group(1),
    )


def shown_advice(html: str) -> list[str]:
    """The threat advice blocks the page shows (not hidden), by their data-threat."""
    return sorted(set(re.findall(r'<div class="threat-advice" data-threat="([a-z]+)">', html)))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/en/", [("ballistic_missiles", "ballistic missiles"), ("drones", "attack drones")]),
        ("/", [("ballistic_missiles", "балістичні ракети"), ("drones", "ударні дрони")]),
    ],
)
def test_the_banner_names_each_threat_with_its_icon(
    client: Client, kyiv_feed: FeedSource, path: str, expected: list[tuple[str, str]]
) -> None:
    apply(kyiv_feed, AlertRecord(31, "air_raid", "red", T0, "1", threats=("drones", "ballistic_missiles")))

    html = page(client, path)

    assert threats_in(html) == expected
    assert shown_advice(html) == ["drones", "fast"]


def test_missiles_alone_bring_the_no_time_to_lose_advice_and_its_source(client: Client, kyiv_feed: FeedSource) -> None:
    apply(kyiv_feed, AlertRecord(31, "air_raid", "red", T0, "1"))  # red, no types: the missile threat

    html = page(client, "/en/")

    assert threats_in(html) == [("missiles", "missiles")]
    assert shown_advice(html) == ["fast"]
    assert "<strong>Missiles or bombs: no time to lose.</strong>" in html
    assert 'Source: KyivGuide\'s <a href="/en/guide/">preparedness guide</a>.' in html


def test_drones_alone_bring_the_guides_drone_advice(client: Client, kyiv_feed: FeedSource) -> None:
    apply(kyiv_feed, AlertRecord(31, "air_raid", "yellow", T0, "1", threats=("drones",)))

    html = page(client, "/")

    assert threats_in(html) == [("drones", "ударні дрони")]
    assert shown_advice(html) == ["drones"]
    assert "Тримайтеся подалі від вікон і скляних дверей: уламки скла травмують найбільше людей." in html


def test_no_alert_shows_no_threat_and_no_threat_advice(client: Client, kyiv_feed: FeedSource) -> None:
    apply(kyiv_feed)

    html = page(client, "/en/")

    assert threats_in(html) == []
    assert '<ul class="threats status-threats" id="status-threats" aria-label="Threats" hidden>' in html
    assert shown_advice(html) == []


def test_an_unknown_threat_is_shown_as_unspecified(client: Client, kyiv_feed: FeedSource) -> None:
    apply(kyiv_feed, AlertRecord(31, "air_raid", None, T0, "1", threats=("unspecified",)))

    html = page(client, "/en/")

    assert threats_in(html) == [("unspecified", "unspecified threat")]
    assert shown_advice(html) == []


def test_the_alerts_page_lists_each_regions_threats(client: Client, kyiv_feed: FeedSource) -> None:
    apply(
        kyiv_feed,
        AlertRecord(31, "air_raid", "red", T0, "1", threats=("cruise_missiles",)),
        AlertRecord(75, "air_raid", "yellow", T0, "2", threats=("drones",)),
    )

    html = page(client, "/en/alerts/")

    items = re.findall(
        r'<li class="threat threat-([a-z_]+)"><span class="threat-icon" aria-hidden="true"></span>([^<]+)</li>', html
    )
    # Grouped by oblast, by name: Kyiv (the city), then Kyiv Oblast.
    assert items == [("cruise_missiles", "cruise missiles"), ("drones", "attack drones")]
