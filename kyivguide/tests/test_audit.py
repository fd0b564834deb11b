"""The staff audit log: who, when, what, before and after, for each staff action; read-only; kept
whatever becomes of the record. And the roles the migration creates."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from kyivguide.models import StaffAction
from kyivguide.testing import verified_staff_client
from shelters.models import Shelter, ShelterReport
from shelters.tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db


def _entries() -> list[tuple[str, str, str, str, dict[str, Any], dict[str, Any]]]:
    return [
        (entry.actor_name, entry.action, entry.model, entry.object_id, entry.before, entry.after)
        for entry in StaffAction.objects.order_by("id")
    ]


def test_a_list_action_logs_each_record_it_changed_with_before_and_after(admin_client: Client) -> None:
    shelter, untouched = ShelterFactory.create(status="unverified"), ShelterFactory.create(status="open")

    admin_client.post("/admin/shelters/shelter/", {"action": "deactivate", "_selected_action": [shelter.id]})

    [(actor, action, model, object_id, before, after)] = _entries()
    assert (actor, action, model, object_id) == ("admin", "deactivate", "shelter", str(shelter.id))
    # A staff deactivation is also marked as staff's, so that a re-import keeps it off the map.
    assert before == {"is_active": True, "deactivated_by_staff": False, "updated_at": before["updated_at"]}
    assert after == {"is_active": False, "deactivated_by_staff": True, "updated_at": after["updated_at"]}
    assert untouched.id != shelter.id


def test_an_edit_in_the_form_logs_only_the_fields_that_changed(admin_client: Client) -> None:
    shelter = ShelterFactory.create(capacity=None, access_notes="")
    form = admin_client.get(f"/admin/shelters/shelter/{shelter.id}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "location": shelter.location.geojson,
            "capacity": "120",
            "access_notes": "Ключі у двірника",
            "opens_at": "",
            "closes_at": "",
            "verified_at_0": "",
            "verified_at_1": "",
        }
    )

    response = admin_client.post(f"/admin/shelters/shelter/{shelter.id}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    [(actor, action, model, object_id, before, after)] = _entries()
    assert (actor, action, model, object_id) == ("admin", "change", "shelter", str(shelter.id))
    assert (before["capacity"], after["capacity"]) == (None, 120)
    assert (before["access_notes"], after["access_notes"]) == ("", "Ключі у двірника")
    # Unchanged fields stay out of the entry.
    assert set(after) & {"address_uk", "location", "kind", "source_id"} == set()
    assert set(before) == set(after)


def test_a_moderated_report_is_logged_and_the_log_outlives_a_deactivated_shelter(admin_client: Client) -> None:
    shelter = ShelterFactory.create()
    Client().post(f"/api/v1/shelters/{shelter.id}/reports", {"kind": "closed"}, content_type="application/json")
    report = ShelterReport.objects.get()

    admin_client.post("/admin/shelters/shelterreport/", {"action": "reject", "_selected_action": [report.id]})
    admin_client.post("/admin/shelters/shelter/", {"action": "deactivate", "_selected_action": [shelter.id]})

    entries = _entries()
    assert [(action, model) for _, action, model, _, _, _ in entries] == [
        ("reject", "shelterreport"),
        ("deactivate", "shelter"),
    ]
    assert entries[0][4]["status"] == "pending" and entries[0][5]["status"] == "rejected"
    assert Shelter.objects.get(pk=shelter.pk).is_active is False
    assert StaffAction.objects.filter(model="shelter", object_id=str(shelter.id)).count() == 1


def test_a_post_to_any_other_admin_page_is_logged_as_that_page(admin_client: Client) -> None:
    admin_client.post("/admin/recovery-codes/")

    [(actor, action, model, object_id, before, after)] = _entries()
    assert (actor, action, model, object_id, before, after) == ("admin", "post recovery_codes", "", "", {}, {})


def test_secrets_never_reach_the_log(admin_client: Client, admin_user: User) -> None:
    other = User.objects.create_user("clerk", password="pw-for-test-9", is_staff=True)
    form = admin_client.get(f"/admin/auth/user/{other.id}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {
            "first_name": "Olena",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "groups": [],
            "user_permissions": [],
        }
    )
    data.pop("last_login", None)

    admin_client.post(f"/admin/auth/user/{other.id}/change/", data)

    entry = StaffAction.objects.get()
    assert entry.after.get("first_name") == "Olena"
    assert "pbkdf2" not in str(entry.before) + str(entry.after)


def test_the_log_is_read_only_in_the_admin(admin_client: Client) -> None:
    shelter = ShelterFactory.create()
    admin_client.post("/admin/shelters/shelter/", {"action": "deactivate", "_selected_action": [shelter.id]})
    entry = StaffAction.objects.get()

    listing = admin_client.get("/admin/kyivguide/staffaction/")
    detail = admin_client.get(f"/admin/kyivguide/staffaction/{entry.id}/change/")
    changed = admin_client.post(f"/admin/kyivguide/staffaction/{entry.id}/change/", {"action": "forged"})
    deleted = admin_client.post(f"/admin/kyivguide/staffaction/{entry.id}/delete/", {"post": "yes"})

    assert (listing.status_code, listing.context["cl"].result_count) == (200, 1)
    assert detail.status_code == 200 and 'name="action"' not in detail.content.decode()
    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert StaffAction.objects.get().action == "deactivate"


def test_the_roles_are_groups_with_their_permissions() -> None:
    def codenames(name: str) -> set[str]:
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    assert set(Group.objects.values_list("name", flat=True)) >= {"editor", "publisher", "approver", "operator", "admin"}
    assert {"change_shelter", "change_shelterreport"} <= codenames("editor")
    assert "publish_advisory" not in codenames("editor")
    assert "publish_advisory" in codenames("publisher") and "approve_advisory" not in codenames("publisher")
    assert "approve_advisory" in codenames("approver") and "publish_advisory" not in codenames("approver")
    assert {"change_feedsource", "change_periodictask"} <= codenames("operator")
    assert {"publish_advisory", "approve_advisory", "view_staffaction", "change_shelter"} <= codenames("admin")


def test_an_editor_moderates_reports_but_cannot_open_advisories() -> None:
    editor = User.objects.create_user("editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="editor"))
    client = verified_staff_client(editor)

    assert client.get("/admin/shelters/shelterreport/").status_code == 200
    assert client.get("/admin/shelters/shelter/").status_code == 200
    assert client.get("/admin/alerts/advisory/").status_code == 403
