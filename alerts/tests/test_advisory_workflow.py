from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation

from alerts.models import Advisory, AdvisoryEvent, Region
from alerts.selectors.status import status_snapshot_read
from alerts.services.advisories import (
    AdvisoryPermissionError,
    AdvisoryWorkflowError,
    advisory_approve,
    advisory_draft_create,
    advisory_draft_edit,
    advisory_publish,
    advisory_update_prepare,
    advisory_withdraw,
)
from alerts.services.status import status_publish_enqueue, status_snapshot_publish
from alerts.tests.advisory_factories import (
    EDITOR_PERMS,
    PUBLISHER_PERMS,
    AdvisoryFactory,
    UserFactory,
    hours,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Workflow refusals are shown to staff in their admin language; these tests read the English ones.
    with translation.override("en"):
        yield


def _events(advisory: Advisory) -> list[tuple[str, str | None]]:
    return [(event.action, event.actor.username if event.actor else None) for event in advisory.events.all()]


def _public_outputs(client: Client, advisory_id: int) -> dict[str, Any]:
    status_snapshot_publish()
    return {
        "page_uk": client.get(f"/advisories/{advisory_id}/").status_code,
        "page_en": client.get(f"/en/advisories/{advisory_id}/").status_code,
        "api": client.get(f"/api/v1/advisories/{advisory_id}").status_code,
        "cap": client.get(f"/api/v1/advisories/{advisory_id}/cap").status_code,
        "listed_api": [item["id"] for item in client.get("/api/v1/advisories").json()["results"]],
        "listed_page": f"/advisories/{advisory_id}/" in client.get("/advisories/").content.decode(),
        "feed": f"/advisories/{advisory_id}/" in client.get("/feeds/advisories.atom").content.decode(),
        "home": f"/advisories/{advisory_id}/" in client.get("/").content.decode(),
        "snapshot": [item["id"] for item in status_snapshot_read().document()["advisories"]],
    }


def test_a_draft_is_recorded_and_invisible_to_the_public_everywhere(client: Client) -> None:
    author = UserFactory.create(username="author", perms=EDITOR_PERMS)

    draft = advisory_draft_create(
        by=author,
        title_uk="Чернетка",
        title_en="Draft",
        body_uk="Текст",
        body_en="Text",
        severity=Advisory.Severity.DANGER,
        source_name="КМДА",
    )

    assert draft.status == Advisory.Status.DRAFT
    assert _events(draft) == [("created", "author")]
    assert draft.events.get().changes["title_en"] == [None, "Draft"]
    assert _public_outputs(client, draft.pk) == {
        "page_uk": 404,
        "page_en": 404,
        "api": 404,
        "cap": 404,
        "listed_api": [],
        "listed_page": False,
        "feed": False,
        "home": False,
        "snapshot": [],
    }


def test_publishing_puts_it_everywhere_and_queues_a_snapshot_rebuild(
    client: Client, publisher: User, django_capture_on_commit_callbacks: Any
) -> None:
    draft = AdvisoryFactory.create(severity=Advisory.Severity.DANGER)

    with django_capture_on_commit_callbacks() as callbacks:
        advisory = advisory_publish(advisory_id=draft.pk, by=publisher)

    assert callbacks == [status_publish_enqueue]
    assert advisory.status == Advisory.Status.PUBLISHED
    assert advisory.published_by == publisher
    assert advisory.effective_at == advisory.published_at
    publication = advisory.events.get(action="published")
    assert publication.actor == publisher
    assert publication.changes == {
        "status": ["draft", "published"],
        "cap": {"msgType": "Alert", "identifier": f"kyivguide-advisory-{advisory.pk}"},
    }
    assert _public_outputs(client, advisory.pk) == {
        "page_uk": 200,
        "page_en": 200,
        "api": 200,
        "cap": 200,
        "listed_api": [advisory.pk],
        "listed_page": True,
        "feed": True,
        "home": True,
        "snapshot": [advisory.pk],
    }


def test_publishing_needs_the_publish_permission() -> None:
    editor = UserFactory.create(perms=EDITOR_PERMS)
    draft = AdvisoryFactory.create(created_by=editor)

    with pytest.raises(AdvisoryPermissionError, match="You may not publish advisories"):
        advisory_publish(advisory_id=draft.pk, by=editor)

    draft.refresh_from_db()
    assert draft.status == Advisory.Status.DRAFT
    assert draft.events.count() == 0


def test_an_extreme_advisory_needs_a_second_persons_approval(publisher: User, approver: User) -> None:
    draft = AdvisoryFactory.create(severity=Advisory.Severity.EXTREME, created_by=publisher)

    with pytest.raises(AdvisoryWorkflowError, match="approval of a second person"):
        advisory_publish(advisory_id=draft.pk, by=publisher)
    advisory_approve(advisory_id=draft.pk, by=approver)
    advisory = advisory_publish(advisory_id=draft.pk, by=publisher)

    assert advisory.status == Advisory.Status.PUBLISHED
    assert advisory.approved_by == approver
    assert [action for action, _ in _events(advisory)] == ["approved", "published"]


def test_the_drafter_cannot_be_the_second_person() -> None:
    drafter = UserFactory.create(username="drafter", perms=[*PUBLISHER_PERMS, "approve_advisory"])
    draft = advisory_draft_create(
        by=drafter,
        title_uk="Т",
        title_en="T",
        body_uk="Т",
        body_en="T",
        severity=Advisory.Severity.EXTREME,
        source_name="Посольство",
    )

    with pytest.raises(AdvisoryWorkflowError, match="a second person must approve it"):
        advisory_approve(advisory_id=draft.pk, by=drafter)
    with pytest.raises(AdvisoryWorkflowError, match="approval of a second person"):
        advisory_publish(advisory_id=draft.pk, by=drafter)

    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (Advisory.Status.DRAFT, None)
    assert _events(draft) == [("created", "drafter")]


def test_someone_who_edited_the_draft_cannot_approve_it(approver: User, publisher: User) -> None:
    approver.user_permissions.add(*publisher.user_permissions.all())
    draft = AdvisoryFactory.create(severity=Advisory.Severity.EXTREME)
    advisory_draft_edit(advisory_id=draft.pk, by=approver, body_en="Shelter in place on 20 December.")

    with pytest.raises(AdvisoryWorkflowError, match="a second person must approve it"):
        advisory_approve(advisory_id=draft.pk, by=approver)


def test_an_edit_after_approval_voids_it(approver: User, publisher: User) -> None:
    draft = AdvisoryFactory.create(severity=Advisory.Severity.EXTREME)
    advisory_approve(advisory_id=draft.pk, by=approver)

    edited = advisory_draft_edit(advisory_id=draft.pk, by=draft.created_by, title_en="Changed after approval")

    assert edited.approved_by is None
    edit = edited.events.get(action="edited")
    assert edit.changes["title_en"][1] == "Changed after approval"
    assert edit.changes["approved_by"] == [approver.pk, None]
    with pytest.raises(AdvisoryWorkflowError, match="approval of a second person"):
        advisory_publish(advisory_id=draft.pk, by=publisher)


def test_the_database_refuses_an_extreme_advisory_out_without_a_second_person(publisher: User) -> None:
    draft = AdvisoryFactory.create(severity=Advisory.Severity.EXTREME, created_by=publisher)

    with pytest.raises(IntegrityError), transaction.atomic():
        Advisory.objects.filter(pk=draft.pk).update(
            status=Advisory.Status.PUBLISHED,
            published_by=publisher,
            published_at=timezone.now(),
            effective_at=timezone.now(),
            approved_by=publisher,
        )


def test_a_published_advisory_is_not_edited_in_place(published: Callable[..., Advisory]) -> None:
    advisory = published()

    with pytest.raises(AdvisoryWorkflowError, match="prepare an update"):
        advisory_draft_edit(advisory_id=advisory.pk, by=advisory.created_by, title_en="Silent change")

    assert not Advisory.objects.filter(title_en="Silent change").exists()


def test_an_update_replaces_the_published_version_and_records_what_changed(
    published: Callable[..., Advisory], publisher: User, regions: dict[int, Region], client: Client
) -> None:
    original = published(regions=[regions[31]], title_en="Metro open")
    draft = advisory_update_prepare(advisory_id=original.pk, by=publisher)
    advisory_draft_edit(advisory_id=draft.pk, by=publisher, title_en="Metro open all night", regions=[31, 14])

    update = advisory_publish(advisory_id=draft.pk, by=publisher)

    original.refresh_from_db()
    assert original.status == Advisory.Status.SUPERSEDED
    assert update.supersedes == original
    assert [action for action, _ in _events(original)] == ["published", "superseded"]
    changes = update.events.get(action="published").changes
    assert changes["title_en"] == ["Metro open", "Metro open all night"]
    assert changes["regions"] == [[31], [14, 31]]
    assert changes["cap"] == {"msgType": "Update", "identifier": f"kyivguide-advisory-{update.pk}"}
    # The old link leads to the current version; only the current one is listed.
    response = client.get(f"/en/advisories/{original.pk}/")
    assert (response.status_code, response["Location"]) == (302, f"/en/advisories/{update.pk}/")
    assert [item["id"] for item in client.get("/api/v1/advisories").json()["results"]] == [update.pk]


def test_only_one_update_of_a_version_can_go_out(published: Callable[..., Advisory], publisher: User) -> None:
    original = published()
    first = advisory_update_prepare(advisory_id=original.pk, by=publisher)
    second = advisory_update_prepare(advisory_id=original.pk, by=publisher)
    advisory_publish(advisory_id=first.pk, by=publisher)

    with pytest.raises(AdvisoryWorkflowError, match="no longer published"):
        advisory_publish(advisory_id=second.pk, by=publisher)

    second.refresh_from_db()
    assert second.status == Advisory.Status.DRAFT


def test_withdrawing_keeps_the_record_and_queues_a_rebuild(
    published: Callable[..., Advisory], publisher: User, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    advisory = published()

    with django_capture_on_commit_callbacks() as callbacks:
        withdrawn = advisory_withdraw(advisory_id=advisory.pk, by=publisher, reason="  The threat has passed.  ")

    assert callbacks == [status_publish_enqueue]
    assert Advisory.objects.filter(pk=advisory.pk).exists()
    assert (withdrawn.status, withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (
        Advisory.Status.WITHDRAWN,
        publisher,
        "The threat has passed.",
    )
    event = withdrawn.events.get(action="withdrawn")
    assert event.note == "The threat has passed."
    assert event.changes["cap"] == {"msgType": "Cancel", "identifier": f"kyivguide-advisory-{advisory.pk}-cancel"}
    outputs = _public_outputs(client, advisory.pk)
    # Still readable (people who saw it learn it no longer applies), no longer current anywhere.
    assert (outputs["page_en"], outputs["api"], outputs["cap"]) == (200, 200, 200)
    assert (outputs["home"], outputs["snapshot"]) == (False, [])
    assert "This advisory was withdrawn on" in client.get(f"/en/advisories/{advisory.pk}/").content.decode()


def test_withdrawing_needs_the_permission_and_a_published_advisory(
    published: Callable[..., Advisory], publisher: User
) -> None:
    advisory = published()
    editor = UserFactory.create(perms=EDITOR_PERMS)
    draft = AdvisoryFactory.create()

    with pytest.raises(AdvisoryPermissionError):
        advisory_withdraw(advisory_id=advisory.pk, by=editor)
    with pytest.raises(AdvisoryWorkflowError, match="Only a published advisory"):
        advisory_withdraw(advisory_id=draft.pk, by=publisher)

    advisory.refresh_from_db()
    assert advisory.status == Advisory.Status.PUBLISHED


def test_publishing_refuses_an_advisory_that_has_already_expired(publisher: User) -> None:
    draft = AdvisoryFactory.create(effective_at=timezone.now() - hours(3), expires_at=timezone.now() - hours(1))

    with pytest.raises(AdvisoryWorkflowError, match="already expired"):
        advisory_publish(advisory_id=draft.pk, by=publisher)


def test_publishing_needs_both_languages(publisher: User) -> None:
    draft = AdvisoryFactory.create(title_en="", body_en="")

    with pytest.raises(AdvisoryWorkflowError, match="missing: title_en, body_en"):
        advisory_publish(advisory_id=draft.pk, by=publisher)


def test_every_transition_is_recorded_with_who_and_when(publisher: User, approver: User) -> None:
    author = UserFactory.create(username="author", perms=EDITOR_PERMS)
    draft = advisory_draft_create(
        by=author, title_uk="А", title_en="A", body_uk="Б", body_en="B", severity="extreme", source_name="КМДА"
    )
    advisory_draft_edit(advisory_id=draft.pk, by=author, body_en="B2")
    advisory_approve(advisory_id=draft.pk, by=approver)
    advisory_publish(advisory_id=draft.pk, by=publisher)
    advisory_withdraw(advisory_id=draft.pk, by=publisher)

    assert _events(draft) == [
        ("created", "author"),
        ("edited", "author"),
        ("approved", "approver"),
        ("published", "publisher"),
        ("withdrawn", "publisher"),
    ]
    assert AdvisoryEvent.objects.filter(advisory=draft, at__isnull=True).count() == 0
