"""Reads of advisories: what is in force where, the public lists, and the entries of the status snapshot.

Drafts never leave this module for a public reader: every public read starts from `advisories_public`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import translation

from alerts.models import Advisory
from alerts.selectors.status.freshness import iso

SEVERITY_ORDER = (
    Advisory.Severity.INFO,
    Advisory.Severity.WARNING,
    Advisory.Severity.DANGER,
    Advisory.Severity.EXTREME,
)
# Withdrawn advisories stay in the Atom feed this long, so that feed readers and CAP aggregators that
# poll it learn of the Cancel rather than seeing the entry silently vanish.
WITHDRAWN_IN_FEED = timedelta(hours=24)
# Earlier advisories on the public list page.
PAST_ON_PAGE = 20

_RegionThrough = Advisory.regions.through


def _severity_rank() -> Case:
    return Case(
        *(When(severity=severity, then=Value(rank)) for rank, severity in enumerate(SEVERITY_ORDER)),
        default=Value(-1),
        output_field=IntegerField(),
    )


def _most_severe_first(queryset: QuerySet[Advisory]) -> QuerySet[Advisory]:
    return queryset.annotate(severity_rank=_severity_rank()).order_by(
        "-severity_rank", Coalesce("effective_at", "published_at").desc(), "-id"
    )


def _in_force(now: datetime) -> Q:
    return Q(status=Advisory.Status.PUBLISHED, effective_at__lte=now) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def _not_yet_expired(now: datetime) -> Q:
    return Q(status=Advisory.Status.PUBLISHED) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _for_regions(region_uids: Iterable[int]) -> Q:
    """Advisories naming one of the regions, or naming none (those apply everywhere)."""
    uids = list(region_uids)
    any_region = Exists(_RegionThrough.objects.filter(advisory_id=OuterRef("pk")))
    matching = Exists(_RegionThrough.objects.filter(advisory_id=OuterRef("pk"), region_id__in=uids))
    return ~any_region | matching


def advisories_public() -> QuerySet[Advisory]:
    return Advisory.objects.exclude(status=Advisory.Status.DRAFT)


def advisories_current(*, now: datetime) -> QuerySet[Advisory]:
    """Published advisories in force at `now`, most severe first."""
    return _most_severe_first(advisories_public().filter(_in_force(now))).prefetch_related("regions")


def advisories_upcoming(*, now: datetime) -> QuerySet[Advisory]:
    """Published advisories that take effect later, soonest first."""
    return (
        advisories_public()
        .filter(_not_yet_expired(now), effective_at__gt=now)
        .order_by("effective_at", "id")
        .prefetch_related("regions")
    )


def advisories_past(*, now: datetime, limit: int = PAST_ON_PAGE) -> list[Advisory]:
    """The latest advisories no longer in force (expired or withdrawn), newest first."""
    expired = Q(status=Advisory.Status.PUBLISHED, expires_at__lte=now)
    withdrawn = Q(status=Advisory.Status.WITHDRAWN)
    return list(
        advisories_public()
        .filter(expired | withdrawn)
        .annotate(ended_at=Coalesce("withdrawn_at", "expires_at"))
        .order_by("-ended_at", "-id")
        .prefetch_related("regions")[:limit]
    )


def advisories_for_regions(*, region_uids: Iterable[int], now: datetime) -> list[Advisory]:
    """What applies to a person whose region chain (their region and its ancestors) is `region_uids`.

    An advisory naming no region applies everywhere; one naming an oblast applies in its raions and
    hromadas (they carry the oblast in their chain). Most severe first.
    """
    return list(advisories_current(now=now).filter(_for_regions(region_uids)))


def translated(instance: Any, field: str, language: str) -> str:
    """One language's value of a translated field (modeltranslation's `<field>_<language>`)."""
    value = getattr(instance, f"{field}_{language}", None)
    return str(value) if value else ""


def advisory_public_get(*, advisory_id: int) -> Advisory | None:
    """A published, replaced or withdrawn advisory; None for a draft or an unknown id."""
    return advisories_public().select_related("supersedes").prefetch_related("regions").filter(pk=advisory_id).first()


def advisory_latest_version(*, advisory: Advisory) -> Advisory:
    """The advisory that replaced this one, and so on, up to the version that is (or was) out last."""
    latest = advisory
    seen = {latest.pk}
    while latest.status == Advisory.Status.SUPERSEDED:
        following = advisories_public().filter(supersedes=latest).first()
        if following is None or following.pk in seen:
            break
        seen.add(following.pk)
        latest = following
    return latest


def advisory_earlier_versions(*, advisory: Advisory) -> list[Advisory]:
    """The versions this one replaced, the original first (each issued its own CAP message)."""
    earlier: list[Advisory] = []
    current = advisory.supersedes
    while current is not None and all(item.pk != current.pk for item in earlier):
        earlier.append(current)
        current = current.supersedes
    earlier.reverse()
    return earlier


def advisories_api_list(
    *, now: datetime, region_chain_uids: Sequence[int] | None, active: bool | None, severities: Sequence[str]
) -> QuerySet[Advisory]:
    """The public list behind GET /api/v1/advisories.

    Replaced versions are left out (their update is listed). `active=true`: in force now, most
    severe first; otherwise newest first.
    """
    queryset = advisories_public().exclude(status=Advisory.Status.SUPERSEDED)
    if region_chain_uids is not None:
        queryset = queryset.filter(_for_regions(region_chain_uids))
    if severities:
        queryset = queryset.filter(severity__in=severities)
    if active is True:
        return _most_severe_first(queryset.filter(_in_force(now))).prefetch_related("regions")
    if active is False:
        queryset = queryset.exclude(_in_force(now))
    return (
        queryset.annotate(changed_at=Coalesce("withdrawn_at", "published_at"))
        .order_by("-changed_at", "-id")
        .prefetch_related("regions")
    )


def advisories_for_feed(*, now: datetime) -> list[Advisory]:
    """The Atom feed: advisories in force or upcoming, and those withdrawn in the last day."""
    recently_withdrawn = Q(status=Advisory.Status.WITHDRAWN, withdrawn_at__gt=now - WITHDRAWN_IN_FEED)
    return list(
        _most_severe_first(advisories_public().filter(_not_yet_expired(now) | recently_withdrawn))
        .select_related("supersedes")
        .prefetch_related("regions")
    )


# --- Links ----------------------------------------------------------------------------------------------


def advisory_page_path(*, advisory_id: int, language: str) -> str:
    with translation.override(language):
        return reverse("alerts:advisory_detail", kwargs={"advisory_id": advisory_id})


def advisory_cap_path(*, advisory_id: int) -> str:
    return reverse("api-advisory-cap", kwargs={"advisory_id": advisory_id})


# --- The status snapshot ------------------------------------------------------------------------------


def advisory_summary(advisory: Advisory) -> dict[str, Any]:
    """A small JSON-ready description of a published advisory (the snapshot's entry)."""
    return {
        "id": advisory.pk,
        "severity": advisory.severity,
        "response": advisory.response,
        "exercise": advisory.is_exercise,
        "title_uk": translated(advisory, "title", "uk"),
        "title_en": translated(advisory, "title", "en"),
        "regions": sorted(region.pk for region in advisory.regions.all()),
        "effective_at": iso(advisory.effective_at),
        "expires_at": iso(advisory.expires_at),
        "source_name": advisory.source_name,
        "source_url": advisory.source_url,
        "supersedes": advisory.supersedes_id,
        "url_uk": advisory_page_path(advisory_id=advisory.pk, language="uk"),
        "url_en": advisory_page_path(advisory_id=advisory.pk, language="en"),
        "cap_url": advisory_cap_path(advisory_id=advisory.pk),
    }


def advisories_for_status(*, now: datetime) -> list[dict[str, Any]]:
    """Advisories in force for the status snapshot, most severe first (regions empty = everywhere)."""
    return [advisory_summary(advisory) for advisory in advisories_current(now=now)]
