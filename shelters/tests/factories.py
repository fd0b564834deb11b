from __future__ import annotations

import factory
from django.contrib.gis.geos import Point

from shelters.models import Shelter


class ShelterFactory(factory.django.DjangoModelFactory[Shelter]):
    class Meta:
        model = Shelter

    source = "test"
    source_id = factory.Sequence(lambda n: f"t-{n:05d}")
    address_uk = factory.Sequence(lambda n: f"вул. Тестова, {n}")
    address_en = factory.Sequence(lambda n: f"Testova St, {n}")
    name_uk = ""
    name_en = ""
    location = factory.LazyFunction(lambda: Point(30.5234, 50.4501, srid=4326))
    kind = "basement"
    protection = "simplest"
    district = "shevchenkivskyi"
    wheelchair_accessible = False
    opening_hours = "always"
    status = "unverified"
    is_active = True


def at(lat: float, lon: float) -> Point:
    """A point from (lat, lon), the order people say it in (GEOS wants x = lon first)."""
    return Point(lon, lat, srid=4326)
