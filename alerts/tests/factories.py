"""factory_boy factories for the alerts app, with the real ids of the regions tests use."""

from __future__ import annotations

from datetime import UTC, datetime

import factory
import time_machine
from django.contrib.gis.geos import MultiPolygon, Polygon

from alerts.feeds.base import AlertRecord, FeedSnapshot
from alerts.models import Alert, FeedSource, Region
from alerts.services.ingest import alerts_apply_snapshot
from alerts.services.status import status_snapshot_publish


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("uid",)

    uid = factory.Sequence(lambda n: 100000 + n)
    name_uk = factory.LazyAttribute(lambda o: f"Регіон {o.uid}")
    name_en = factory.LazyAttribute(lambda o: f"Region {o.uid}")
    kind = Region.Kind.HROMADA
    parent = None


class FeedSourceFactory(factory.django.DjangoModelFactory[FeedSource]):
    class Meta:
        model = FeedSource
        django_get_or_create = ("name",)

    name = "alerts_in_ua"
    kind = factory.LazyAttribute(lambda o: o.name)
    enabled = True
    poll_interval_s = 10


class AlertFactory(factory.django.DjangoModelFactory[Alert]):
    class Meta:
        model = Alert

    region = factory.SubFactory(RegionFactory)
    kind = Alert.Kind.AIR_RAID
    level = None
    started_at = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    ended_at = None
    source = factory.SubFactory(FeedSourceFactory)
    source_key = factory.Sequence(lambda n: f"key-{n}")


def square(lon: float, lat: float, size: float = 0.1) -> MultiPolygon:
    ring = ((lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size), (lon, lat))
    return MultiPolygon(Polygon(ring, srid=4326), srid=4326)


def kyiv_regions() -> dict[int, Region]:
    """Kyiv city (31), Kyiv oblast (14) with its seven raions (73-79) and Irpin hromada (706), with the real ids.

    The polygons are simple squares (the oblast around the city with a hole), not the real borders.
    """
    oblast_ring = ((29.0, 49.0), (32.0, 49.0), (32.0, 51.5), (29.0, 51.5), (29.0, 49.0))
    city_ring = ((30.2, 50.3), (30.8, 50.3), (30.8, 50.6), (30.2, 50.6), (30.2, 50.3))
    regions = {
        31: RegionFactory.create(
            uid=31,
            name_uk="м. Київ",
            name_en="Kyiv",
            kind=Region.Kind.CITY,
            geometry=MultiPolygon(Polygon(city_ring, srid=4326), srid=4326),
        ),
        14: RegionFactory.create(
            uid=14,
            name_uk="Київська область",
            name_en="Kyiv Oblast",
            kind=Region.Kind.OBLAST,
            geometry=MultiPolygon(Polygon(oblast_ring, city_ring, srid=4326), srid=4326),
        ),
    }
    raions = {
        73: ("Білоцерківський район", "Bilotserkivskyi raion"),
        74: ("Вишгородський район", "Vyshhorodskyi raion"),
        75: ("Бучанський район", "Buchanskyi raion"),
        76: ("Обухівський район", "Obukhivskyi raion"),
        77: ("Фастівський район", "Fastivskyi raion"),
        78: ("Бориспільський район", "Boryspilskyi raion"),
        79: ("Броварський район", "Brovarskyi raion"),
    }
    for uid, (uk, en) in raions.items():
        regions[uid] = RegionFactory.create(uid=uid, name_uk=uk, name_en=en, kind=Region.Kind.RAION, parent=regions[14])
    regions[706] = RegionFactory.create(
        uid=706,
        name_uk="м. Ірпінь та Ірпінська територіальна громада",
        name_en="m. Irpin ta Irpinska terytorialna hromada",
        kind=Region.Kind.HROMADA,
        parent=regions[75],
    )
    return regions


# The moment most tests happen at: 05:00 in Kyiv on 20 November 2026.
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def poll_and_publish(source: FeedSource, *records: AlertRecord, at: datetime = T0) -> None:
    """A successful poll at `at` that found `records` active, and the status snapshot it publishes."""
    with time_machine.travel(at, tick=False):
        alerts_apply_snapshot(source=source, snapshot=FeedSnapshot(active=records), fetched_at=at)
        status_snapshot_publish()
