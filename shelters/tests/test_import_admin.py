"""The admin's import page: upload → dry run (writes nothing) → apply exactly what it showed."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyivguide.testing import verified_staff_client
from shelters.models import Shelter, ShelterImport
from shelters.services import shelters_import_bytes
from shelters.tests.factories import city_csv, row

pytestmark = pytest.mark.django_db

PAGE = "/en/admin/shelters/shelterimport/upload/"


def _file() -> bytes:
    return city_csv(
        row("k-1"),
        row("k-2", lat="", lon=""),
        row("k-3", lat="49.8397", lon="24.0297"),
        row("k-4", address="м. Київ, вул. Хрещатик, 24"),
    )


def _upload(client: Client, data: bytes, **fields: str) -> str:
    response = client.post(PAGE, {"file": SimpleUploadedFile("city.csv", data), **fields})
    assert response.status_code == 200
    return str(response.content.decode())


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_dry_run_writes_nothing_and_lists_every_rejected_row(admin_client: Client) -> None:
    page = _upload(admin_client, _file(), source="kmda")

    assert Shelter.objects.count() == 0
    assert ShelterImport.objects.count() == 0
    assert "Dry run: nothing has been written" in page
    assert "created 2, updated 0, unchanged 0, deactivated 0, merged duplicates 0, rejected 2" in page
    assert "<li>row 2 (k-2): " in page and "<li>row 3 (k-3): " in page
    assert "2 rows rejected or merged" in page


def test_apply_writes_exactly_what_the_summary_said(admin_client: Client) -> None:
    page = _upload(admin_client, _file(), source="kmda")

    applied = admin_client.post(PAGE, {"token": _token(page)})

    assert (applied.status_code, applied["Location"]) == (302, "/en/admin/shelters/shelterimport/")
    assert sorted(Shelter.objects.values_list("source", "source_id")) == [("kmda", "k-1"), ("kmda", "k-4")]
    log = ShelterImport.objects.get()
    assert (log.outcome, log.created, log.rejected, log.origin) == ("applied", 2, 2, "city.csv")
    # The token is spent: a second "apply" changes nothing.
    again = admin_client.post(PAGE, {"token": _token(page)})
    assert "That upload has expired" in again.content.decode()
    assert ShelterImport.objects.count() == 1


def test_a_list_changed_since_the_review_is_not_applied_but_shown_again(admin_client: Client) -> None:
    page = _upload(admin_client, _file(), source="kmda")
    # Meanwhile another import of the same source lands.
    shelters_import_bytes(data=city_csv(row("k-1")), name="other.csv", source="kmda")

    answer = admin_client.post(PAGE, {"token": _token(page)})

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "The shelter list changed since your review, so nothing was applied" in html
    assert "created 1, updated 0, unchanged 1" in html
    assert ShelterImport.objects.count() == 1  # only the other one
    assert sorted(Shelter.objects.values_list("source_id", flat=True)) == ["k-1"]


def test_an_unreadable_file_is_said_and_nothing_happens(admin_client: Client) -> None:
    page = _upload(admin_client, b"\x00\x01 not a shelter file")

    assert 'class="errornote"' in page
    assert Shelter.objects.count() == 0 and ShelterImport.objects.count() == 0


def test_only_staff_who_may_import_see_the_page() -> None:
    clerk = User.objects.create_user("clerk", is_staff=True)
    editor = User.objects.create_user("editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="editor"))

    assert verified_staff_client(clerk).get(PAGE).status_code == 403
    assert verified_staff_client(editor).get(PAGE).status_code == 200
