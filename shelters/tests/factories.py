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


# A file in the city's CSV export format, row by row (the importer's tests build their inputs with these).
HEADER = (
    "id,district,address,lat,lon,shelter_type,shelter_kind,building_type,owner,ownership,keys_phone,"
    "ramp_accessibility,accessible,source_coord_text,map_icon,district_by_polygon\n"
)


def city_csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def row(
    ident: str = "k-1",
    *,
    district: str = "Печерський",
    address: str = "м. Київ, вул. Хрещатик, 22",
    lat: str = "50.4475",
    lon: str = "30.5236",
    shelter_type: str = "Подвійного призначення",
    kind: str = "Підвал",
    owner: str = "КП «Керуюча компанія»",
    ownership: str = "Комунальна",
    phone: str = "228-57-28",
    ramp: str = "Відсутній",
    coord_text: str = "",
) -> str:
    values = [ident, district, address, lat, lon, shelter_type, kind, "Житловий будинок", owner, ownership]
    values += [phone, ramp, "false", coord_text, "red", district]
    return ",".join(f'"{value}"' for value in values)
