"""The hours of the city's 2024 list joined to the 2022 shelters: conservative, logged, idempotent."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from shelters.models import Shelter, ShelterImport
from shelters.seed import load
from shelters.services.hours_join import address_key, shelters_join_hours
from shelters.tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db

HEADER = ["id", "district", "address", "address_old", "working_hours"]
ALWAYS = "Цілодобово"
SCHOOL = "Впродовж навчального дня доступ надається учасникам освітнього процесу"
WORK_HOURS = "Доступ надається в робочий час з 10:00 до 18:00"


def csv_bytes(*rows: tuple[str, str, str, str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def shelter(address: str, district: str = "shevchenkivskyi") -> Shelter:
    return ShelterFactory.create(source="kmda", address_uk=address, district=district, opening_hours="unknown")


def join(data: bytes) -> dict[str, int]:
    result = shelters_join_hours(data=data, origin="test.csv", source="kmda")
    return {"matched": result.matched, "updated": result.updated, "unchanged": result.unchanged,
            "cleared": result.cleared, **result.by_reason()}  # fmt: skip


def hours(item: Shelter) -> tuple[str, time | None, time | None, dict[str, object]]:
    item.refresh_from_db()
    return item.opening_hours, item.opens_at, item.closes_at, item.field_sources


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("м. Київ, вул. Антоновича, 10-Б", "вул. Антоновича, 10б"),
        ("вул. В'ячеслава Чорновола, 24", "вулиця В’ячеслава Чорновола, 24"),
        ("бульв. Вацлава Гавела, 6/7A", "бульвар Вацлава Гавела, 6 / 7А"),  # a Latin A
        ("Станція метро «Нивки»", "станція метро Нивки"),
    ],
)
def test_addresses_that_are_the_same_compare_equal(a: str, b: str) -> None:
    assert address_key(a) == address_key(b)


def test_different_houses_stay_different() -> None:
    assert address_key("вул. Антоновича, 10") != address_key("вул. Антоновича, 10б")
    assert address_key("вул. Антоновича, 10") != address_key("вул. Антоновича, 100")


def test_a_unique_match_by_address_or_old_address_gets_the_hours_and_nothing_else() -> None:
    by_address = shelter("вул. Антоновича, 10-Б", "holosiivskyi")
    by_old = shelter("вул. Іллєнка, 32/2")
    location = by_address.location.coords

    counts = join(
        csv_bytes(
            ("kmda2024-0001", "Голосіївський", "вул. Антоновича, 10б", "<Null>", WORK_HOURS),
            ("kmda2024-0002", "Шевченківський", "вул. Юрія Іллєнка, 32", "вул. Іллєнка, 32/2", ALWAYS),
        )
    )

    assert counts == {"matched": 2, "updated": 2, "unchanged": 0, "cleared": 0}
    assert hours(by_address) == (
        "schedule",
        time(10),
        time(18),
        {"opening_hours": {"source": "kmda_2024", "row": "kmda2024-0001"}},
    )
    assert hours(by_old)[0] == "always"
    # Never a location, an address or anything else from the 2024 file.
    assert (by_address.location.coords, by_address.address_uk) == (location, "вул. Антоновича, 10-Б")
    assert (by_old.address_uk, by_old.district) == ("вул. Іллєнка, 32/2", "shevchenkivskyi")


def test_anything_but_one_row_for_one_shelter_in_its_district_is_left_alone() -> None:
    other_district = shelter("вул. Хрещатик, 1", "pecherskyi")
    twins = [shelter("вул. Прорізна, 8"), shelter("вул. Прорізна, 8")]
    shared = shelter("вул. Велика Васильківська, 5")

    counts = join(
        csv_bytes(
            ("r1", "Шевченківський", "вул. Хрещатик, 1", "", ALWAYS),  # the same address, another district
            ("r2", "Шевченківський", "вул. Прорізна, 8", "", ALWAYS),  # two shelters at the address
            ("r3", "Шевченківський", "вул. Велика Васильківська, 5", "", ALWAYS),  # two rows, one shelter
            ("r4", "Шевченківський", "вул. Велика Васильківська, 5", "", SCHOOL),
            ("r5", "Шевченківський", "вул. Прорізна, 9", "", "<Null>"),  # no hours
            ("r6", "<Null>", "вул. Прорізна, 9", "", ALWAYS),  # no district
            ("r7", "Шевченківський", "<Null>", "<Null>", ALWAYS),  # no address
        )
    )

    assert counts == {
        "matched": 0, "updated": 0, "unchanged": 0, "cleared": 0,
        "ambiguous": 1, "no_address": 1, "no_district": 1, "no_hours": 1, "not_found": 1, "shared": 2,
    }  # fmt: skip
    assert {hours(s)[0] for s in (other_district, *twins, shared)} == {"unknown"}


def test_the_join_is_logged_with_counts_and_every_unmatched_row_and_reason() -> None:
    shelter("вул. Антоновича, 10-Б", "holosiivskyi")

    shelters_join_hours(
        data=csv_bytes(
            ("a1", "Голосіївський", "вул. Антоновича, 10-Б", "", ALWAYS),
            ("a2", "Голосіївський", "вул. Антоновича, 12", "", ALWAYS),
            ("a3", "Голосіївський", "вул. Антоновича, 14", "", ""),
        ),
        origin="nov2024.csv",
        source="kmda",
    )

    log = ShelterImport.objects.get(source="kmda_2024_hours")
    assert (log.origin, log.outcome, log.rows, log.updated, log.rejected) == ("nov2024.csv", "applied", 3, 1, 2)
    assert log.rejected_by_reason == {"no_hours": 1, "not_found": 1}
    assert log.report.splitlines() == [
        "a2: no shelter of the 2022 list at this address (or the old one) in the district",
        "a3: the row gives no working hours",
    ]
    assert log.message == (
        "2024 hours: 1 of 3 rows matched a shelter (1 updated, 0 unchanged, 0 no longer matched); "
        "2 unmatched: no_hours 1, not_found 1"
    )


def test_a_second_join_changes_nothing_and_a_shelter_no_longer_matched_loses_the_hours() -> None:
    item = shelter("вул. Антоновича, 10-Б", "holosiivskyi")
    data = csv_bytes(("a1", "Голосіївський", "вул. Антоновича, 10-Б", "", ALWAYS))
    join(data)
    stamp = Shelter.objects.get(pk=item.pk).updated_at

    assert join(data) == {"matched": 1, "updated": 0, "unchanged": 1, "cleared": 0}
    assert Shelter.objects.get(pk=item.pk).updated_at == stamp

    assert join(csv_bytes(("a1", "Голосіївський", "вул. Антоновича, 12", "", ALWAYS))) == {
        "matched": 0, "updated": 0, "unchanged": 0, "cleared": 1, "not_found": 1,
    }  # fmt: skip
    assert hours(item) == ("unknown", None, None, {})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00", "not UTF-8 text"),
        (b"id,district,address\n1,2,3\n", "not the city's 2024 list: no column address_old, working_hours"),
    ],
)
def test_a_file_that_is_not_the_list_changes_nothing(tmp_path: Path, data: bytes, message: str) -> None:
    item = shelter("вул. Антоновича, 10-Б", "holosiivskyi")
    path = tmp_path / "bad.csv"
    path.write_bytes(data)

    with pytest.raises(CommandError, match=message):
        call_command("join_shelter_hours", str(path))

    assert hours(item)[0] == "unknown"
    assert not ShelterImport.objects.exists()


def test_the_shelter_page_says_where_the_hours_come_from(client: Client) -> None:
    joined = shelter("вул. Антоновича, 10-Б", "holosiivskyi")
    plain = ShelterFactory.create(source="kmda", opening_hours="always")
    join(csv_bytes(("a1", "Голосіївський", "вул. Антоновича, 10-Б", "", SCHOOL)))

    assert "Hours from the city’s 2024 list" in client.get(f"/en/shelters/{joined.pk}/").content.decode()
    assert "Години роботи зі списку міста 2024 року" in client.get(f"/shelters/{joined.pk}/").content.decode()
    assert "2024" not in client.get(f"/en/shelters/{plain.pk}/").content.decode()


# --- the real files -----------------------------------------------------------------------------------------


def test_the_real_2024_list_gives_hours_to_the_shelters_it_matches_for_sure(seed_data_dir: Path) -> None:
    out = io.StringIO()
    load(data_dir=seed_data_dir, stdout=out)

    assert (
        "  shelters: 2024 hours: 838 of 4382 rows matched a shelter (838 updated, 0 unchanged, 0 no longer "
        "matched); 3544 unmatched: ambiguous 164, no_hours 320, not_found 2591, shared 469"
    ) in out.getvalue().splitlines()
    joined = Shelter.objects.filter(source="kmda", field_sources__opening_hours__source="kmda_2024")
    assert joined.count() == 838
    assert joined.filter(opening_hours="school").count() == 22
    assert joined.filter(opening_hours="schedule").count() == 5


def test_nearest_open_now_follows_the_joined_hours(seed_data_dir: Path, client: Client) -> None:
    load(data_dir=seed_data_dir, stdout=io.StringIO())
    school = Shelter.objects.filter(source="kmda", opening_hours="school").order_by("pk").first()
    assert school is not None
    lon, lat = school.location.coords
    query = f"/api/v1/shelters/nearest?lat={lat}&lon={lon}&limit=1&open_at=2026-11-23T08:00:00Z"  # Mon 10:00 Kyiv

    public = client.get(query).json()
    pupils = client.get(query + "&pupils=1").json()
    at_night = client.get(query.replace("08:00:00Z", "22:00:00Z") + "&pupils=1").json()

    ids = [[s["id"] for s in answer["results"]] for answer in (public, pupils, at_night)]
    assert ids[1] == [school.pk]  # a pupil on a school day
    assert school.pk not in ids[0] and school.pk not in ids[2]  # the public, or a pupil at midnight
    assert datetime(2026, 11, 23, 8, tzinfo=UTC).weekday() == 0
