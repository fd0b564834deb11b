from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from lxml import etree

from alerts.models import Advisory, Region
from alerts.services.advisories import advisory_publish, advisory_withdraw
from alerts.templatetags.advisories import advisory_text
from alerts.tests.advisory_factories import AdvisoryFactory, hours

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def _html(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def _advisory_links(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-advisory="(\d+)"', html)]


def test_the_list_page_shows_current_upcoming_and_earlier_advisories(
    client: Client, published: Callable[..., Advisory], publisher: User
) -> None:
    with time_machine.travel(T0, tick=False):
        info = published(severity="info", title_en="Metro stays open", title_uk="Метро працює")
        extreme = published(severity="extreme", title_en="Shelter in place", is_exercise=True)
        expired = published(severity="warning", title_en="Old warning", expires_at=T0 + hours(1))
        upcoming = AdvisoryFactory.create(title_en="Tomorrow", effective_at=T0 + hours(24))
        advisory_publish(advisory_id=upcoming.pk, by=publisher)

    with time_machine.travel(T0 + hours(2), tick=False):
        en = _html(client, "/en/advisories/")
        uk = _html(client, "/advisories/")

    current_part, upcoming_part = en.split('id="upcoming-title"')
    assert _advisory_links(current_part) == [extreme.pk, info.pk]
    assert _advisory_links(upcoming_part) == [upcoming.pk]
    assert f'<a href="/en/advisories/{expired.pk}/">Old warning</a>' in en
    assert "Drill" in en and "Навчання" in uk
    assert "Everywhere" in en and "Усі регіони" in uk
    assert "Метро працює" in uk and "Metro stays open" in en


def test_the_list_page_says_when_nothing_is_in_force(client: Client) -> None:
    assert "No advisory is in force right now." in _html(client, "/en/advisories/")
    assert "Зараз чинних порад немає." in _html(client, "/advisories/")


def test_the_detail_page_in_each_language(
    client: Client, published: Callable[..., Advisory], regions: dict[int, Region]
) -> None:
    advisory = published(
        regions=[regions[31]],
        title_uk="Станції метро відкриті",
        title_en="Metro stations open",
        body_uk="Усі станції працюють як укриття.\n\nДеталі: https://kyivcity.gov.ua/news",
        body_en="All stations are open as shelters.\n\nDetails: https://kyivcity.gov.ua/news",
        source_name="КМДА",
    )

    uk = _html(client, f"/advisories/{advisory.pk}/")
    en = _html(client, f"/en/advisories/{advisory.pk}/")

    assert "<h1>Станції метро відкриті</h1>" in uk
    assert "<h1>Metro stations open</h1>" in en
    assert "<p>All stations are open as shelters.</p>" in en
    assert '<a href="https://kyivcity.gov.ua/news" rel="nofollow">https://kyivcity.gov.ua/news</a>' in en
    assert "м. Київ" in uk and "Kyiv" in en
    assert f'href="/api/v1/advisories/{advisory.pk}/cap"' in en
    assert '<a href="/en/advisories/" aria-current="page">Advisories</a>' in en


def test_withdrawn_expired_and_upcoming_pages_say_so(
    client: Client, published: Callable[..., Advisory], publisher: User
) -> None:
    with time_machine.travel(T0, tick=False):
        withdrawn = published()
        advisory_withdraw(advisory_id=withdrawn.pk, by=publisher, reason="Issued by mistake.")
        expired = published(expires_at=T0 + hours(1))
        upcoming = AdvisoryFactory.create(effective_at=T0 + hours(24))
        advisory_publish(advisory_id=upcoming.pk, by=publisher)

    with time_machine.travel(T0 + hours(2), tick=False):
        assert "This advisory was withdrawn on" in _html(client, f"/en/advisories/{withdrawn.pk}/")
        assert "<p>Issued by mistake.</p>" in _html(client, f"/en/advisories/{withdrawn.pk}/")
        assert "Цю пораду відкликано" in _html(client, f"/advisories/{withdrawn.pk}/")
        assert "This advisory expired on" in _html(client, f"/en/advisories/{expired.pk}/")
        assert "In force from" in _html(client, f"/en/advisories/{upcoming.pk}/")


def test_a_draft_page_is_a_404(client: Client) -> None:
    draft = AdvisoryFactory.create()

    assert client.get(f"/advisories/{draft.pk}/").status_code == 404
    assert client.get(f"/en/advisories/{draft.pk}/").status_code == 404


def test_the_home_page_shows_kyivs_advisories_most_severe_first(
    client: Client, published: Callable[..., Advisory], regions: dict[int, Region]
) -> None:
    assert "What the authorities advise" not in _html(client, "/en/")
    everywhere = published(severity="info")
    kyiv = published(severity="danger", regions=[regions[31]])
    published(severity="extreme", regions=[regions[27]])  # Lviv oblast: not Kyiv's

    html = _html(client, "/en/")

    assert "What the authorities advise" in html
    assert _advisory_links(html) == [kyiv.pk, everywhere.pk]
    assert "Що радить влада" in _html(client, "/")


@pytest.mark.parametrize("path", ["/advisories/", "/en/advisories/", "/guide/", "/en/guide/", "/advisory-detail"])
def test_pages_are_cacheable_by_anyone(client: Client, published: Callable[..., Advisory], path: str) -> None:
    advisory = published()
    path = f"/en/advisories/{advisory.pk}/" if path == "/advisory-detail" else path

    response = client.get(path)

    assert response.status_code == 200
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"].startswith("public, max-age=")


def test_the_guide_covers_what_the_issue_asks_in_both_languages(client: Client) -> None:
    en = _html(client, "/en/guide/")
    uk = _html(client, "/guide/")

    for text in (
        "your home</strong>",
        "your work</strong>",
        "school or kindergarten</strong>",
        "When the alert sounds",
        "two-wall rule",
        "away from windows",
        "corridor",
        "bathroom",
        "What to keep ready",
        "Follow official channels",
    ):
        assert text in en, text
    for text in (
        "дому</strong>",
        "роботи</strong>",
        "школи чи садочка</strong>",
        "Коли лунає тривога",
        "правила двох стін",
        "подалі від вікон",
        "коридор",
        "ванна кімната",
        "Що мати напоготові",
        "Стежте за офіційними каналами",
    ):
        assert text in uk, text
    for number in ("101", "102", "103", "112"):
        assert f'<a href="tel:{number}">{number}</a> —' in en
        assert f'<a href="tel:{number}">{number}</a> —' in uk
    assert '<html lang="en">' in en and '<html lang="uk">' in uk
    assert '<a href="/en/guide/" aria-current="page">Guide</a>' in en
    assert '<a href="/guide/" aria-current="page">Пам’ятка</a>' in uk


def test_plain_text_becomes_paragraphs_line_breaks_and_links() -> None:
    html = advisory_text("First line\nsecond line\n\n  \nSee https://example.org/a?b=1&c=2 now.\r\n\r\nEnd")

    assert html == (
        "<p>First line<br>second line</p>\n"
        '<p>See <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow">'
        "https://example.org/a?b=1&amp;c=2</a> now.</p>\n"
        "<p>End</p>"
    )


def test_the_atom_feed_lists_current_and_withdrawn_advisories_with_their_cap_documents(
    client: Client, published: Callable[..., Advisory], publisher: User
) -> None:
    with time_machine.travel(T0, tick=False):
        current = published(severity="danger", title_en="Shelter now")
        withdrawn = published(severity="info", title_en="Old news")
        advisory_withdraw(advisory_id=withdrawn.pk, by=publisher)
        published(severity="info", expires_at=T0 + hours(1))  # expired by the time of reading
        AdvisoryFactory.create()  # draft

    with time_machine.travel(T0 + hours(2), tick=False):
        response = client.get("/feeds/advisories.atom")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.cookies == {}
    feed = etree.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = feed.findall("atom:entry", ATOM)
    assert [entry.findtext("atom:title", namespaces=ATOM) for entry in entries] == [
        "Shelter now",
        "Withdrawn: Old news",
    ]
    cap_links = [
        link.get("href")
        for entry in entries
        for link in entry.findall("atom:link", ATOM)
        if link.get("type") == "application/cap+xml"
    ]
    assert cap_links == [
        f"http://testserver/api/v1/advisories/{current.pk}/cap",
        f"http://testserver/api/v1/advisories/{withdrawn.pk}/cap",
    ]
    assert feed.findtext("atom:updated", namespaces=ATOM) == "2026-02-01T09:00:00Z"
    # Each linked CAP document exists.
    for link in cap_links:
        assert client.get(link.removeprefix("http://testserver")).status_code == 200


def test_the_atom_feed_parses_with_the_standard_library_when_empty(client: Client) -> None:
    import xml.etree.ElementTree as ElementTree

    feed = ElementTree.fromstring(client.get("/feeds/advisories.atom").content)  # noqa: S314 - our own output

    assert feed.find("{http://www.w3.org/2005/Atom}entry") is None
    assert feed.findtext("{http://www.w3.org/2005/Atom}title") == "KyivGuide: official advisories"
