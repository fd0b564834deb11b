from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from alerts.models import Advisory, Region
from alerts.tests.advisory_factories import EDITOR_PERMS, AdvisoryFactory, UserFactory
from kyivguide.testing import verified_staff_client

pytestmark = pytest.mark.django_db

ADMIN = "/en/admin/alerts/advisory"


def _client(user: User) -> Client:
    client: Client = verified_staff_client(user)
    return client


def _form(advisory: Advisory | None = None, **overrides: Any) -> dict[str, Any]:
    events = advisory.events.count() if advisory else 0
    data: dict[str, Any] = {
        "title_uk": "Метро відчинене вночі",
        "title_en": "Metro open at night",
        "body_uk": "Станції метро працюють як укриття.",
        "body_en": "Metro stations are open as shelters.",
        "severity": "warning",
        "response": "prepare",
        "regions": ["31", "14"],
        "effective_at_0": "",
        "effective_at_1": "",
        "expires_at_0": "",
        "expires_at_1": "",
        "source_name": "КМДА",
        "source_url": "https://kyivcity.gov.ua/",
        "events-TOTAL_FORMS": str(events),
        "events-INITIAL_FORMS": str(events),
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_staff_draft_an_advisory_in_the_admin_and_it_is_recorded(regions: dict[int, Region]) -> None:
    editor = UserFactory.create(username="editor", perms=EDITOR_PERMS)

    response = _client(editor).post(f"{ADMIN}/add/", _form())

    assert response.status_code == 302, response.content.decode()[:2000]
    advisory = Advisory.objects.get(title_en="Metro open at night")
    assert (advisory.status, advisory.created_by) == ("draft", editor)
    assert sorted(advisory.regions.values_list("pk", flat=True)) == [14, 31]
    [event] = advisory.events.all()
    assert (event.action, event.actor, event.changes["regions"]) == ("created", editor, [None, [14, 31]])


def test_editing_a_draft_records_what_changed(regions: dict[int, Region]) -> None:
    draft = AdvisoryFactory.create(title_en="Before", title_uk="До")
    draft.regions.set([regions[31]])
    client = _client(draft.created_by)

    response = client.post(f"{ADMIN}/{draft.pk}/change/", _form(draft, title_en="After", title_uk="До"))

    assert response.status_code == 302, response.content.decode()[:2000]
    edit = draft.events.get(action="edited")
    assert edit.actor == draft.created_by
    assert edit.changes["title_en"] == ["Before", "After"]
    assert edit.changes["regions"] == [[31], [14, 31]]


def test_the_region_search_finds_regions_by_name_or_id(regions: dict[int, Region], admin_client: Client) -> None:
    by_name = admin_client.get(f"{ADMIN}/regions-search/?term=Буч").json()
    by_id = admin_client.get(f"{ADMIN}/regions-search/?term=31").json()
    first_page = admin_client.get(f"{ADMIN}/regions-search/").json()

    assert by_name == {
        "results": [{"id": "75", "text": "Бучанський район (75) — raion, Київська область"}],
        "pagination": {"more": False},
    }
    assert [item["id"] for item in by_id["results"]] == ["31"]
    # Oblasts and cities come before raions.
    assert [item["id"] for item in first_page["results"]] == ["14", "27", "31", "75"]
    assert Client().get(f"{ADMIN}/regions-search/?term=Буч").status_code == 302  # to the login page


def test_the_change_form_uses_the_searchable_region_widget(admin_client: Client, regions: dict[int, Region]) -> None:
    html = admin_client.get(f"{ADMIN}/add/").content.decode()

    assert 'class="admin-autocomplete' in html
    assert f'data-ajax--url="{ADMIN}/regions-search/"' in html


def test_only_a_publisher_sees_and_can_use_the_publish_button(publisher: User) -> None:
    draft = AdvisoryFactory.create()
    editor = _client(draft.created_by)

    assert "/publish/" not in editor.get(f"{ADMIN}/{draft.pk}/change/").content.decode()
    refused = editor.post(f"{ADMIN}/{draft.pk}/publish/", follow=True)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert _messages(refused) == ["You may not publish advisories."]

    publisher_client = _client(publisher)
    assert f"{ADMIN}/{draft.pk}/publish/" in publisher_client.get(f"{ADMIN}/{draft.pk}/change/").content.decode()
    done = publisher_client.post(f"{ADMIN}/{draft.pk}/publish/", follow=True)
    draft.refresh_from_db()
    assert draft.status == "published"
    assert _messages(done) == ["Published."]


def test_extreme_needs_a_second_person_in_the_admin(publisher: User, approver: User) -> None:
    draft = AdvisoryFactory.create(severity="extreme", created_by=publisher)
    client = _client(publisher)

    page = client.get(f"{ADMIN}/{draft.pk}/change/").content.decode()
    assert "needs a second person's approval before it can be published" in page
    refused = client.post(f"{ADMIN}/{draft.pk}/publish/", follow=True)
    assert _messages(refused) == ["An extreme advisory needs the approval of a second person before it is published."]

    _client(approver).post(f"{ADMIN}/{draft.pk}/approve/")
    client.post(f"{ADMIN}/{draft.pk}/publish/")

    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.published_by) == ("published", approver, publisher)


def test_a_published_advisory_is_read_only_with_its_audit_trail_and_workflow_buttons(
    published: Callable[..., Advisory], publisher: User
) -> None:
    advisory = published(title_en="Out there")
    client = _client(publisher)

    html = client.get(f"{ADMIN}/{advisory.pk}/change/").content.decode()
    attempt = client.post(f"{ADMIN}/{advisory.pk}/change/", _form(advisory, title_en="Silently changed"))

    assert 'name="_save"' not in html
    assert "Audit trail" in html
    assert "published" in html and "&#x27;msgType&#x27;: &#x27;Alert&#x27;" in html
    assert f"{ADMIN}/{advisory.pk}/withdraw/" in html
    assert f"{ADMIN}/{advisory.pk}/update/" in html
    assert attempt.status_code == 403
    advisory.refresh_from_db()
    assert str(advisory.title) != "Silently changed"
    # Never deleted: withdrawn.
    assert client.post(f"{ADMIN}/{advisory.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Advisory.objects.filter(pk=advisory.pk).exists()


def test_withdrawing_from_the_admin_asks_for_a_reason(published: Callable[..., Advisory], publisher: User) -> None:
    advisory = published()
    client = _client(publisher)

    confirm = client.get(f"{ADMIN}/{advisory.pk}/withdraw/")
    response = client.post(f"{ADMIN}/{advisory.pk}/withdraw/", {"reason": "Issued in error."})

    assert confirm.status_code == 200
    assert 'name="reason"' in confirm.content.decode()
    assert response.status_code == 302
    advisory.refresh_from_db()
    assert (advisory.status, advisory.withdrawal_reason, advisory.withdrawn_by) == (
        "withdrawn",
        "Issued in error.",
        publisher,
    )


def test_preparing_an_update_opens_the_new_draft(published: Callable[..., Advisory], publisher: User) -> None:
    advisory = published()

    response = _client(publisher).post(f"{ADMIN}/{advisory.pk}/update/")

    draft = Advisory.objects.get(supersedes=advisory)
    assert draft.status == "draft"
    assert response["Location"] == f"{ADMIN}/{draft.pk}/change/"


def test_list_actions_are_offered_by_permission(publisher: User, approver: User) -> None:
    AdvisoryFactory.create()
    editor = UserFactory.create(perms=EDITOR_PERMS)

    def actions(user: User) -> list[str]:
        html = _client(user).get(f"{ADMIN}/").content.decode()
        return [
            name
            for name in ("approve_selected", "publish_selected", "withdraw_selected", "delete_selected")
            if f'value="{name}"' in html
        ]

    assert actions(editor) == []
    assert actions(publisher) == ["publish_selected", "withdraw_selected"]
    assert actions(approver) == ["approve_selected"]


def test_the_publish_list_action_goes_through_the_same_checks(publisher: User) -> None:
    ordinary = AdvisoryFactory.create()
    extreme = AdvisoryFactory.create(severity="extreme")

    response = _client(publisher).post(
        f"{ADMIN}/", {"action": "publish_selected", "_selected_action": [ordinary.pk, extreme.pk]}, follow=True
    )

    ordinary.refresh_from_db()
    extreme.refresh_from_db()
    assert (ordinary.status, extreme.status) == ("published", "draft")
    assert _messages(response) == [
        "Published: 1",
        f"#{extreme.pk}: An extreme advisory needs the approval of a second person before it is published.",
    ]
