from __future__ import annotations

import io
from datetime import time

import orjson
import pytest

from shelters.importing import readers
from shelters.importing.clean import CleanResult, clean_rows
from shelters.importing.fields import clean_address, clean_hours
from shelters.importing.phones import phone_numbers
from shelters.importing.readers import CITY_FORMAT, METRO_FORMAT, UnreadableFile, read_bytes
from shelters.tests.factories import city_csv, row


def clean(data: bytes, name: str = "file.csv") -> CleanResult:
    parsed = read_bytes(data, name=name)
    return clean_rows(parsed.rows, file_format=parsed.format)


def test_a_clean_row_becomes_a_record_with_both_dimensions_and_an_english_address() -> None:
    result = clean(city_csv(row(kind="Підземний паркінг з пандусом", ramp="Відсутній ")))

    assert result.rejections == []
    [record] = result.records
    assert (record.source_id, record.address_uk, record.address_en) == (
        "k-1",
        "вул. Хрещатик, 22",
        "Khreshchatyk St, 22",
    )
    assert (record.lat, record.lon) == (50.4475, 30.5236)
    assert (record.kind, record.protection, record.district) == ("underground_parking", "dual_purpose", "pecherskyi")
    # "з пандусом" in the kind says ramp, the ramp column says none: contradictory, so unknown.
    assert record.wheelchair_accessible is None
    assert (record.ownership, record.owner, record.keys_phone) == ("communal", "КП «Керуюча компанія»", "228-57-28")
    assert record.opening_hours == "unknown"


@pytest.mark.parametrize(
    ("kind", "ramp", "expected_kind", "accessible"),
    [
        ("Підвал", "В наявності", "basement", True),
        ("Підвал з пандусом", "В наявності", "basement", True),
        ("Підвал з пандусом ОЗ", "<Null>", "basement", True),
        ("Підвал ОЗ", "ВІдсутній", "basement", False),
        ("підвальне приміщення", "відсутнє", "basement", False),
        ("Цокольний поверх", "Обладнано", "semi_basement", True),
        ("Підземний \nпаркінг", "<Null>", "underground_parking", None),
        ("Підземний перехід з пандусом", "Відсутні", "underpass", None),
        ("Вхід в станцію метро", "Наявний", "metro", True),
        ("Станція метрополітену", "Відсутній\n", "metro", False),
        ("Інше", "Відсутній", "other", False),
    ],
)
def test_spelling_variants_of_kinds_and_ramps_are_understood(
    kind: str, ramp: str, expected_kind: str, accessible: bool | None
) -> None:
    [record] = clean(city_csv(row(kind=kind, ramp=ramp))).records

    assert record.kind == expected_kind
    assert record.wheelchair_accessible is accessible


@pytest.mark.parametrize(
    ("shelter_type", "protection"),
    [
        ("Найпростіші укриття", "simplest"),
        ("Найпростіші ", "simplest"),
        ("Споруди подвійного призначення", "dual_purpose"),
        ("Укриття", "shelter"),
        ("Протирадіаційне укриття", "anti_radiation"),
        ("<Null>", ""),
    ],
)
def test_protection_class_variants(shelter_type: str, protection: str) -> None:
    [record] = clean(city_csv(row(shelter_type=shelter_type))).records

    assert record.protection == protection


def test_metro_rows_are_open_around_the_clock() -> None:
    [record] = clean(city_csv(row(kind="Станція метро", address="Станція метро «Хрещатик»"))).records

    assert (record.kind, record.opening_hours) == ("metro", "always")
    assert record.address_en == "Khreshchatyk metro station"


def test_rows_that_cannot_be_used_are_rejected_with_the_row_and_the_reason() -> None:
    result = clean(
        city_csv(
            row("k-1", lat="", lon=""),
            row("k-2", lat="<Null>", lon="<Null>"),
            row("k-3", lat="fifty", lon="30.52"),
            row("k-4", lat="49.8397", lon="24.0297"),  # Lviv
            row("k-5", kind="Бомбосховище на Марсі"),
            row("k-6", shelter_type="Окоп"),
            row("", address="вул. Без Номера, 1"),
            row("k-8", address="<Null>"),
            row("k-9", lat="0", lon="0"),
            row("k-10", kind="<Null>"),
            row("k-11"),
            row("k-11", address="вул. Інша, 5"),
        )
    )

    assert [r.line() for r in result.rejections] == [
        "row 1 (k-1): no coordinates",
        "row 2 (k-2): no coordinates",
        "row 3 (k-3): unparseable coordinates lat='fifty' lon='30.52'",
        "row 4 (k-4): coordinates lat=49.8397 lon=24.0297 are outside Kyiv",
        "row 5 (k-5): unknown kind 'Бомбосховище на Марсі'",
        "row 6 (k-6): unknown shelter type 'Окоп'",
        "row 7: no id",
        "row 8 (k-8): no address",
        "row 9 (k-9): no coordinates (0, 0)",
        "row 10 (k-10): no kind",
        "row 12 (k-11): id k-11 appears again (first at row 11)",
    ]
    assert [r.reason for r in result.rejections] == [
        "no_coordinates",
        "no_coordinates",
        "bad_coordinates",
        "outside_kyiv",
        "unknown_kind",
        "unknown_type",
        "no_id",
        "no_address",
        "no_coordinates",
        "unknown_kind",
        "duplicate_id",
    ]
    assert [r.source_id for r in result.records] == ["k-11"]


def test_swapped_coordinates_are_fixed_only_when_unambiguous() -> None:
    result = clean(city_csv(row("k-1", lat="30.5236", lon="50.4475"), row("k-2", lat="30.5236", lon="24.0297")))

    [record] = result.records
    assert (record.source_id, record.lat, record.lon) == ("k-1", 50.4475, 30.5236)
    assert result.fixes == {"swapped coordinates": 1}
    assert [r.reason for r in result.rejections] == ["outside_kyiv"]


def test_coordinates_in_the_text_column_are_used_when_the_columns_are_empty() -> None:
    [record] = clean(city_csv(row(lat="", lon="", coord_text="50.44711,30.62820"))).records

    assert (record.lat, record.lon) == (50.44711, 30.6282)


def test_phones_in_the_wrong_column_are_moved_and_ownership_in_the_owner_column_too() -> None:
    result = clean(
        city_csv(
            row("k-1", phone="<Null>", ramp=" 290-90-70", address="вул. Хрещатик, 1"),
            row("k-2", phone="067 326 48 36", owner="050-111-22-33", ownership="<Null>", address="вул. Хрещатик, 2"),
            row("k-3", owner="Приватна", ownership="", address="вул. Хрещатик, 3"),
        )
    )

    first, second, third = result.records
    assert (first.keys_phone, first.wheelchair_accessible) == ("290-90-70", None)
    assert (second.keys_phone, second.owner) == ("067 326 48 36; 050-111-22-33", "")
    assert (third.owner, third.ownership) == ("", "private")
    assert result.fixes == {
        "phone moved from the ramp column": 1,
        "phone moved from the owner column": 1,
        "ownership moved from the owner column": 1,
    }


def test_duplicate_rows_of_one_building_are_merged_but_neighbours_sharing_a_point_are_not() -> None:
    result = clean(
        city_csv(
            row(
                "k-1",
                address="м.Київ, вул. Борщагівська, 195/43",
                lat="50.44128",
                lon="30.43286",
                owner="Приватна",
                ownership="",
            ),
            row("k-2", address="м.Київ, вул. Борщагівська, 195/43", lat="50.44128", lon="30.43286", phone="567-01-50"),
            # Another building of a campus geocoded to the same point: a different shelter.
            row("k-3", address="м.Київ, вул. Борщагівська, 195/45", lat="50.44128", lon="30.43286"),
            # Same address and point, another kind of place (the car park under the house).
            row(
                "k-4",
                address="м.Київ, вул. Борщагівська, 195/43",
                lat="50.44128",
                lon="30.43286",
                kind="Підземний паркінг",
            ),
        )
    )

    assert [r.source_id for r in result.records] == ["k-1", "k-3", "k-4"]
    assert [m.line() for m in result.merges] == ["row 2 (k-2): same building as k-1, merged"]
    merged = result.records[0]
    assert (merged.owner, merged.ownership) == ("КП «Керуюча компанія»", "private")
    assert merged.keys_phone == "228-57-28; 567-01-50"


def test_ukrainian_headers_of_the_citys_export_are_read() -> None:
    data = (
        "OBJECTID,Район,Адреса,Широта,Довгота,Тип укриття,Вид укриття,Власник,Форма власності,№ телефону,"
        "Наявність пристосування для осіб з інвалідністю (пандусу),Режим роботи\n"
        '17,Дарницький,"вул. Ялтинська, 20/18",50.4021,30.6450,Найпростіші укриття,Підвал,ОСББ,Приватна,'
        "0442899989,В наявності,Доступ надається в робочий час з 10:00 до 18:00\n"
    ).encode()

    [record] = clean(data).records

    assert (record.source_id, record.district, record.address_en) == ("17", "darnytskyi", "Yaltynska St, 20/18")
    assert (record.opening_hours, record.opens_at, record.closes_at) == ("schedule", time(10), time(18))
    assert record.wheelchair_accessible is True


def test_geojson_features_take_their_location_from_the_geometry() -> None:
    properties = {"id": "g-1", "address": "вул. Хрещатик, 22", "shelter_type": "Укриття", "shelter_kind": "Підвал"}
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "Point", "coordinates": [30.5236, 50.4475]},
            },
            {"type": "Feature", "properties": {**properties, "id": "g-2"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {**properties, "id": "g-3"},
                "geometry": {"type": "LineString", "coordinates": [[30.5, 50.4], [30.6, 50.5]]},
            },
            {
                "type": "Feature",
                "id": 4,
                "properties": {**properties, "id": None},
                "geometry": {"type": "Point", "coordinates": ["x", 50.4]},
            },
        ],
    }

    result = clean(orjson.dumps(document), name="layer.geojson")

    assert [(r.source_id, r.lat, r.lon) for r in result.records] == [("g-1", 50.4475, 30.5236)]
    assert [r.line() for r in result.rejections] == [
        "row 2 (g-2): no coordinates",
        "row 3 (g-3): unusable geometry: geometry is a LineString, not a Point",
        "row 4 (4): unparseable coordinates lat=50.4 lon='x'",
    ]


def test_the_metro_file_is_recognised_by_its_columns() -> None:
    data = "name_uk,lat,lon,district_by_polygon\nЛукʼянівська,50.462,30.482,Шевченківський\n".encode()

    parsed = read_bytes(data, name="kyiv_metro_stations.csv")
    [record] = clean_rows(parsed.rows, file_format=parsed.format).records

    assert (parsed.format, record.source_id, record.kind, record.opening_hours) == (
        METRO_FORMAT,
        "metro-lukianivska",
        "metro",
        "always",
    )
    assert (record.name_uk, record.name_en, record.address_uk, record.address_en) == (
        "Лук’янівська",
        "Lukianivska",
        "Станція метро «Лук’янівська»",
        "Lukianivska metro station",
    )
    assert read_bytes(city_csv(row()), name="x.csv").format == CITY_FORMAT


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "the file is empty"),
        (b"\xef\xbb\xbf \n", "blank.csv", "the file is empty"),
        (b"colour,size\nred,1\n", "x.csv", "no address or name column among colour, size"),
        (b"{not json", "x.geojson", "not valid JSON"),
        (b'{"type": "Feature"}', "x.geojson", r"not a GeoJSON FeatureCollection \(no list of 'features'\)"),
        (b'[{"type": "Feature"}]', "x.geojson", "not a GeoJSON FeatureCollection"),
        (b"id,\n\xff\n", "x.csv", r"not UTF-8 text: byte 0xFF at line 2 \(byte 4 of the file\) is not UTF-8$"),
        (b"id\x00,address", "x.csv", r"binary data, not a CSV or GeoJSON text file \(a NUL byte at line 1, byte 2\)"),
    ],
)
def test_a_file_that_is_not_a_shelter_list_is_refused_as_a_whole(data: bytes, name: str, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        read_bytes(data, name=name)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("м. Київ, вул. Антоновича, 10-Б", "вул. Антоновича, 10-Б"),
        ("м.Київ, б-р Дружби Народів, 10", "бульв. Дружби Народів, 10"),
        ("м.Київ, просп-т Мінський, 12", "просп. Мінський, 12"),
        ("м.Київ, прсп. Лобановського Валерія, 10 к.8", "просп. Лобановського Валерія, 10 к.8"),
        ("м.Київ, вул, Політехнічна, 6, к.6", "вул. Політехнічна, 6, к.6"),
        ("м.Київ, пров Квітневий, 12", "пров. Квітневий, 12"),
        ("м.Київ,  вул.Кавказька ,10", "вул. Кавказька, 10"),
        ("Станція метрополітену «Лук'янівська»", "Станція метрополітену «Лук’янівська»"),
    ],
)
def test_addresses_are_tidied(raw: str, cleaned: str) -> None:
    assert clean_address(raw) == cleaned


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Цілодобово", ("always", None, None)),
        ("Впродовж навчального дня доступ надається учасникам освітнього процесу", ("school", None, None)),
        ("Доступ надається в робочий час з 10:00 до 18:00", ("schedule", time(10), time(18))),
        ("з 22.00 до 06.00", ("schedule", time(22), time(6))),
        ("<Null>", ("unknown", None, None)),
        ("за домовленістю", ("unknown", None, None)),
    ],
)
def test_working_hours(text: str, hours: tuple[str, time | None, time | None]) -> None:
    assert clean_hours(text) == hours


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("228-57-28", ["+380442285728"]),
        ("098-932-49-53, 067 326 48 36", ["+380989324953", "+380673264836"]),
        ("ЖЕД-6 т. 452-27-29 моб. 093-633-98-94", ["+380444522729", "+380936339894"]),
        ("(044)543-77-66\n(098)537-04-97", ["+380445437766", "+380985370497"]),
        ("050-311-98-80 294-28-00", ["+380503119880", "+380442942800"]),
        ("380958677589", ["+380958677589"]),
        ("442899989", ["+380442899989"]),
        ("8 050 442-94-10", ["+380504429410"]),
        ("4255026 (вн. 163)", ["+380444255026"]),
        ("0526-11-11", []),
        ("(0800) 211 51 61", []),
        ("381000000000", []),
        ("ТОВ Рада-2", []),
    ],
)
def test_dialable_numbers_are_found_and_doubtful_ones_are_not_guessed(text: str, numbers: list[str]) -> None:
    assert phone_numbers(text) == numbers


def test_the_longest_line_is_found_across_chunks() -> None:
    lines = [b"id,address", b"a" * 10, b"b" * (readers.CHUNK_BYTES + 5), b"c" * 7]
    facts = readers.inspect_file(io.BytesIO(b"\n".join(lines) + b"\n"))

    assert (facts.lines, facts.longest_line, facts.longest_line_number) == (4, readers.CHUNK_BYTES + 5, 3)
    assert facts.size == sum(len(line) + 1 for line in lines)


def test_a_document_over_the_size_limit_is_refused() -> None:
    with pytest.raises(UnreadableFile, match=r"^the file is larger than the import limit of 1 MB \("):
        read_bytes(city_csv(row()) + b"\n" * (1024 * 1024), name="x.csv", max_bytes=1024 * 1024)
