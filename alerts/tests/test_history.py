"""A region's alert history in numbers (API and page): alerts and hours under alert per day or week."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from alerts.models import FeedSource
from alerts.tests.factories import AlertFactory, FeedSourceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday 12:00 in Kyiv


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def history(kyiv_feed: FeedSource) -> None:
    """Irpin hromada (706) under raion 75 under oblast 14, and Kyiv city (31) apart."""
    other = FeedSourceFactory.create(name="ukrainealarm")
    disabled = FeedSourceFactory.create(name="replay", kind="replay", enabled=False)
    # 23 Nov (Kyiv = UTC+2): the oblast 01:00-03:00 Kyiv, and the raion 02:00-04:00 overlapping it: one period of 3 h.
    AlertFactory.create(region_id=14, source=kyiv_feed, started_at=utc(22, 23), ended_at=utc(23, 1))
    AlertFactory.create(region_id=75, source=kyiv_feed, started_at=utc(23, 0), ended_at=utc(23, 2))
    # The same siren from a second source: still one period.
    AlertFactory.create(region_id=75, source=other, started_at=utc(23, 0), ended_at=utc(23, 2))
    # Across Kyiv's midnight 23/24 Nov: 23:30-00:30 Kyiv, half an hour in each day, counted on the 23rd.
    AlertFactory.create(region_id=706, source=kyiv_feed, started_at=utc(23, 21, 30), ended_at=utc(23, 22, 30))
    # Still active since 11:00 Kyiv on the 25th: one hour by now.
    AlertFactory.create(region_id=706, source=kyiv_feed, started_at=utc(25, 9), ended_at=None)
    # Not Irpin's: Kyiv city, and a disabled source.
    AlertFactory.create(region_id=31, source=kyiv_feed, started_at=utc(24, 8), ended_at=utc(24, 9))
    AlertFactory.create(region_id=706, source=disabled, started_at=utc(24, 8), ended_at=utc(24, 9))


def get(client: Client, path: str) -> Any:
    with time_machine.travel(NOW, tick=False):
        return client.get(path)


def test_per_day_merged_periods_and_hours_in_kyiv_days(client: Client, history: None) -> None:
    response = get(client, "/api/v1/regions/706/history?since=2026-11-22&until=2026-11-25")

    assert response.status_code == 200
    body = response.json()
    assert body["buckets"] == [
        {"start": "2026-11-22", "alerts": 0, "hours_under_alert": 0.0},
        {"start": "2026-11-23", "alerts": 2, "hours_under_alert": 3.5},
        {"start": "2026-11-24", "alerts": 0, "hours_under_alert": 0.5},
        {"start": "2026-11-25", "alerts": 1, "hours_under_alert": 1.0},
    ]
    assert (body["total_alerts"], body["total_hours_under_alert"]) == (3, 5.0)
    assert (body["region"]["uid"], body["period"], body["time_zone"]) == (706, "day", "Europe/Kyiv")
    assert response["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"


def test_per_week_from_monday(client: Client, history: None) -> None:
    body = get(client, "/api/v1/regions/706/history?period=week&since=2026-11-16&until=2026-11-25").json()

    assert body["buckets"] == [
        {"start": "2026-11-16", "alerts": 0, "hours_under_alert": 0.0},
        # 23 Nov is a Monday: every alert above falls in its week.
        {"start": "2026-11-23", "alerts": 3, "hours_under_alert": 5.0},
    ]


def test_the_default_window_is_the_last_30_days(client: Client, history: None) -> None:
    body = get(client, "/api/v1/regions/31/history").json()

    assert (body["since"], body["until"], len(body["buckets"])) == ("2026-10-27", "2026-11-25", 30)
    assert [(b["start"], b["alerts"], b["hours_under_alert"]) for b in body["buckets"] if b["alerts"]] == [
        ("2026-11-24", 1, 1.0)
    ]


def test_a_dst_day_has_25_hours(client: Client, kyiv_feed: FeedSource) -> None:
    # 25 Oct 2026: Kyiv goes back from UTC+3 to UTC+2 at 04:00; an alert over the whole day, from its midnight.
    AlertFactory.create(
        region_id=31, source=kyiv_feed, started_at=utc(24, 21, month=10), ended_at=utc(25, 22, month=10)
    )

    body = get(client, "/api/v1/regions/31/history?since=2026-10-25&until=2026-10-25").json()

    assert body["buckets"] == [{"start": "2026-10-25", "alerts": 1, "hours_under_alert": 25.0}]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=month", 'period: "month" is not a valid choice.'),
        ("since=2026-11-30&until=2026-11-01", "until: Must not be before since."),
        ("since=2025-01-01&until=2026-11-25", "since: At most 366 days or weeks at once."),
        ("since=yesterday", "since: Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
    ],
)
def test_bad_parameters_are_a_400(client: Client, history: None, query: str, message: str) -> None:
    response = get(client, f"/api/v1/regions/706/history?{query}")

    assert response.status_code == 400
    assert (response.json()["error"], response.json()["message"]) == ("invalid", message)


def test_an_unknown_region_is_a_404(client: Client, history: None) -> None:
    response = get(client, "/api/v1/regions/999999/history")

    assert response.status_code == 404
    assert response.json()["message"] == "No region with id 999999."


# --- the region's page -----------------------------------------------------------------------------------------


def table_rows(html: str) -> list[tuple[str, str, str]]:
    table = html[html.index('<table class="history-table">') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>([\d.,]+)</td></tr>", body)


def bars(html: str, name: str) -> list[tuple[str, str]]:
    chart = html[html.index(f'class="chart chart-{name}"') :]
    chart = chart[: chart.index("</svg>")]
    return re.findall(
        r'<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>([^<]+)</title>', chart
    )


def test_the_region_page_charts_the_last_30_days_with_the_numbers_beside(client: Client, history: None) -> None:
    html = get(client, "/en/alerts/706/").content.decode()

    rows = table_rows(html)
    assert len(rows) == 30
    assert rows[-3:] == [
        ("23 November 2026", "2", "3.50"),
        ("24 November 2026", "0", "0.50"),
        ("25 November 2026", "1", "1"),
    ]
    hours = bars(html, "hours")
    assert len(hours) == 30
    # The highest bar is the full height; the others in proportion.
    assert hours[-3:] == [
        ("100.0", "23 November 2026: 3.5"),
        ("14.29", "24 November 2026: 0.5"),
        ("28.57", "25 November 2026: 1.0"),
    ]
    assert bars(html, "alerts")[-3:] == [
        ("100.0", "23 November 2026: 2"),
        ("0.0", "24 November 2026: 0"),
        ("50.0", "25 November 2026: 1"),
    ]
    assert "Hours under alert · highest: 3.5" in html


def test_the_region_page_per_week_in_ukrainian(client: Client, history: None) -> None:
    html = get(client, "/alerts/706/?period=week").content.decode()

    rows = table_rows(html)
    assert len(rows) == 12
    assert rows[-1] == ("23 листопада 2026", "3", "5")
    assert "Останні 12 тижнів" in html
    assert "Годин під тривогою" in html
    assert '<a href="?period=day">За днями</a>' in html
