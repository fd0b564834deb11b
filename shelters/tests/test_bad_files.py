"""Issue 11 §5: a file that is not a shelter list is refused whole, with a clear message, nothing written,
in bounded memory and time.

The big files are generated into tmp_path in 1 MB blocks. Peak memory is the max RSS of the import
process itself (`manage.py import_shelters` in a child process, read with os.wait4 for that child).
"""

from __future__ import annotations

import random
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from kyivguide.testing import FakeResponse, FakeUpstream, child_env, run_python_measured
from shelters.models import Shelter, ShelterImport
from shelters.selectors.catalogue import shelters_catalogue_version
from shelters.services import ImportFailed, shelters_import_bytes, shelters_import_file, shelters_import_from_url
from shelters.tests.factories import HEADER, city_csv, row

MB = 1024 * 1024
# The bound the memory test sets for the import process (a Django process is ~100 MB).
PEAK_RSS_LIMIT_MB = 300
GOOD_ROWS = [row(f"k-{n}", address=f"вул. Хрещатик, {n}", lat=f"50.44{n}") for n in range(1, 6)]


def table_fingerprint() -> tuple[object, ...]:
    """Count and checksum of every column of every shelter, the import log and the list's version."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(s::text, '|' ORDER BY s.id), '')) FROM shelters_shelter s"
        )
        shelters = cursor.fetchone()
    return (*shelters, ShelterImport.objects.count(), shelters_catalogue_version().version)


@pytest.fixture
def imported() -> Iterator[tuple[object, ...]]:
    """Five shelters of the city's source (kmda), imported: the data a bad file must not touch."""
    shelters_import_bytes(data=city_csv(*GOOD_ROWS), name="good.csv", source="kmda")
    assert Shelter.objects.filter(source="kmda", is_active=True).count() == 5
    yield table_fingerprint()


def write_blocks(path: Path, *, head: bytes, block: bytes, size: int, tail: bytes = b"") -> Path:
    """A file of about `size` bytes: `head`, then `block` repeated, then `tail` (fast: 1 MB writes)."""
    repeat = max(MB // len(block), 1)
    chunk = block * repeat
    with path.open("wb") as file:
        file.write(head)
        written = len(head)
        while written + len(chunk) <= size:
            file.write(chunk)
            written += len(chunk)
        file.write(tail)
    return path


def garbage_csv_rows(path: Path, *, rows: int) -> Path:
    """The city's header, then `rows` rows of junk: right number of columns, nothing usable."""
    junk = b"x-%07d,qwerty,,,,,,,,,,,,,,\n"  # 32 bytes: a million rows are 32 MB, under the size limit
    with path.open("wb") as file:
        file.write(HEADER.encode())
        for start in range(0, rows, 10_000):
            file.write(b"".join(junk % n for n in range(start, min(start + 10_000, rows))))
    return path


# --- in the test process: the message, and nothing written ----------------------------------------------


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + bytes(64)


def zipped(tmp_path: Path) -> bytes:
    archive = tmp_path / "shelters.zip"
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.writestr("shelters.csv", city_csv(*GOOD_ROWS))
    return archive.read_bytes()


def cp1251_csv() -> bytes:
    return city_csv(*GOOD_ROWS).decode().encode("cp1251")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("map.png", lambda tmp: png(), "the file is a PNG image, not a CSV or GeoJSON file"),
        (
            "shelters.csv",
            zipped,
            "the file is a ZIP archive (an .xlsx or .ods spreadsheet is one too: export the sheet as CSV UTF-8), "
            "not a CSV or GeoJSON file",
        ),
        (
            "random.csv",
            lambda tmp: random.Random(11).randbytes(4096),
            "binary data, not a CSV or GeoJSON text file (a NUL byte at line 1, byte 74)",
        ),
        (
            "random.bin",
            lambda tmp: bytes(random.Random(5).randrange(1, 256) for _ in range(4096)),
            "the file is not UTF-8 text: byte 0xA0 at line 1 (byte 0 of the file) is not UTF-8",
        ),
        (
            "wrong.csv",
            lambda tmp: b"colour,size,weight\nred,1,2\n",
            "no address or name column among colour, size, weight",
        ),
        (
            "wrong.geojson",
            lambda tmp: b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"colour":"red"}}]}',
            "no address or name property in any of the 1 features",
        ),
        (
            "cp1251.csv",
            lambda tmp: cp1251_csv(),
            f"the file is not UTF-8 text: byte 0xCF at line 2 (byte {len(HEADER) + 7} of the file) is not UTF-8; "
            "it looks like Windows-1251 (cp1251) Cyrillic text: save it as UTF-8 (e.g. iconv -f cp1251 -t utf-8) "
            "and import it again",
        ),
        (
            "utf16.csv",
            lambda tmp: city_csv(*GOOD_ROWS).decode().encode("utf-16"),
            "the file is UTF-16 text, not UTF-8: save it as UTF-8 and import it again",
        ),
        (
            "long-line.csv",
            lambda tmp: HEADER.encode() + b'"k-1","' + b"x" * 100_000 + b'"\n',
            "line 2 is 100,008 bytes long (a shelter CSV's lines are under 65,536): not a shelter CSV",
        ),
    ],
)
def test_a_file_that_is_not_a_shelter_list_is_refused_with_the_reason_and_changes_nothing(
    imported: tuple[object, ...], tmp_path: Path, name: str, make: object, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(make(tmp_path))  # type: ignore[operator]

    with pytest.raises(ImportFailed) as failed:
        shelters_import_file(path=path, source="kmda")

    assert str(failed.value) == f"{path}: {message}"
    assert table_fingerprint() == imported


@pytest.mark.django_db
def test_a_cp1251_file_through_the_command_names_the_encoding(imported: tuple[object, ...], tmp_path: Path) -> None:
    path = tmp_path / "kmda.csv"
    path.write_bytes(cp1251_csv())

    with pytest.raises(CommandError, match=r"/kmda\.csv: the file is not UTF-8 text: .* Windows-1251 \(cp1251\)"):
        call_command("import_shelters", str(path))

    assert table_fingerprint() == imported


@pytest.mark.django_db
def test_values_longer_than_their_fields_are_rejected_rows_not_a_database_error(imported: tuple[object, ...]) -> None:
    summary = shelters_import_bytes(
        data=city_csv(*GOOD_ROWS, row("k-9", address="вул. " + "Д" * 400), row("k" * 150)),
        name="long.csv",
        source="kmda",
    )

    assert [rejection.line() for rejection in summary.rejections] == [
        "row 6 (k-9): address_uk is 405 characters long (at most 300)",
        f"row 7 ({'k' * 100}): source_id is 150 characters long (at most 100)",
    ]
    assert (summary.created, summary.unchanged) == (0, 5)


@pytest.mark.django_db
def test_a_million_rows_of_garbage_stop_at_the_rejection_cap_quickly_and_write_nothing(
    imported: tuple[object, ...], tmp_path: Path
) -> None:
    path = garbage_csv_rows(tmp_path / "garbage.csv", rows=1_000_000)

    started = time.monotonic()
    with pytest.raises(ImportFailed) as failed:
        shelters_import_file(path=path, source="kmda")
    seconds = time.monotonic() - started

    assert str(failed.value) == (
        f"{path}: more than 10,000 rows rejected, so reading stopped at row 10,001 and nothing was imported: "
        "this is not a usable shelter list (no coordinates: 10001). First: row 1 (x-0000000): no coordinates; "
        "row 2 (x-0000001): no coordinates; row 3 (x-0000002): no coordinates"
    )
    assert seconds < 30
    assert table_fingerprint() == imported


@pytest.mark.django_db
@override_settings(SHELTERS_IMPORT_MAX_REJECTED=3)
def test_up_to_the_cap_every_rejected_row_is_reported_and_the_good_rows_imported(imported: tuple[object, ...]) -> None:
    bad = [row(f"b-{n}", lat="", lon="") for n in range(3)]

    summary = shelters_import_bytes(data=city_csv(*GOOD_ROWS, *bad), name="ok.csv", source="kmda")
    with pytest.raises(ImportFailed, match=r"^more.csv: more than 3 rows rejected, so reading stopped at row 9 "):
        shelters_import_bytes(data=city_csv(*GOOD_ROWS, *bad, row("b-3", lat="")), name="more.csv", source="kmda")

    assert (summary.unchanged, summary.rejected_by_reason()) == (5, {"no_coordinates": 3})


@pytest.mark.django_db
def test_a_garbage_geojson_is_stopped_at_the_rejection_cap_too(imported: tuple[object, ...]) -> None:
    feature = b'{"type":"Feature","properties":{"address":"?"},"geometry":null},'
    data = b'{"type":"FeatureCollection","features":[' + feature * 20_000 + feature[:-1] + b"]}"

    with pytest.raises(ImportFailed, match=r"^junk\.geojson: more than 10,000 rows rejected.*\(no id: 10001\)"):
        shelters_import_bytes(data=data, name="junk.geojson", source="kmda")

    assert table_fingerprint() == imported


# --- the periodic download ----------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SHELTERS_IMPORT_MAX_MB=1)
def test_a_download_over_the_size_limit_is_refused_without_reading_it_all(
    imported: tuple[object, ...], upstream: FakeUpstream
) -> None:
    sent: list[int] = []

    def endless() -> Iterator[bytes]:
        for _ in range(1000):  # 64 MB if it were all read
            sent.append(1)
            yield b" " * 65536

    upstream.set("/declared", FakeResponse(200, b"{" + b" " * (2 * MB) + b"}"))
    upstream.set("/chunked", FakeResponse(200, chunks=endless))
    declared = shelters_import_from_url(url=upstream.base_url + "declared", source="kmda")
    chunked = shelters_import_from_url(url=upstream.base_url + "chunked", source="kmda")

    message = "the download is larger than the import limit of 1 MB (SHELTERS_IMPORT_MAX_MB)"
    assert (declared.outcome, declared.message) == ("failed", message)
    assert (chunked.outcome, chunked.message) == ("failed", message)
    assert len(sent) < 500  # a few MB at most sit in the sockets' buffers
    fingerprint = table_fingerprint()
    assert fingerprint[:2] == imported[:2] and fingerprint[3] == imported[3]  # the shelters and their version
    assert list(ShelterImport.objects.order_by("started_at").values_list("outcome", flat=True)) == [
        "applied",
        "failed",
        "failed",
    ]


@pytest.mark.django_db
def test_a_downloaded_png_is_refused_with_its_type(imported: tuple[object, ...], upstream: FakeUpstream) -> None:
    upstream.set("/layer", FakeResponse(200, png(), headers={"Content-Type": "image/png"}))

    failed = shelters_import_from_url(url=upstream.base_url + "layer", source="kmda")

    assert (failed.outcome, failed.message) == (
        "failed",
        f"{upstream.base_url}layer: the file is a PNG image, not a CSV or GeoJSON file",
    )
    assert table_fingerprint()[:2] == imported[:2]


# --- in a child process: peak memory --------------------------------------------------------------------------


def run_import(path: Path, **env: str) -> tuple[int, str, float]:
    """(exit code, last line of output, peak RSS in MB) of `manage.py import_shelters PATH`, a child process."""
    returncode, output, peak_mb = run_python_measured(
        ["manage.py", "import_shelters", str(path), "-v", "0"], env=child_env(**env)
    )
    return returncode, output.strip().splitlines()[-1], peak_mb


@pytest.mark.django_db(transaction=True)
def test_big_bad_files_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    shelters_import_bytes(data=city_csv(*GOOD_ROWS), name="good.csv", source="kmda")
    before = table_fingerprint()
    hundred_mb_csv = write_blocks(
        tmp_path / "big.csv", head=HEADER.encode(), block=row("k-1").encode() + b"\n", size=100 * MB
    )
    junk = b'"x","qwerty","asdf","zz","yy","","","","","","","","","","",""\n'
    hundred_mb_garbage = write_blocks(tmp_path / "garbage.csv", head=HEADER.encode(), block=junk, size=100 * MB)
    feature = b'{"type":"Feature","properties":{"address":"?"},"geometry":null},'
    million_features = write_blocks(
        tmp_path / "junk.geojson",
        head=b'{"type":"FeatureCollection","features":[',
        block=feature,
        size=len(feature) * 1_000_000,
        tail=feature[:-1] + b"]}",
    )

    # Over the default 50 MB limit: refused before it is read.
    too_big = run_import(hundred_mb_csv)
    # With the limit raised, every byte is checked (in 1 MB chunks) and the rows are read one by one.
    garbage = run_import(hundred_mb_garbage, SHELTERS_IMPORT_MAX_MB="200")
    features = run_import(million_features, SHELTERS_IMPORT_MAX_MB="200")

    assert too_big[:2] == (
        1,
        f"CommandError: {hundred_mb_csv}: the file is 100.0 MB, larger than the import limit of 50 MB "
        "(SHELTERS_IMPORT_MAX_MB)",
    )
    assert garbage[0] == 1
    assert garbage[1].startswith(
        f"CommandError: {hundred_mb_garbage}: more than 10,000 rows rejected, so reading stopped at row 10,001 "
        "and nothing was imported"
    )
    assert features[0] == 1
    assert features[1].startswith(f"CommandError: {million_features}: more than 10,000 rows rejected")
    peaks = {"too big": too_big[2], "garbage": garbage[2], "features": features[2]}
    assert all(peak <= PEAK_RSS_LIMIT_MB for peak in peaks.values()), peaks
    assert table_fingerprint() == before
