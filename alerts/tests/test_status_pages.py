"""The home page's banner (server-rendered, no JavaScript needed) and the alerts pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from alerts.feeds.base import AlertRecord
from alerts.models import FeedSource
from alerts.services.status import status_snapshot_publish
from alerts.tests.factories import FeedSourceFactory, kyiv_regions
from alerts.tests.factories import poll_and_publish as apply

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 05:00 in Kyiv


@pytest.fixture
def source() -> FeedSource:
    kyiv_regions()
    return FeedSourceFactory.create(name="alerts_in_ua")


def get(client: Client, path: str, *, at: datetime) -> Any:
    with time_machine.travel(at, tick=False):
        return client.get(path)


def banner(html: str) -> str:
    start = html.index('<section class="status-banner')
    return html[start : html.index("</section>", start)]


def test_no_alert_in_kyiv(client: Client, source: FeedSource) -> None:
    apply(source)

    response = get(client, "/", at=T0 + timedelta(seconds=8))

    html = banner(response.content.decode())
    assert 'class="status-banner state-clear"' in html
    assert 'role="status" aria-live="assertive"' in html
    assert '<h1 class="status-headline" id="status-headline">Тривоги немає</h1>' in html
    # The time of the data, not "8 s ago": a cached copy or a page without JavaScript stays true.
    assert '<p class="status-updated" id="status-updated">Дані станом на 05:00:00 за київським часом</p>' in html
    assert response["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert "cookie" not in response.get("Vary", "").lower()


def test_air_alert_in_kyiv_with_level_and_duration(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(31, "air_raid", "red", T0, "1"))
    apply(source, AlertRecord(31, "air_raid", "red", T0, "1"), at=T0 + timedelta(minutes=75))

    response = get(client, "/en/", at=T0 + timedelta(minutes=75, seconds=3))

    page = response.content.decode()
    html = banner(page)
    assert 'class="status-banner state-alert"' in html
    assert ">Air alert: missile threat</h1>" in html
    assert "since 05:00 · 1 h 15 min" in html
    # What to do now: shelter, and the two-wall rule when no shelter can be reached.
    assert '<div class="todo todo-danger" data-when="alert">' in page
    assert "Two-wall rule" in page


def test_raion_under_its_oblasts_alert_and_the_oblast_partly(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(75, "air_raid", None, T0, "1"))

    raion = banner(get(client, "/?region=706", at=T0 + timedelta(seconds=5)).content.decode())
    oblast = banner(get(client, "/en/?region=14", at=T0 + timedelta(seconds=5)).content.decode())

    assert "state-alert" in raion
    assert "м. Ірпінь та Ірпінська територіальна громада" in raion
    assert ">Alert in part of the region</h1>" in oblast
    assert "Buchanskyi raion" in oblast


def test_stale_data_is_status_unknown_with_the_last_known_alert(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(31, "air_raid", None, T0, "1"))

    html = banner(get(client, "/", at=T0 + timedelta(minutes=5)).content.decode())

    assert "state-unknown" in html
    assert ">Статус невідомий</h1>" in html
    assert "Джерела тривог останнім часом не відповідають. Останні відомі дані: Повітряна тривога, з 05:00." in html


def test_no_feed_at_all_is_unknown_not_clear(client: Client, source: FeedSource) -> None:
    FeedSource.objects.update(enabled=False)
    status_snapshot_publish()

    html = banner(client.get("/en/").content.decode())

    assert ">Status unknown</h1>" in html
    assert "No alert source is connected." in html


def test_a_drill_is_marked(client: Client, source: FeedSource) -> None:
    FeedSource.objects.update(enabled=False)
    FeedSource.objects.create(
        name="replay", kind="replay", enabled=True, last_success_at=T0,
        state={"origin": T0.isoformat(), "start": "2022-10-10T03:45:00+00:00", "speed": 1.0},
    )  # fmt: skip
    with time_machine.travel(T0, tick=False):
        status_snapshot_publish()

    html = banner(get(client, "/", at=T0 + timedelta(seconds=3)).content.decode())

    assert 'Навчання — відтворення сирен <span id="status-replay-date">10 жовтня 2022</span>' in html


def test_an_unknown_region_falls_back_to_kyiv_with_a_notice(client: Client, source: FeedSource) -> None:
    apply(source)

    page = get(client, "/en/?region=999999", at=T0).content.decode()

    assert "That region is not known; showing Kyiv." in page
    assert '<p class="status-region" id="status-region">Kyiv</p>' in page


def test_the_page_embeds_the_snapshot_safely(client: Client, source: FeedSource) -> None:
    apply(source)

    page = get(client, "/", at=T0).content.decode()

    assert '<script id="status-document" type="application/json">{"alerts":[]' in page
    assert '<script id="status-config" type="application/json">' in page


def test_alerts_now_grouped_by_oblast(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(31, "air_raid", None, T0, "1"), AlertRecord(75, "air_raid", "yellow", T0, "2"))

    page = get(client, "/en/alerts/", at=T0 + timedelta(minutes=20)).content.decode()

    assert "2 regions under alert." in page
    assert '<h2><a href="/en/alerts/14/">Kyiv Oblast</a></h2>' in page
    assert '<a href="/en/alerts/75/">Buchanskyi raion</a>' in page
    assert "since 05:00 · 20 min" in page
    assert '<span class="tag">Air alert: drone threat</span>' in page


def test_region_history_includes_what_covered_it(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(14, "air_raid", None, T0, "1"))
    apply(source, at=T0 + timedelta(minutes=45))

    page = get(client, "/en/alerts/75/", at=T0 + timedelta(hours=1)).content.decode()

    row = "<td>20 November 2026</td><td>05:00</td><td>05:45</td><td>45 min</td><td>Kyiv Oblast</td>"
    assert row in page
    assert get(client, "/alerts/424242/", at=T0).status_code == 404


def test_advisory_text_in_the_embedded_snapshot_cannot_close_the_script(
    client: Client, source: FeedSource, published: Callable[..., Any]
) -> None:
    published(title_uk="</script><script>alert(1)</script>", title_en="x")
    apply(source, at=datetime.now(tz=UTC))

    page = client.get("/").content.decode()

    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in page
    assert "<script>alert(1)" not in page


def test_the_region_picker_lists_kyiv_first_and_marks_the_chosen_region(client: Client, source: FeedSource) -> None:
    page = client.get("/en/?region=75").content.decode()

    assert '<optgroup label="Kyiv"><option value="31">Kyiv</option></optgroup>' in page
    assert page.index('label="Kyiv"') < page.index('label="Kyiv Oblast"')
    assert '<option value="75" selected>— Buchanskyi raion</option>' in page
    assert page.count(" selected>") == 1
