"""The shelter list's version (for HTTP caches) and staff decisions on shelters."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from shelters.models import Shelter, ShelterStatus


def shelter_catalogue_bump() -> None:
    """Mark the shelter list as changed (new ETag for the GeoJSON); atomic, creates the row if needed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO shelters_sheltercatalogue (id, version, changed_at) VALUES (1, 1, now())
            ON CONFLICT (id) DO UPDATE
            SET version = shelters_sheltercatalogue.version + 1, changed_at = now()
            """
        )


def shelter_set_status(*, shelter_ids: list[int], status: str, verified_at: datetime | None) -> int:
    """Staff decision on shelters' status (admin action); returns how many changed."""
    if status not in ShelterStatus.values:
        raise ValueError(f"unknown status {status!r}")
    with transaction.atomic():
        changed = Shelter.objects.filter(id__in=shelter_ids).update(
            status=status, verified_at=verified_at, updated_at=timezone.now()
        )
        if changed:
            shelter_catalogue_bump()
    return changed


def shelter_set_active(*, shelter_ids: list[int], active: bool) -> int:
    """Staff take shelters off the public map or back (admin action; shelters are never deleted).

    The decision is recorded (`deactivated_by_staff`) so that re-imports keep it, also on a shelter
    that an import had already deactivated.
    """
    with transaction.atomic():
        changed = (
            Shelter.objects.filter(id__in=shelter_ids)
            .exclude(is_active=active, deactivated_by_staff=not active)
            .update(is_active=active, deactivated_by_staff=not active, updated_at=timezone.now())
        )
        if changed:
            shelter_catalogue_bump()
    return changed


def shelter_mark_verified(*, shelter_ids: list[int], at: datetime) -> int:
    """Staff checked these shelters on the spot: `verified_at` is set, the status stays as it is."""
    with transaction.atomic():
        changed = Shelter.objects.filter(id__in=shelter_ids).update(verified_at=at, updated_at=timezone.now())
        if changed:
            shelter_catalogue_bump()
    return changed
