from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.management import call_command

from alerts.models import Region
from alerts.region_ids import region_uid_canonical
from alerts.services.regions import RegionImportError, regions_import, regions_import_from_dir

pytestmark = pytest.mark.django_db


def top_level_at(lon: float, lat: float) -> list[int]:
    point = Point(lon, lat, srid=4326)
    return sorted(Region.objects.filter(parent__isnull=True, geometry__contains=point).values_list("uid", flat=True))


@pytest.fixture
def imported(seed_data_dir: Path) -> Path:
    regions_import_from_dir(data_dir=seed_data_dir)
    return seed_data_dir


def test_import_of_the_real_files_creates_every_region(seed_data_dir: Path) -> None:
    result = regions_import_from_dir(data_dir=seed_data_dir)

    # 1,605 ids of the hierarchy, plus Crimea, Sevastopol, 4 Luhansk raions and their 11 hromadas.
    assert (result.created, result.updated, result.unchanged) == (1622, 0, 0)
    # 27 oblasts and cities, 122 raions, 1,458 hromadas.
    assert result.with_geometry == 1607
    assert Region.objects.filter(kind=Region.Kind.OBLAST).count() == 25
    assert Region.objects.filter(kind=Region.Kind.CITY).count() == 2
    assert Region.objects.filter(kind=Region.Kind.RAION).count() == 126
    assert Region.objects.filter(kind=Region.Kind.HROMADA).count() == 1469


def test_a_second_import_changes_nothing(imported: Path) -> None:
    before = dict(Region.objects.values_list("uid", "updated_at"))

    result = regions_import_from_dir(data_dir=imported)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1622)
    assert dict(Region.objects.values_list("uid", "updated_at")) == before


def test_kyiv_ids_names_and_parents(imported: Path) -> None:
    kyiv = Region.objects.get(uid=31)
    oblast = Region.objects.get(uid=14)

    assert (kyiv.name_uk, kyiv.name_en, kyiv.kind, kyiv.parent_id) == ("м. Київ", "Kyiv", "city", None)
    assert (oblast.name_uk, oblast.name_en, oblast.kind) == ("Київська область", "Kyiv Oblast", "oblast")
    assert sorted(oblast.children.values_list("uid", flat=True)) == [73, 74, 75, 76, 77, 78, 79]
    bucha = Region.objects.get(uid=75)
    assert (bucha.name_uk, bucha.name_en) == ("Бучанський район", "Buchanskyi raion")
    irpin = Region.objects.get(uid=706)
    assert (irpin.parent_id, irpin.name_en) == (75, "m. Irpin ta Irpinska terytorialna hromada")


def test_renamed_raions_take_their_current_names(imported: Path) -> None:
    assert Region.objects.get(uid=43).name_uk == "Самарівський район"
    assert Region.objects.get(uid=60).name_uk == "Звягельський район"
    # A difference in apostrophes alone is not a rename.
    assert Region.objects.get(uid=42).name_uk == "Кам’янський район"


def test_ids_missing_from_the_hierarchy_are_added_with_their_parents(imported: Path) -> None:
    assert Region.objects.get(uid=29).name_en == "Autonomous Republic of Crimea"
    assert Region.objects.get(uid=30).kind == "city"
    assert list(Region.objects.filter(parent_id=16, uid__gt=1800).values_list("uid", flat=True)) == [
        1801,
        1802,
        1803,
        1804,
    ]
    assert Region.objects.get(uid=1903).parent_id == 1803
    assert region_uid_canonical(9999) == 29
    assert region_uid_canonical(31) == 31


def test_swapped_oblast_ids_in_the_polygon_file_are_attached_by_name(imported: Path) -> None:
    # Vinnytsia (49.23 N, 28.47 E) is in oblast 4; Lutsk (50.75 N, 25.33 E) is in Volyn, oblast 8.
    assert top_level_at(28.4682, 49.2331) == [4]
    assert top_level_at(25.3254, 50.7472) == [8]


def test_every_point_is_in_exactly_one_of_kyiv_city_and_kyiv_oblast(imported: Path) -> None:
    coarse_city = GEOSGeometry(
        json.dumps(
            next(
                f["geometry"]
                for f in json.loads(
                    (imported / "boundaries/ukraine_oblasts_alerts_in_ua.geojson").read_text(encoding="utf-8")
                )["features"]
                if f["properties"]["alerts_in_ua_location_uid"] == 31
            )
        ),
        srid=4326,
    )
    fine_city = Region.objects.get(uid=31).geometry
    assert fine_city is not None
    assert fine_city.num_coords == 1803  # the fine boundary won over the 12-vertex one
    between = coarse_city.sym_difference(fine_city)
    polygons: list[Any] = list(between)  # type: ignore[call-overload]
    probes = [polygon.point_on_surface for polygon in polygons][:20]

    assert top_level_at(30.5234, 50.4501) == [31]  # Maidan Nezalezhnosti
    assert top_level_at(30.7900, 50.5100) == [14]  # Brovary
    for probe in probes:
        assert len(top_level_at(probe.x, probe.y)) == 1, probe.coords


def test_the_command_reports_counts(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_regions", data_dir=str(imported))

    assert capsys.readouterr().out.strip() == (
        "Regions: 0 created, 0 updated, 1622 unchanged (1622 in all, 1607 with a boundary); 3 warnings."
    )


# --- Small files of our own -------------------------------------------------------------------------------


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def hierarchy() -> dict[str, Any]:
    return {
        "states": [
            {"stateName": "Київська область", "stateId": 14, "districts": [
                {"districtName": "Бучанський район", "districtId": 75, "communities": [
                    {"communityName": "Ірпінська територіальна громада", "communityId": 706}]}]},
            {"stateName": "м. Київ", "stateId": 31, "districts": []},
        ]
    }  # fmt: skip


def feature(uid: int, name: str, ring: list[tuple[float, float]], name_en: str | None = None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"alerts_in_ua_location_uid": uid, "name_uk": name, **({"name_en": name_en} if name_en else {})},
        "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
    }


SQUARE = [(30.0, 50.0), (31.0, 50.0), (31.0, 51.0), (30.0, 51.0), (30.0, 50.0)]
FINE_SQUARE = [(30.0, 50.0), (30.5, 50.0), (31.0, 50.0), (31.0, 50.5), (31.0, 51.0), (30.0, 51.0), (30.0, 50.0)]


@pytest.mark.parametrize("fine_first", [True, False])
def test_the_finer_polygon_wins_whichever_file_comes_first(tmp_path: Path, fine_first: bool) -> None:
    coarse = write(
        tmp_path / "coarse.geojson", {"type": "FeatureCollection", "features": [feature(31, "Київ", SQUARE)]}
    )
    fine = write(
        tmp_path / "fine.geojson", {"type": "FeatureCollection", "features": [feature(31, "м. Київ", FINE_SQUARE)]}
    )

    regions_import(
        hierarchy_path=write(tmp_path / "h.json", hierarchy()),
        geojson_paths=[fine, coarse] if fine_first else [coarse, fine],
    )

    assert Region.objects.get(uid=31).geometry.num_coords == 7  # type: ignore[union-attr]


def test_a_feature_named_for_another_region_moves_to_it_and_an_unknown_name_is_skipped(tmp_path: Path) -> None:
    features = [
        feature(14, "м. Київ", SQUARE, name_en="Kyiv"),  # wrong uid, right name
        feature(31, "Житомирська область", SQUARE),  # a name no region has: never attached
    ]
    result = regions_import(
        hierarchy_path=write(tmp_path / "h.json", hierarchy()),
        geojson_paths=[write(tmp_path / "f.geojson", {"type": "FeatureCollection", "features": features})],
    )

    assert Region.objects.get(uid=31).geometry is not None
    assert Region.objects.get(uid=31).name_en == "Kyiv"
    assert Region.objects.get(uid=14).geometry is None
    assert result.warnings == [
        "f.geojson feature 0: uid 14 is 'Київська область' but the feature is named 'м. Київ'; "
        "attached to 31 by its name",
        "f.geojson feature 1: uid 31 is 'м. Київ' but the feature is named 'Житомирська область'; skipped",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not valid JSON"),
        ('{"regions": []}', "expected an object with a list of 'states'"),
        ('{"states": [{"stateName": "x"}]}', "unexpected entry"),
    ],
)
def test_a_bad_hierarchy_writes_nothing(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "h.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(RegionImportError, match=message):
        regions_import(hierarchy_path=path)

    assert Region.objects.count() == 0


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RegionImportError, match=r"h\.json does not exist"):
        regions_import(hierarchy_path=tmp_path / "h.json")


# --- Bad files (issue 11 §5): refused with the reason, nothing written -----------------------------------


def test_a_region_file_that_is_not_utf8_json_is_refused_with_the_byte_and_line(tmp_path: Path) -> None:
    png = tmp_path / "h.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    cp1251 = tmp_path / "h.json"
    cp1251.write_bytes(json.dumps(hierarchy(), ensure_ascii=False, indent=1).encode("cp1251"))

    with pytest.raises(RegionImportError) as not_text:
        regions_import(hierarchy_path=png)
    with pytest.raises(RegionImportError) as windows:
        regions_import(hierarchy_path=cp1251)

    assert str(not_text.value) == (
        f"{png}: the file is not UTF-8 text: byte 0x89 at line 1 (byte 0 of the file) is not UTF-8"
    )
    assert str(windows.value) == (
        f"{cp1251}: the file is not UTF-8 text: byte 0xCA at line 4 (byte 36 of the file) is not UTF-8; it looks "
        "like Windows-1251 (cp1251) Cyrillic text: save it as UTF-8 (e.g. iconv -f cp1251 -t utf-8) and import it "
        "again"
    )
    assert Region.objects.count() == 0


def test_a_region_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.geojson"
    with big.open("wb") as file:
        file.write(b'{"type": "FeatureCollection", "features": [')
        file.write(b" " * (21 * 1024 * 1024))
        file.write(b"]}")

    with pytest.raises(RegionImportError) as refused:
        regions_import(hierarchy_path=write(tmp_path / "h.json", hierarchy()), geojson_paths=[big])

    assert str(refused.value) == f"{big} is 21.0 MB, larger than a region file may be (20 MB)"
    assert Region.objects.count() == 0


def test_region_files_of_the_wrong_shape_are_named_and_write_nothing(tmp_path: Path) -> None:
    h = write(tmp_path / "h.json", hierarchy())
    names = write(tmp_path / "names.json", {"Київ": "м. Київ"})
    odd_features = write(
        tmp_path / "odd.geojson",
        {"type": "FeatureCollection", "features": ["a string", {"properties": ["a", "list"]}, feature(31, "", SQUARE)]},
    )

    with pytest.raises(RegionImportError) as bad_names:
        regions_import(hierarchy_path=h, official_names_path=names)
    result = regions_import(hierarchy_path=h, geojson_paths=[odd_features])

    assert str(bad_names.value) == (
        f"{names}: unexpected content (ValueError: invalid literal for int() with base 10: 'Київ')"
    )
    assert result.warnings == [
        "odd.geojson feature 0: not a feature with properties; skipped",
        "odd.geojson feature 1: not a feature with properties; skipped",
    ]
    assert Region.objects.get(uid=31).geometry is not None
