from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from lxml import etree

from alerts.cap import MAX_POLYGON_POINTS, cap_polygons, cap_time
from alerts.models import Advisory, Region
from alerts.services.advisories import (
    advisory_draft_edit,
    advisory_publish,
    advisory_update_prepare,
    advisory_withdraw,
)
from alerts.tests.advisory_factories import (
    hours,
    ring,
)

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
T0 = datetime(2026, 1, 15, 8, 30, 12, 345678, tzinfo=UTC)


@pytest.fixture(scope="session")
def cap_schema(seed_data_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(seed_data_dir / "alerts" / "cap" / "CAP-v1.2.xsd")))


def _cap(client: Client, advisory_id: int, schema: etree.XMLSchema) -> etree._Element:
    response = client.get(f"/api/v1/advisories/{advisory_id}/cap")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml"
    document = etree.fromstring(response.content)
    schema.assertValid(document)
    return document


def _text(element: etree._Element, path: str) -> list[str]:
    return [node.text for node in element.findall(path, NS)]


@pytest.mark.django_db
def test_an_alert_validates_and_says_everything_the_issue_lists(
    client: Client, cap_schema: etree.XMLSchema, published: Callable[..., Advisory], regions: dict[int, Region]
) -> None:
    with time_machine.travel(T0, tick=False):
        advisory = published(
            severity="extreme",
            response="shelter",
            regions=[regions[31], regions[14]],
            title_uk="Залишайтеся в укритті",
            title_en="Shelter in place",
            body_uk="Посольство радить залишатися в укритті.",
            body_en="The embassy advises sheltering in place.",
            expires_at=T0 + hours(12),
            source_name="Embassy",
            source_url="https://embassy.example/alert",
        )

    alert = _cap(client, advisory.pk, cap_schema)

    assert _text(alert, "cap:identifier") == [f"kyivguide-advisory-{advisory.pk}"]
    assert _text(alert, "cap:sender") == ["kyivguide@localhost"]
    assert _text(alert, "cap:sent") == ["2026-01-15T10:30:12+02:00"]
    assert _text(alert, "cap:status") == ["Actual"]
    assert _text(alert, "cap:msgType") == ["Alert"]
    assert _text(alert, "cap:scope") == ["Public"]
    assert alert.find("cap:references", NS) is None
    infos = alert.findall("cap:info", NS)
    assert [_text(info, "cap:language")[0] for info in infos] == ["uk-UA", "en-US"]
    for info in infos:
        assert _text(info, "cap:category") == ["Safety"]
        assert _text(info, "cap:responseType") == ["Shelter"]
        assert _text(info, "cap:urgency") == ["Immediate"]
        assert _text(info, "cap:severity") == ["Extreme"]
        assert _text(info, "cap:certainty") == ["Likely"]
        assert _text(info, "cap:effective") == ["2026-01-15T10:30:12+02:00"]
        assert _text(info, "cap:expires") == ["2026-01-15T22:30:12+02:00"]
        assert [_text(area, "cap:geocode/cap:value")[0] for area in info.findall("cap:area", NS)] == ["14", "31"]
    uk, en = infos
    assert _text(uk, "cap:headline") == ["Залишайтеся в укритті"]
    assert _text(en, "cap:headline") == ["Shelter in place"]
    assert _text(uk, "cap:event") == ["Офіційна порада"]
    assert _text(en, "cap:event") == ["Official advisory"]
    assert _text(en, "cap:description") == [
        "The embassy advises sheltering in place.\n\nSource: Embassy (https://embassy.example/alert)"
    ]
    assert _text(en, "cap:instruction")[0].startswith("Go to the nearest shelter now.")
    assert _text(uk, "cap:instruction")[0].startswith("Негайно йдіть до найближчого укриття.")
    assert _text(uk, "cap:web") == [f"http://testserver/advisories/{advisory.pk}/"]
    assert _text(en, "cap:web") == [f"http://testserver/en/advisories/{advisory.pk}/"]
    assert _text(uk, "cap:area/cap:areaDesc") == ["Київська область", "м. Київ"]
    assert _text(en, "cap:area/cap:areaDesc") == ["Kyiv Oblast", "Kyiv"]
    # Kyiv has a boundary: one polygon (its small island is dropped), "lat,lon" pairs, a closed ring.
    oblast_area, city_area = en.findall("cap:area", NS)
    assert oblast_area.findall("cap:polygon", NS) == []
    [polygon] = _text(city_area, "cap:polygon")
    points = polygon.split(" ")
    assert 4 <= len(points) <= MAX_POLYGON_POINTS
    assert points[0] == points[-1]
    lats = [float(point.split(",")[0]) for point in points]
    lons = [float(point.split(",")[1]) for point in points]
    assert (min(lats), max(lats)) == (50.32, 50.58)
    assert (min(lons), max(lons)) == (30.32, 30.72)


@pytest.mark.django_db
def test_an_update_references_the_original_message(
    client: Client, cap_schema: etree.XMLSchema, published: Callable[..., Advisory], publisher: User
) -> None:
    with time_machine.travel(T0, tick=False):
        original = published()
    with time_machine.travel(T0 + hours(1), tick=False):
        draft = advisory_update_prepare(advisory_id=original.pk, by=publisher)
        advisory_draft_edit(advisory_id=draft.pk, by=publisher, body_en="Updated text.")
        update = advisory_publish(advisory_id=draft.pk, by=publisher)

    alert = _cap(client, update.pk, cap_schema)

    assert _text(alert, "cap:msgType") == ["Update"]
    assert _text(alert, "cap:identifier") == [f"kyivguide-advisory-{update.pk}"]
    assert _text(alert, "cap:references") == [
        f"kyivguide@localhost,kyivguide-advisory-{original.pk},2026-01-15T10:30:12+02:00"
    ]
    assert _text(alert, "cap:incidents") == [f"kyivguide-advisory-{original.pk}"]
    # The original's own message is unchanged: an Alert.
    assert _text(_cap(client, original.pk, cap_schema), "cap:msgType") == ["Alert"]


@pytest.mark.django_db
def test_withdrawing_issues_a_cancel_that_references_the_original(
    client: Client, cap_schema: etree.XMLSchema, published: Callable[..., Advisory], publisher: User
) -> None:
    with time_machine.travel(T0, tick=False):
        original = published(response="shelter")
    with time_machine.travel(T0 + hours(1), tick=False):
        update = advisory_publish(
            advisory_id=advisory_update_prepare(advisory_id=original.pk, by=publisher).pk, by=publisher
        )
    with time_machine.travel(T0 + hours(2), tick=False):
        advisory_withdraw(advisory_id=update.pk, by=publisher, reason="The threat has passed.")

    alert = _cap(client, update.pk, cap_schema)

    assert _text(alert, "cap:msgType") == ["Cancel"]
    assert _text(alert, "cap:identifier") == [f"kyivguide-advisory-{update.pk}-cancel"]
    assert _text(alert, "cap:sent") == ["2026-01-15T12:30:12+02:00"]
    assert _text(alert, "cap:references") == [
        f"kyivguide@localhost,kyivguide-advisory-{original.pk},2026-01-15T10:30:12+02:00 "
        f"kyivguide@localhost,kyivguide-advisory-{update.pk},2026-01-15T11:30:12+02:00"
    ]
    assert _text(alert, "cap:note") == ["The threat has passed."]
    en = alert.findall("cap:info", NS)[1]
    assert en.find("cap:responseType", NS) is None  # never an "all clear"
    assert _text(en, "cap:urgency") == ["Past"]
    assert _text(en, "cap:headline")[0].startswith("Withdrawn: ")


@pytest.mark.django_db
def test_a_drill_is_an_exercise_and_no_region_means_all_of_ukraine(
    client: Client, cap_schema: etree.XMLSchema, published: Callable[..., Advisory]
) -> None:
    advisory = published(is_exercise=True, severity="info", response="prepare")

    alert = _cap(client, advisory.pk, cap_schema)

    assert _text(alert, "cap:status") == ["Exercise"]
    en = alert.findall("cap:info", NS)[1]
    assert _text(en, "cap:responseType") == ["Prepare"]
    assert _text(en, "cap:area/cap:areaDesc") == ["All of Ukraine"]
    assert _text(en, "cap:area/cap:geocode/cap:value") == ["UA"]


@pytest.mark.django_db
def test_drafts_and_unknown_ids_have_no_cap_document(client: Client) -> None:
    from alerts.tests.advisory_factories import AdvisoryFactory

    draft = AdvisoryFactory.create()

    for advisory_id in (draft.pk, 999999):
        response = client.get(f"/api/v1/advisories/{advisory_id}/cap", HTTP_ACCEPT="application/cap+xml")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": f"No published advisory has the id {advisory_id}."}


def test_cap_times_carry_the_kyiv_offset_and_whole_seconds() -> None:
    assert cap_time(datetime(2026, 1, 15, 8, 30, 12, 999999, tzinfo=UTC)) == "2026-01-15T10:30:12+02:00"
    assert cap_time(datetime(2026, 7, 15, 8, 30, 0, tzinfo=UTC)) == "2026-07-15T11:30:00+03:00"


def test_big_polygons_are_simplified_below_the_limit_and_stay_closed() -> None:
    from django.contrib.gis.geos import MultiPolygon

    [polygon] = cap_polygons(MultiPolygon(ring(30.52, 50.45, 0.2, 5000)))

    points = polygon.split(" ")
    assert 4 <= len(points) <= MAX_POLYGON_POINTS
    assert points[0] == points[-1]
    assert cap_polygons(None) == []


@pytest.mark.django_db
def test_the_real_kyiv_boundary_makes_a_valid_cap_area(
    client: Client, cap_schema: etree.XMLSchema, seed_data_dir: Path, published: Callable[..., Advisory]
) -> None:
    call_command("import_regions", data_dir=str(seed_data_dir), stdout=io.StringIO())
    kyiv = Region.objects.get(uid=31)
    assert kyiv.geometry is not None and kyiv.geometry.num_coords > 1000
    advisory = published(regions=[kyiv])

    alert = _cap(client, advisory.pk, cap_schema)

    polygons = _text(alert, "cap:info/cap:area/cap:polygon")
    assert len(polygons) == 2  # the same outline in each language
    points = polygons[0].split(" ")
    assert 4 <= len(points) <= MAX_POLYGON_POINTS
    assert points[0] == points[-1]
    for point in points:
        lat, lon = (float(value) for value in point.split(","))
        assert 50.2 < lat < 50.6 and 30.2 < lon < 30.9
