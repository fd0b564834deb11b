"""Reads of shelter reports: what the public sees of recent unconfirmed reports, and the nearest
search's overlay of them.

The rule (README, "Reports"): a "locked" or "closed" report that staff have neither confirmed nor
rejected, made in the last REPORT_RECENT_MINUTES, is shown wherever the shelter is (its page, the
nearest results) as "reported … N min ago, not confirmed", with how many such reports there are;
while a shelter has one such "locked" report, the nearest search's "open now" leaves it out, as it
does a shelter whose status is "reported locked". Other kinds only reach staff.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.utils import timezone

from shelters.models import ReportKind, ReportStatus, ShelterReport

# Kinds that warn the public before staff have looked: a person must not walk to a locked door.
WARNING_KINDS = (ReportKind.LOCKED, ReportKind.CLOSED)


@dataclass(frozen=True)
class RecentReports:
    """A shelter's recent unconfirmed locked/closed reports."""

    count: int
    locked: int
    newest_kind: str
    newest_at: datetime

    def minutes_ago(self, now: datetime) -> int:
        return max(0, int((now - self.newest_at).total_seconds() // 60))

    def as_json(self, now: datetime) -> dict[str, object]:
        return {
            "count": self.count,
            "kind": self.newest_kind,
            "newest_at": self.newest_at.isoformat(),
            "minutes_ago": self.minutes_ago(now),
        }


def _since(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.REPORT_RECENT_MINUTES)


def shelters_recent_reports(
    *, shelter_ids: list[int] | None = None, now: datetime | None = None
) -> dict[int, RecentReports]:
    """{shelter id: its recent unconfirmed locked/closed reports} (every shelter with some, or those asked)."""
    now = now or timezone.now()
    rows = ShelterReport.objects.filter(
        status=ReportStatus.PENDING, kind__in=WARNING_KINDS, created_at__gte=_since(now)
    ).order_by("created_at", "id")
    if shelter_ids is not None:
        rows = rows.filter(shelter_id__in=shelter_ids)
    found: dict[int, RecentReports] = {}
    for shelter_id, kind, created_at in rows.values_list("shelter_id", "kind", "created_at"):
        before = found.get(shelter_id)
        found[shelter_id] = RecentReports(
            count=(before.count if before else 0) + 1,
            locked=(before.locked if before else 0) + (kind == ReportKind.LOCKED),
            newest_kind=kind,
            newest_at=created_at,
        )
    return found


@dataclass(frozen=True)
class ReportSummary:
    """What a shelter's page says of its reports of the last day (every kind, any moderation)."""

    count: int
    newest_kind: str | None
    newest_at: datetime | None


def shelter_reports_summary(*, shelter_id: int, now: datetime | None = None) -> ReportSummary:
    now = now or timezone.now()
    rows = ShelterReport.objects.filter(shelter_id=shelter_id, created_at__gte=now - timedelta(days=1))
    newest = rows.order_by("-created_at", "-id").values_list("kind", "created_at").first()
    return ReportSummary(
        count=rows.count(),
        newest_kind=newest[0] if newest else None,
        newest_at=newest[1] if newest else None,
    )


class ReportsOverlay(NamedTuple):
    """What the nearest search adds to its index: the recent unconfirmed locked/closed reports."""

    reports: dict[int, RecentReports]
    # The shelters with a recent unconfirmed "locked" report: "open now" leaves them out.
    locked: frozenset[int]


EMPTY_OVERLAY = ReportsOverlay({}, frozenset())


def shelters_reports_overlay() -> ReportsOverlay:
    reports = shelters_recent_reports()
    return ReportsOverlay(reports, frozenset(ident for ident, recent in reports.items() if recent.locked))


CSV_COLUMNS = [
    "reported_at_kyiv",
    "shelter_id",
    "address",
    "district",
    "report",
    "moderation",
    "comment",
    "distance_m",
    "far_from_shelter",
]


def shelter_reports_csv(reports: Iterable[ShelterReport], out: Any) -> None:
    """The reports as CSV (UTF-8, a header row, Kyiv times) into `out`: what the district
    administrations are sent. The reporter's hash stays out."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for report in reports:
        writer.writerow(
            [
                timezone.localtime(report.created_at).strftime("%Y-%m-%d %H:%M"),
                report.shelter_id,
                report.shelter.address_uk,
                report.shelter.district,
                report.kind,
                report.status,
                report.comment,
                "" if report.distance_m is None else f"{report.distance_m:.0f}",
                "yes" if report.far_from_shelter else "no",
            ]
        )
