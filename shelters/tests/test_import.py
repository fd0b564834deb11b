from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shelters.models import Shelter, ShelterImport
from shelters.selectors.catalogue import shelters_catalogue_version
from shelters.services import (
    ImportFailed,
    ImportRefused,
    ImportSummary,
    shelter_set_active,
    shelters_import_bytes,
    shelters_import_file,
)
from shelters.tests.factories import ShelterFactory, at, city_csv, row

pytestmark = pytest.mark.django_db

CITY_2022_CSV = "shelters/kyiv_shelters_kmda_2022.csv"
CITY_2022_GEOJSON = "shelters/kyiv_shelters_kmda_2022.geojson"
CITY_2024_CSV = "shelters/kyiv_shelters_kmda_2024_nocoords.csv"
METRO_CSV = "shelters/kyiv_metro_stations.csv"


def import_small(*rows: str, force: bool = False, dry_run: bool = False) -> ImportSummary:
    return shelters_import_bytes(data=city_csv(*rows), name="small.csv", source="kmda", force=force, dry_run=dry_run)


# --- the real files ------------------------------------------------------------------------------------


def test_the_2022_city_file_imports_with_exact_counts(seed_data_dir: Path) -> None:
    summary = shelters_import_file(path=seed_data_dir / CITY_2022_CSV)

    # 3,694 rows (SOURCES.md); one row (kmda2022-2943) repeats kmda2022-2942: same point, address and
    # kind, so it is merged; no row lacks coordinates or lies outside Kyiv.
    assert (summary.source, summary.rows, summary.created, summary.updated, summary.unchanged) == (
        "kmda",
        3694,
        3693,
        0,
        0,
    )
    assert (summary.deactivated, summary.rejections) == (0, [])
    assert [m.line() for m in summary.merges] == ["row 2943 (kmda2022-2943): same building as kmda2022-2942, merged"]
    assert summary.fixes == {"ownership moved from the owner column": 1}
    assert Shelter.objects.filter(source="kmda", is_active=True).count() == 3693
    # SOURCES.md: Підвал 3,011 + Підвал з пандусом 79 (less the merged row), паркінг 221 + 97,
    # перехід 139 + 63, станція метро 56, інше 28.
    assert Counter(Shelter.objects.values_list("kind", flat=True)) == {
        "basement": 3089,
        "underground_parking": 318,
        "underpass": 202,
        "metro": 56,
        "other": 28,
    }
    # Найпростіші укриття 2,515, Подвійного призначення 1,179 (less the merged row).
    assert Counter(Shelter.objects.values_list("protection", flat=True)) == {"simplest": 2515, "dual_purpose": 1178}
    # 485 rows "В наявності" (the merged row had no ramp).
    assert Shelter.objects.filter(wheelchair_accessible=True).count() == 485
    assert Shelter.objects.filter(wheelchair_accessible=False).count() == 3208
    assert Shelter.objects.filter(opening_hours="always").count() == 56
    assert Shelter.objects.filter(district="").count() == 0
    log = ShelterImport.objects.get()
    assert (log.outcome, log.created, log.merged, log.rejected, log.rows) == ("applied", 3693, 1, 0, 3694)
    assert log.report == "row 2943 (kmda2022-2943): same building as kmda2022-2942, merged"

    merged = Shelter.objects.get(source_id="kmda2022-2942")
    assert (merged.address_uk, merged.address_en) == ("вул. Борщагівська, 195/43", "Borshchahivska St, 195/43")
    assert (merged.owner, merged.ownership) == ("ЖЕД № 906 «КК з ОЖФ Солом’янського району м.Києва", "private")
    assert (merged.lat, merged.lon) == (50.44128, 30.43286)


def test_a_second_run_and_the_geojson_of_the_same_data_change_nothing(seed_data_dir: Path) -> None:
    shelters_import_file(path=seed_data_dir / CITY_2022_CSV)
    before = list(Shelter.objects.order_by("id").values_list("id", "updated_at", "import_hash"))
    version = shelters_catalogue_version()

    again = shelters_import_file(path=seed_data_dir / CITY_2022_CSV)
    from_geojson = shelters_import_file(path=seed_data_dir / CITY_2022_GEOJSON)

    for summary in (again, from_geojson):
        assert (summary.created, summary.updated, summary.unchanged, summary.deactivated) == (0, 0, 3693, 0)
        assert len(summary.merges) == 1
    assert list(Shelter.objects.order_by("id").values_list("id", "updated_at", "import_hash")) == before
    assert shelters_catalogue_version() == version


def test_a_dry_run_reports_real_counts_and_writes_nothing(seed_data_dir: Path) -> None:
    summary = shelters_import_file(path=seed_data_dir / CITY_2022_CSV, dry_run=True)

    assert (summary.created, summary.unchanged, len(summary.merges)) == (3693, 0, 1)
    assert summary.summary_lines()[0].startswith("DRY RUN (nothing written): kmda from ")
    assert Shelter.objects.count() == 0
    assert ShelterImport.objects.count() == 0
    assert shelters_catalogue_version().version == 0


def test_the_2024_export_without_coordinates_is_rejected_row_by_row(seed_data_dir: Path) -> None:
    summary = shelters_import_file(path=seed_data_dir / CITY_2024_CSV)

    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (4382, 0, 0, 0)
    assert summary.rejected_by_reason() == {"no_coordinates": 4382}
    lines = summary.report_lines()
    assert len(lines) == 4382
    assert lines[0] == "row 1 (kmda2024-0001): no coordinates"
    assert lines[-1] == "row 4382 (kmda2024-4382): no coordinates"
    assert Shelter.objects.count() == 0


def test_the_2024_export_cannot_empty_the_city_list(seed_data_dir: Path) -> None:
    shelters_import_file(path=seed_data_dir / CITY_2022_CSV)

    with pytest.raises(ImportRefused) as refused:
        shelters_import_file(path=seed_data_dir / CITY_2024_CSV)

    assert refused.value.summary.message.startswith(
        "Refused: this file would deactivate 3693 of the 3693 active shelters of source 'kmda'"
    )
    assert Shelter.objects.filter(is_active=True).count() == 3693
    assert ShelterImport.objects.order_by("-started_at").values_list("outcome", flat=True).first() == "refused"


def test_metro_stations_are_shelters_open_around_the_clock(seed_data_dir: Path) -> None:
    summary = shelters_import_file(path=seed_data_dir / METRO_CSV)

    assert (summary.source, summary.created, summary.rejections) == ("osm_metro", 52, [])
    stations = Shelter.objects.filter(source="osm_metro")
    assert set(stations.values_list("kind", "opening_hours")) == {("metro", "always")}
    khreshchatyk = stations.get(name_uk="Хрещатик")
    assert (khreshchatyk.source_id, khreshchatyk.address_uk, khreshchatyk.address_en, khreshchatyk.name_en) == (
        "metro-khreshchatyk",
        "Станція метро «Хрещатик»",
        "Khreshchatyk metro station",
        "Khreshchatyk",
    )


# --- updates, deactivation, refusal ------------------------------------------------------------------------


def test_a_changed_row_is_updated_a_missing_one_deactivated_and_a_returning_one_reactivated() -> None:
    import_small(row("k-1", address="вул. А, 1"), row("k-2", address="вул. Б, 2"), row("k-3", address="вул. В, 3"))
    staff_note = Shelter.objects.get(source_id="k-1")
    staff_note.access_notes = "Вхід з двору"
    staff_note.status = "open"
    staff_note.save()

    second = import_small(row("k-1", address="вул. А, 1"), row("k-2", address="вул. Б, 2а"))

    assert (second.created, second.updated, second.unchanged, second.deactivated) == (0, 1, 1, 1)
    assert Shelter.objects.get(source_id="k-2").address_uk == "вул. Б, 2а"
    gone = Shelter.objects.get(source_id="k-3")
    assert gone.is_active is False  # deactivated, not deleted
    kept = Shelter.objects.get(source_id="k-1")
    assert (kept.access_notes, kept.status) == ("Вхід з двору", "open")  # staff fields survive

    third = import_small(
        row("k-1", address="вул. А, 1"), row("k-2", address="вул. Б, 2а"), row("k-3", address="вул. В, 3")
    )

    assert (third.created, third.updated, third.unchanged, third.deactivated) == (0, 1, 2, 0)
    assert Shelter.objects.get(source_id="k-3").is_active is True


def test_deactivating_more_than_half_is_refused_unless_forced() -> None:
    rows = [row(f"k-{n}", address=f"вул. А, {n}") for n in range(1, 6)]
    import_small(*rows)

    # Dropping 2 of 5 is fine; 3 of the remaining 3 is not.
    assert import_small(*rows[:3]).deactivated == 2
    with pytest.raises(ImportRefused) as refused:
        import_small(row("k-9", address="вул. Нова, 9"))
    assert refused.value.summary.message == (
        "Refused: this file would deactivate 3 of the 3 active shelters of source 'kmda' (more than half). "
        "Check the file; use --force if it is right."
    )
    assert Shelter.objects.filter(is_active=True).count() == 3
    assert not Shelter.objects.filter(source_id="k-9").exists()  # nothing of the refused run was written

    forced = import_small(row("k-9", address="вул. Нова, 9"), force=True)

    assert (forced.created, forced.deactivated) == (1, 3)
    assert list(Shelter.objects.filter(is_active=True).values_list("source_id", flat=True)) == ["k-9"]


def test_exactly_half_is_not_more_than_half() -> None:
    import_small(*[row(f"k-{n}", address=f"вул. А, {n}") for n in range(1, 5)])

    summary = import_small(row("k-1", address="вул. А, 1"), row("k-2", address="вул. А, 2"))

    assert summary.deactivated == 2


def test_every_change_bumps_the_catalogue_version_and_no_change_does_not() -> None:
    assert shelters_catalogue_version().version == 0
    import_small(row("k-1"))
    first = shelters_catalogue_version()
    import_small(row("k-1"))
    assert shelters_catalogue_version() == first
    import_small(row("k-1", phone="555-55-55"))
    assert shelters_catalogue_version().version == first.version + 1


def test_sources_are_independent() -> None:
    shelters_import_bytes(data=city_csv(row("k-1")), name="a.csv", source="kmda")
    summary = shelters_import_bytes(data=city_csv(row("k-1")), name="b.csv", source="other")

    assert summary.created == 1
    assert Shelter.objects.filter(source_id="k-1").count() == 2


def test_an_unreadable_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("colour,size\nred,1\n")

    with pytest.raises(ImportFailed, match=r"wrong\.csv: no address or name column among colour, size"):
        shelters_import_file(path=path)
    with pytest.raises(ImportFailed, match="cannot read"):
        shelters_import_file(path=tmp_path / "missing.csv")


# --- the command ----------------------------------------------------------------------------------------------


def test_the_command_prints_every_rejected_row_and_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "city.csv"
    path.write_bytes(city_csv(row("k-1"), row("k-2", lat="", lon=""), row("k-3", kind="Бліндаж")))
    out = io.StringIO()

    call_command("import_shelters", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "row 2 (k-2): no coordinates",
        "row 3 (k-3): unknown kind 'Бліндаж'",
        f"kmda from {path}: 3 rows",
        "created 1, updated 0, unchanged 0, deactivated 0, merged duplicates 0, rejected 2",
        "  rejected, no coordinates: 1",
        "  rejected, unknown kind: 1",
    ]


def test_the_command_dry_run_source_and_refusal(tmp_path: Path) -> None:
    path = tmp_path / "city.csv"
    path.write_bytes(city_csv(row("k-1"), row("k-2", address="вул. Інша, 2")))
    out = io.StringIO()

    call_command("import_shelters", str(path), "--source", "kmda_test", "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[0] == f"DRY RUN (nothing written): kmda_test from {path}: 2 rows"
    assert Shelter.objects.count() == 0

    call_command("import_shelters", str(path), "--source", "kmda_test", stdout=io.StringIO())
    path.write_bytes(city_csv(row("k-3", address="вул. Третя, 3")))
    with pytest.raises(CommandError, match="would deactivate 2 of the 2 active shelters of source 'kmda_test'"):
        call_command("import_shelters", str(path), "--source", "kmda_test", stdout=io.StringIO())
    call_command("import_shelters", str(path), "--source", "kmda_test", "--force", stdout=io.StringIO())
    assert list(Shelter.objects.filter(is_active=True).values_list("source_id", flat=True)) == ["k-3"]


def test_the_command_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"cannot read .*nothing\.csv"):
        call_command("import_shelters", str(tmp_path / "nothing.csv"), stdout=io.StringIO())


def test_the_command_logs_applied_and_refused_runs_not_dry_runs_or_files_it_cannot_read(tmp_path: Path) -> None:
    # As the README says of `import_shelters`.
    path = tmp_path / "city.csv"
    path.write_bytes(city_csv(row("k-1"), row("k-2", address="вул. Інша, 2")))
    broken = tmp_path / "broken.csv"
    broken.write_text("colour,size\nred,1\n")

    call_command("import_shelters", str(path), "--dry-run", stdout=io.StringIO())
    call_command("import_shelters", str(path), stdout=io.StringIO())
    path.write_bytes(city_csv(row("k-3", address="вул. Третя, 3")))
    with pytest.raises(CommandError, match="would deactivate"):
        call_command("import_shelters", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"broken\.csv: no address or name column among colour, size"):
        call_command("import_shelters", str(broken), stdout=io.StringIO())
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_shelters", str(tmp_path / "missing.csv"), stdout=io.StringIO())

    assert list(ShelterImport.objects.order_by("started_at").values_list("outcome", "origin")) == [
        ("applied", str(path)),
        ("refused", str(path)),
    ]


def test_the_progress_bar_is_drawn_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from shelters.management.commands.import_shelters import Command

    Command()._progress("writing", 15, 30)

    assert capsys.readouterr().out == "\rwriting  [###############...............] 15/30"


def test_an_import_is_logged_with_its_report() -> None:
    import_small(row("k-1"), row("k-2", lat="", lon=""))

    log = ShelterImport.objects.get()
    assert (log.source, log.origin, log.outcome, log.rows, log.created, log.rejected) == (
        "kmda",
        "small.csv",
        "applied",
        2,
        1,
        1,
    )
    assert log.rejected_by_reason == {"no_coordinates": 1}
    assert log.report == "row 2 (k-2): no coordinates"
    assert log.started_at <= log.finished_at <= timezone.now()


def test_a_file_broken_in_the_middle_changes_nothing() -> None:
    # The bytes are checked before any row is read: the message names the byte, its line and offset.
    good = city_csv(*[row(f"k-{n}", address=f"вул. Інша, {n}") for n in range(100)])
    broken = good + b'"k-x","\xff\xfe broken"\n'

    with pytest.raises(ImportFailed) as failed:
        shelters_import_bytes(data=broken, name="broken.csv", source="kmda")
    assert str(failed.value) == (
        f"broken.csv: the file is not UTF-8 text: byte 0xFF at line 102 (byte {len(good) + 7:,} of the file) "
        "is not UTF-8"
    )
    assert Shelter.objects.count() == 0
    assert ShelterImport.objects.count() == 0


@pytest.mark.django_db
def test_a_station_the_city_lists_already_is_merged_not_added(tmp_path: Path) -> None:
    ShelterFactory.create(
        source="kmda", source_id="kmda2022-2262", kind="metro", address_uk="Станція метрополітену «Хрещатик»",
        location=at(50.4476, 30.5215),
    )  # fmt: skip
    stations = tmp_path / "metro.csv"
    stations.write_text(
        "name_uk,lat,lon,district_by_polygon\n"
        "Хрещатик,50.447,30.5262,Шевченківський\n"  # the same station, 370 m from the city's point
        "Лісова,50.4647,30.6455,Деснянський\n",
        encoding="utf-8",
    )

    summary = shelters_import_file(path=stations, source="osm_metro")

    assert (summary.created, len(summary.merges)) == (1, 1)
    assert summary.merges[0].line() == "row 1 (metro-khreshchatyk): already listed as kmda kmda2022-2262, merged"
    assert list(Shelter.objects.filter(source="osm_metro").values_list("name_uk", flat=True)) == ["Лісова"]


def test_a_shelter_staff_deactivated_stays_off_the_map_through_reimports_until_staff_reactivate_it() -> None:
    rows = [row("k-1", address="вул. А, 1"), row("k-2", address="вул. Б, 2")]
    import_small(*rows)
    closed_for_good = Shelter.objects.get(source_id="k-1")
    assert shelter_set_active(shelter_ids=[closed_for_good.id], active=False) == 1

    same_file = import_small(*rows)
    changed_at_source = import_small(row("k-1", address="вул. А, 1а"), rows[1])

    assert (same_file.updated, same_file.unchanged, same_file.deactivated) == (0, 2, 0)
    # The city's new address is taken, the staff decision is kept.
    assert (changed_at_source.updated, changed_at_source.unchanged) == (1, 1)
    closed_for_good.refresh_from_db()
    assert (closed_for_good.address_uk, closed_for_good.is_active) == ("вул. А, 1а", False)

    assert shelter_set_active(shelter_ids=[closed_for_good.id], active=True) == 1
    import_small(row("k-1", address="вул. А, 1а"), rows[1])
    closed_for_good.refresh_from_db()
    assert closed_for_good.is_active is True


def test_a_shelter_the_import_deactivated_comes_back_with_its_row_but_one_staff_deactivated_does_not() -> None:
    rows = [row(f"k-{n}", address=f"вул. А, {n}") for n in range(1, 5)]
    import_small(*rows)
    import_small(*rows[:3])  # k-4 gone from the source: deactivated by the import
    shelter_set_active(shelter_ids=[Shelter.objects.get(source_id="k-3").id], active=False)

    back = import_small(*rows)

    assert (back.updated, back.unchanged) == (1, 3)
    assert dict(Shelter.objects.values_list("source_id", "is_active")) == {
        "k-1": True,
        "k-2": True,
        "k-3": False,
        "k-4": True,
    }
