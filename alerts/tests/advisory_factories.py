"""Factories and fixtures for the advisory tests (regions, staff users with given permissions, advisories)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import factory
import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from alerts.models import Advisory, Region
from alerts.services.advisories import advisory_approve, advisory_publish

KYIV_CITY = 31
KYIV_OBLAST = 14
BUCHA_RAION = 75
LVIV_OBLAST = 27


def ring(lon: float, lat: float, radius: float, vertices: int) -> Polygon:
    """A closed ring of `vertices` points around (lon, lat): a boundary with many vertices."""
    points = [
        (
            lon + radius * math.cos(2 * math.pi * i / vertices),
            lat + radius * 0.65 * math.sin(2 * math.pi * i / vertices),
        )
        for i in range(vertices)
    ]
    return Polygon([*points, points[0]])


def make_regions() -> dict[int, Region]:
    """Kyiv city (with a 1,000-vertex boundary), Kyiv oblast, its Bucha raion, and Lviv oblast."""
    regions = {
        KYIV_OBLAST: Region.objects.create(
            uid=KYIV_OBLAST, name_uk="Київська область", name_en="Kyiv Oblast", kind="oblast"
        ),
        LVIV_OBLAST: Region.objects.create(
            uid=LVIV_OBLAST, name_uk="Львівська область", name_en="Lviv Oblast", kind="oblast"
        ),
        KYIV_CITY: Region.objects.create(
            uid=KYIV_CITY,
            name_uk="м. Київ",
            name_en="Kyiv",
            kind="city",
            geometry=MultiPolygon(ring(30.52, 50.45, 0.2, 1000), ring(30.9, 50.2, 0.01, 12)),
        ),
    }
    regions[BUCHA_RAION] = Region.objects.create(
        uid=BUCHA_RAION, name_uk="Бучанський район", name_en="Bucha Raion", kind="raion", parent=regions[KYIV_OBLAST]
    )
    return regions


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True

    @factory.post_generation
    def perms(user: User, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        for codename in extracted or []:
            user.user_permissions.add(Permission.objects.get(content_type__app_label="alerts", codename=codename))


EDITOR_PERMS = ["add_advisory", "change_advisory", "view_advisory", "delete_advisory"]
PUBLISHER_PERMS = [*EDITOR_PERMS, "publish_advisory"]
APPROVER_PERMS = [*EDITOR_PERMS, "approve_advisory"]


class AdvisoryFactory(factory.django.DjangoModelFactory[Advisory]):
    """A draft, as staff would have written it (use the services to move it on)."""

    class Meta:
        model = Advisory

    title_uk = factory.Sequence(lambda n: f"Порада {n}")
    title_en = factory.Sequence(lambda n: f"Advisory {n}")
    body_uk = "Метро працює як укриття."
    body_en = "The metro stays open as a shelter."
    severity = Advisory.Severity.WARNING
    source_name = "КМДА"
    source_url = "https://kyivcity.gov.ua/"
    created_by = factory.SubFactory(UserFactory, perms=EDITOR_PERMS)


@pytest.fixture
def regions(db: Any) -> dict[int, Region]:
    return make_regions()


@pytest.fixture
def publisher(db: Any) -> User:
    return UserFactory.create(username="publisher", perms=PUBLISHER_PERMS)


@pytest.fixture
def approver(db: Any) -> User:
    return UserFactory.create(username="approver", perms=APPROVER_PERMS)


@pytest.fixture
def published(publisher: User, approver: User) -> Callable[..., Advisory]:
    """Make and publish an advisory (an extreme one approved by the approver first)."""

    def make(*, regions: list[Region] | tuple[()] = (), now: datetime | None = None, **fields: Any) -> Advisory:
        advisory = AdvisoryFactory.create(**fields)
        advisory.regions.set(regions)
        if advisory.severity == Advisory.Severity.EXTREME:
            advisory_approve(advisory_id=advisory.pk, by=approver, now=now)
        return advisory_publish(advisory_id=advisory.pk, by=publisher, now=now)

    return make


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def now() -> datetime:
    return timezone.now()
