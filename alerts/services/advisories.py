"""Writes of advisories: the draft → published → withdrawn workflow, every step recorded.

Rules enforced here (and, where a database can, by constraints on the model):
- only drafts are edited; a published advisory changes through an update draft that supersedes it;
- publishing and withdrawing need the `alerts.publish_advisory` permission;
- an `extreme` advisory goes out only after a second person approved it: someone with
  `alerts.approve_advisory` who neither drafted nor edited it; any later edit voids the approval;
- withdrawing never deletes: the row stays, withdrawn, and its CAP document becomes a Cancel;
- every transition that changes what is current queues a rebuild of the status snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.cap import cap_current_message
from alerts.models import Advisory, AdvisoryEvent, Region
from alerts.selectors.advisories import advisories_for_status
from alerts.selectors.status import status_snapshot_read
from alerts.services.status import status_request_publish, status_snapshot_publish

logger = logging.getLogger(__name__)

CONTENT_FIELDS = (
    "title_uk",
    "title_en",
    "body_uk",
    "body_en",
    "severity",
    "response",
    "is_exercise",
    "effective_at",
    "expires_at",
    "source_name",
    "source_url",
)
PUBLISH_PERMISSION = "alerts.publish_advisory"
APPROVE_PERMISSION = "alerts.approve_advisory"


class AdvisoryWorkflowError(Exception):
    """A workflow step that is not allowed now; the message says why, for the person who tried."""


class AdvisoryPermissionError(AdvisoryWorkflowError):
    pass


# --- Helpers ----------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _snapshot(advisory: Advisory, region_uids: Iterable[int]) -> dict[str, Any]:
    content = {name: _jsonable(getattr(advisory, name)) for name in CONTENT_FIELDS}
    content["regions"] = sorted(region_uids)
    return content


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def _region_uids(regions: Iterable[Region | int]) -> list[int]:
    return sorted({region.pk if isinstance(region, Region) else int(region) for region in regions})


def _record(
    advisory: Advisory,
    action: str,
    *,
    by: User | None,
    at: datetime,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AdvisoryEvent:
    actor = by if by is not None and by.is_authenticated else None
    return AdvisoryEvent.objects.create(
        advisory=advisory, action=action, actor=actor, at=at, changes=changes or {}, note=note
    )


def _require(by: User, permission: str, message: str) -> None:
    if not (by.is_authenticated and by.is_active and by.has_perm(permission)):
        raise AdvisoryPermissionError(message)


def _check_content(advisory: Advisory) -> None:
    missing = [
        name for name in ("title_uk", "title_en", "body_uk", "body_en") if not (getattr(advisory, name) or "").strip()
    ]
    if missing:
        raise AdvisoryWorkflowError(
            _("The title and the text are needed in both languages (missing: %(fields)s).")
            % {"fields": ", ".join(missing)}
        )
    if not advisory.source_name.strip():
        raise AdvisoryWorkflowError(_("Name the source of the advisory."))
    if (
        advisory.effective_at is not None
        and advisory.expires_at is not None
        and advisory.expires_at <= advisory.effective_at
    ):
        raise AdvisoryWorkflowError(_("The expiry must come after the start."))


def _locked(advisory_id: int) -> Advisory:
    try:
        return Advisory.objects.select_for_update().get(pk=advisory_id)
    except Advisory.DoesNotExist:
        raise AdvisoryWorkflowError(_("There is no advisory #%(id)s.") % {"id": advisory_id}) from None


def _content_authors(advisory: Advisory) -> set[int]:
    authors = set(
        advisory.events.filter(
            action__in=[AdvisoryEvent.Action.CREATED, AdvisoryEvent.Action.EDITED], actor__isnull=False
        ).values_list("actor_id", flat=True)
    )
    authors.add(advisory.created_by_id)
    return authors


# --- Drafts -----------------------------------------------------------------------------------------------


def advisory_draft_create(
    *, by: User, regions: Iterable[Region | int] = (), supersedes: Advisory | None = None, **content: Any
) -> Advisory:
    """A new draft with the given content fields (see CONTENT_FIELDS)."""
    _require(by, "alerts.add_advisory", _("You may not draft advisories."))
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"not advisory content fields: {sorted(unknown)}")
    advisory = Advisory(**content)
    return advisory_draft_save(advisory=advisory, regions=regions, by=by, supersedes=supersedes)


def advisory_draft_save(
    *, advisory: Advisory, regions: Iterable[Region | int], by: User, supersedes: Advisory | None = None
) -> Advisory:
    """Create or edit a draft from the content set on `advisory` (the admin form's instance).

    Editing is refused unless the stored row is still a draft; an edit that changes anything voids
    an approval, so what a second person approved is exactly what goes out.
    """
    now = timezone.now()
    uids = _region_uids(regions)
    if advisory.pk is None:
        _require(by, "alerts.add_advisory", _("You may not draft advisories."))
    else:
        _require(by, "alerts.change_advisory", _("You may not edit advisories."))
    _check_content(advisory)
    with transaction.atomic():
        if advisory.pk is None:
            advisory.status = Advisory.Status.DRAFT
            advisory.supersedes = supersedes
            advisory.created_by = by
            advisory.approved_by = advisory.approved_at = None
            advisory.published_by = advisory.published_at = None
            advisory.save()
            advisory.regions.set(uids)
            note = _("Update of advisory #%(id)s") % {"id": supersedes.pk} if supersedes else ""
            _record(
                advisory,
                AdvisoryEvent.Action.CREATED,
                by=by,
                at=now,
                changes=_diff({}, _snapshot(advisory, uids)),
                note=note,
            )
            return advisory

        stored = _locked(advisory.pk)
        if stored.status != Advisory.Status.DRAFT:
            raise AdvisoryWorkflowError(
                _("Only drafts can be edited. To change a published advisory, prepare an update.")
            )
        changes = _diff(_snapshot(stored, stored.regions.values_list("pk", flat=True)), _snapshot(advisory, uids))
        if not changes:
            return stored
        for name in CONTENT_FIELDS:
            setattr(stored, name, getattr(advisory, name))
        note = ""
        if stored.approved_by_id is not None:
            note = _("The approval was withdrawn because the content changed.")
            changes["approved_by"] = [stored.approved_by_id, None]
            stored.approved_by = stored.approved_at = None
        stored.save()
        stored.regions.set(uids)
        _record(stored, AdvisoryEvent.Action.EDITED, by=by, at=now, changes=changes, note=note)
        return stored


def advisory_draft_edit(
    *, advisory_id: int, by: User, regions: Iterable[Region | int] | None = None, **changes: Any
) -> Advisory:
    """Change some content fields (and optionally the regions) of a draft."""
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"not advisory content fields: {sorted(unknown)}")
    advisory = Advisory.objects.get(pk=advisory_id)
    current_regions = list(advisory.regions.values_list("pk", flat=True))
    for name, value in changes.items():
        setattr(advisory, name, value)
    return advisory_draft_save(advisory=advisory, regions=current_regions if regions is None else regions, by=by)


def advisory_update_prepare(*, advisory_id: int, by: User) -> Advisory:
    """A draft copy of a published advisory; publishing it replaces the original (a CAP Update)."""
    original = Advisory.objects.prefetch_related("regions").get(pk=advisory_id)
    if original.status != Advisory.Status.PUBLISHED:
        raise AdvisoryWorkflowError(_("Only a published advisory can be updated."))
    content = {name: getattr(original, name) for name in CONTENT_FIELDS}
    return advisory_draft_create(by=by, regions=list(original.regions.all()), supersedes=original, **content)


# --- Transitions ------------------------------------------------------------------------------------------


def advisory_approve(*, advisory_id: int, by: User, now: datetime | None = None) -> Advisory:
    """The second person's approval of a draft (required for extreme advisories)."""
    now = now or timezone.now()
    with transaction.atomic():
        advisory = _locked(advisory_id)
        if advisory.status != Advisory.Status.DRAFT:
            raise AdvisoryWorkflowError(_("Only a draft can be approved."))
        _require(by, APPROVE_PERMISSION, _("You may not approve advisories."))
        if by.pk in _content_authors(advisory):
            raise AdvisoryWorkflowError(_("You drafted or edited this advisory: a second person must approve it."))
        if advisory.approved_by_id == by.pk:
            return advisory
        advisory.approved_by = by
        advisory.approved_at = now
        advisory.save(update_fields=["approved_by", "approved_at", "updated_at"])
        _record(advisory, AdvisoryEvent.Action.APPROVED, by=by, at=now, changes={"approved_by": [None, by.pk]})
        return advisory


def advisory_publish(*, advisory_id: int, by: User, now: datetime | None = None) -> Advisory:
    """Put a draft out. An update draft replaces the advisory it supersedes in the same transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        advisory = _locked(advisory_id)
        if advisory.status != Advisory.Status.DRAFT:
            raise AdvisoryWorkflowError(_("This advisory is not a draft: it was already published."))
        _require(by, PUBLISH_PERMISSION, _("You may not publish advisories."))
        _check_content(advisory)
        if advisory.severity == Advisory.Severity.EXTREME and (
            advisory.approved_by_id is None or advisory.approved_by_id in _content_authors(advisory)
        ):
            raise AdvisoryWorkflowError(
                _("An extreme advisory needs the approval of a second person before it is published.")
            )
        if advisory.expires_at is not None and advisory.expires_at <= now:
            raise AdvisoryWorkflowError(_("This advisory has already expired; change its expiry first."))
        if advisory.effective_at is None:
            advisory.effective_at = now
            if advisory.expires_at is not None and advisory.expires_at <= now:
                raise AdvisoryWorkflowError(_("The expiry must come after the start."))

        changes: dict[str, Any] = {"status": [Advisory.Status.DRAFT, Advisory.Status.PUBLISHED]}
        if advisory.supersedes_id is not None:
            previous = _locked(advisory.supersedes_id)
            if previous.status != Advisory.Status.PUBLISHED:
                raise AdvisoryWorkflowError(
                    _("The advisory this update replaces is no longer published (withdrawn or already updated).")
                )
            previous.status = Advisory.Status.SUPERSEDED
            previous.superseded_at = now
            previous.save(update_fields=["status", "superseded_at", "updated_at"])
            _record(
                previous,
                AdvisoryEvent.Action.SUPERSEDED,
                by=by,
                at=now,
                changes={"status": [Advisory.Status.PUBLISHED, Advisory.Status.SUPERSEDED], "updated_by": advisory.pk},
            )
            # What the update changes compared with the version people saw.
            before = _snapshot(previous, previous.regions.values_list("pk", flat=True))
            after = _snapshot(advisory, advisory.regions.values_list("pk", flat=True))
            changes.update(_diff(before, after))

        advisory.status = Advisory.Status.PUBLISHED
        advisory.published_by = by
        advisory.published_at = now
        advisory.save(update_fields=["status", "published_by", "published_at", "effective_at", "updated_at"])
        message = cap_current_message(advisory)
        changes["cap"] = {"msgType": message.msg_type, "identifier": message.identifier}
        _record(advisory, AdvisoryEvent.Action.PUBLISHED, by=by, at=now, changes=changes)
        status_request_publish()
    logger.info("advisory %s published (%s) by user %s", advisory.pk, message.msg_type, by.pk)
    return advisory


def advisory_withdraw(*, advisory_id: int, by: User, reason: str = "", now: datetime | None = None) -> Advisory:
    """Withdraw a published advisory: it stays on record and its CAP document becomes a Cancel."""
    now = now or timezone.now()
    with transaction.atomic():
        advisory = _locked(advisory_id)
        if advisory.status == Advisory.Status.SUPERSEDED:
            raise AdvisoryWorkflowError(_("This version was replaced by an update: withdraw the current version."))
        if advisory.status != Advisory.Status.PUBLISHED:
            raise AdvisoryWorkflowError(_("Only a published advisory can be withdrawn."))
        _require(by, PUBLISH_PERMISSION, _("You may not withdraw advisories."))
        advisory.status = Advisory.Status.WITHDRAWN
        advisory.withdrawn_by = by
        advisory.withdrawn_at = now
        advisory.withdrawal_reason = reason.strip()
        advisory.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason", "updated_at"])
        message = cap_current_message(advisory)
        _record(
            advisory,
            AdvisoryEvent.Action.WITHDRAWN,
            by=by,
            at=now,
            changes={
                "status": [Advisory.Status.PUBLISHED, Advisory.Status.WITHDRAWN],
                "cap": {"msgType": message.msg_type, "identifier": message.identifier},
            },
            note=advisory.withdrawal_reason,
        )
        status_request_publish()
    logger.info("advisory %s withdrawn by user %s", advisory.pk, by.pk)
    return advisory


# --- Time ---------------------------------------------------------------------------------------------------


def advisories_record_expiries(*, now: datetime) -> int:
    """Record the expiry of published advisories whose time ran out (once each: a unique constraint)."""
    expired = (
        Advisory.objects.filter(status=Advisory.Status.PUBLISHED, expires_at__lte=now)
        .exclude(events__action=AdvisoryEvent.Action.EXPIRED)
        .values_list("pk", "expires_at")
    )
    events = [
        AdvisoryEvent(
            advisory_id=pk,
            action=AdvisoryEvent.Action.EXPIRED,
            at=expires_at or now,
            changes={"state": ["in_force", "expired"]},
        )
        for pk, expires_at in expired
    ]
    created = AdvisoryEvent.objects.bulk_create(events, ignore_conflicts=True)
    return len(created)


def advisories_snapshot_refresh(*, now: datetime | None = None) -> bool:
    """Make the status snapshot hold exactly the advisories in force now; True if it was republished.

    Run every ADVISORY_REFRESH_SECONDS by beat: expiry and a future start change nothing in the
    database, so without it an expired advisory would stay in the snapshot until something else
    rebuilt it. It compares with the published snapshot itself (one small Redis read), so it is
    idempotent and also repairs a snapshot that missed a rebuild.
    """
    now = now or timezone.now()
    advisories_record_expiries(now=now)
    expected = advisories_for_status(now=now)
    snapshot = status_snapshot_read()
    if snapshot.from_cache and snapshot.document().get("advisories") == expected:
        return False
    status_snapshot_publish()
    return True
