from __future__ import annotations

import pytest
from django.test import Client

from shelters.models import Shelter, ShelterImport
from shelters.selectors.catalogue import shelters_catalogue_version
from shelters.services import shelters_import_bytes
from shelters.tests.factories import ShelterFactory, at, city_csv, row

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/shelters/shelter/"


def test_the_shelter_list_has_filters_and_search(admin_client: Client) -> None:
    ShelterFactory.create(address_uk="вул. Хрещатик, 22", address_en="Khreshchatyk St, 22")
    ShelterFactory.create(address_uk="вул. Ялтинська, 5", address_en="Yaltynska St, 5", kind="metro", source="other")

    everything = admin_client.get(CHANGELIST)
    found = admin_client.get(CHANGELIST, {"q": "Yaltynska"})
    metro = admin_client.get(CHANGELIST, {"kind__exact": "metro"})

    assert everything.status_code == 200
    html = everything.content.decode()
    for parameter in ("status__exact", "is_active__exact", "kind__exact", "district__exact", "?source=other"):
        assert parameter in html
    assert found.context["cl"].result_count == 1
    assert metro.context["cl"].result_count == 1


def test_the_shelter_form_has_a_map_widget_and_translated_addresses(admin_client: Client) -> None:
    shelter = ShelterFactory.create(location=at(50.4475, 30.5236))

    html = admin_client.get(f"{CHANGELIST}{shelter.id}/change/").content.decode()

    assert "/static/leaflet/leaflet.js" in html
    assert 'id="id_location-map"' in html
    assert 'name="address_uk"' in html and 'name="address_en"' in html


def test_staff_can_mark_shelters_verified_and_the_list_version_changes(admin_client: Client) -> None:
    shelter = ShelterFactory.create()
    before = shelters_catalogue_version()

    response = admin_client.post(CHANGELIST, {"action": "mark_closed", "_selected_action": [shelter.id]})

    assert response.status_code == 302
    shelter.refresh_from_db()
    assert shelter.status == "closed"
    assert shelter.verified_at is not None
    assert shelters_catalogue_version().version == before.version + 1


def test_the_import_log_is_read_only(admin_client: Client) -> None:
    shelters_import_bytes(data=city_csv(row("k-1"), row("k-2", lat="", lon="")), name="a.csv", source="kmda")

    listing = admin_client.get("/admin/shelters/shelterimport/")
    log_id = listing.context["cl"].result_list[0].id
    detail = admin_client.get(f"/admin/shelters/shelterimport/{log_id}/change/")

    assert listing.status_code == 200
    assert "row 2 (k-2): no coordinates" in detail.content.decode()
    assert admin_client.get("/admin/shelters/shelterimport/add/").status_code == 403
    assert Shelter.objects.count() == 1


def test_the_import_log_cannot_be_deleted(admin_client: Client) -> None:
    shelters_import_bytes(data=city_csv(row("k-1")), name="a.csv", source="kmda")
    log_id = ShelterImport.objects.get().id

    delete_page = admin_client.get(f"/admin/shelters/shelterimport/{log_id}/delete/")
    deleted = admin_client.post(f"/admin/shelters/shelterimport/{log_id}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        "/admin/shelters/shelterimport/", {"action": "delete_selected", "_selected_action": [log_id], "post": "yes"}
    )

    assert (delete_page.status_code, deleted.status_code) == (403, 403)
    assert "delete_selected" not in admin_client.get("/admin/shelters/shelterimport/").content.decode()
    assert bulk.status_code == 200  # "No action selected": the action does not exist here
    assert ShelterImport.objects.count() == 1


def test_a_shelter_deactivated_in_its_admin_form_stays_off_through_a_reimport(admin_client: Client) -> None:
    data = city_csv(row("k-1"))
    shelters_import_bytes(data=data, name="a.csv", source="kmda")
    shelter = Shelter.objects.get()
    form = admin_client.get(f"{CHANGELIST}{shelter.id}/change/").context["adminform"].form
    values = {name: value for name, value in form.initial.items() if value is not None}
    values.update(location=shelter.location.geojson, is_active="", verified_at_0="", verified_at_1="")

    saved = admin_client.post(f"{CHANGELIST}{shelter.id}/change/", values)
    shelters_import_bytes(data=data, name="a.csv", source="kmda")

    assert saved.status_code == 302
    shelter.refresh_from_db()
    assert shelter.is_active is False
