"""Markup typed into an advisory is shown as text in every output and never runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from lxml import etree

from alerts.models import Advisory, Region
from alerts.services.advisories import advisory_withdraw

pytestmark = pytest.mark.django_db

TITLE = 'Alert <script>alert("t")</script> & <b>bold</b>'
BODY = 'Go <img src=x onerror="alert(1)"> now.\n\n<a href="javascript:alert(2)">click</a> <script>alert(3)</script>'
# Markup that would act if it reached a browser or a feed reader as markup (as text it is harmless).
RAW = ("<script", "<img", "<b>", '<a href="javascript:', "<i>")


@pytest.fixture
def hostile(published: Callable[..., Advisory], regions: dict[int, Region]) -> Advisory:
    return published(
        regions=[regions[31]],
        title_uk=TITLE,
        title_en=TITLE,
        body_uk=BODY,
        body_en=BODY,
        source_name="<i>Source</i>",
    )


def _assert_escaped_html(html: str) -> None:
    # The page itself: its own scripts (outside <main>) are not the advisory's.
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    for raw in RAW:
        assert raw not in body, raw
    assert "Alert &lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in body


@pytest.mark.parametrize(
    "path", ["/advisories/{id}/", "/en/advisories/{id}/", "/advisories/", "/en/advisories/", "/", "/en/"]
)
def test_pages_show_markup_as_text(client: Client, hostile: Advisory, path: str) -> None:
    response = client.get(path.format(id=hostile.pk))

    assert response.status_code == 200
    _assert_escaped_html(response.content.decode())


def test_the_detail_page_escapes_the_body_and_a_withdrawal_reason(
    client: Client, hostile: Advisory, publisher: User
) -> None:
    advisory_withdraw(advisory_id=hostile.pk, by=publisher, reason="<script>alert(4)</script>")

    html = client.get(f"/en/advisories/{hostile.pk}/").content.decode()

    _assert_escaped_html(html)
    assert "Go &lt;img src=x onerror=&quot;alert(1)&quot;&gt; now." in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html


def test_cap_and_atom_carry_the_text_as_text(client: Client, hostile: Advisory, seed_data_dir: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(seed_data_dir / "alerts" / "cap" / "CAP-v1.2.xsd")))
    cap = client.get(f"/api/v1/advisories/{hostile.pk}/cap").content
    atom = client.get("/feeds/advisories.atom").content

    for document in (cap, atom):
        for raw in RAW:
            assert raw.encode() not in document, raw
    cap_root = etree.fromstring(cap)
    schema.assertValid(cap_root)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert cap_root.findtext("cap:info/cap:headline", namespaces=ns) == TITLE
    assert cap_root.findtext("cap:info/cap:description", namespaces=ns).startswith(BODY)
    atom_root = etree.fromstring(atom)
    atom_ns = {"atom": "http://www.w3.org/2005/Atom"}
    entry = atom_root.find("atom:entry", atom_ns)
    assert entry.findtext("atom:title", namespaces=atom_ns) == TITLE
    assert entry.find("atom:title", atom_ns).get("type") == "text"
    assert entry.findtext("atom:summary", namespaces=atom_ns) == BODY


def test_the_api_returns_the_text_as_plain_json_strings(client: Client, hostile: Advisory) -> None:
    response = client.get(f"/api/v1/advisories/{hostile.pk}")

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (response.json()["title_en"], response.json()["body_uk"]) == (TITLE, BODY)


def test_the_admin_shows_markup_as_text(admin_client: Client, hostile: Advisory) -> None:
    change = admin_client.get(f"/en/admin/alerts/advisory/{hostile.pk}/change/").content.decode()
    listing = admin_client.get("/en/admin/alerts/advisory/").content.decode()

    for html in (change, listing):
        assert '<script>alert("t")</script>' not in html
        assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in listing
