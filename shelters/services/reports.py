"""Anonymous shelter reports: taking one in (limits, hashing, the distance check) and moderating them.

Limits live in the Redis cache, keyed by the reporter's hash (so no address reaches Redis either):
one report per shelter per client per REPORT_INTERVAL_MINUTES, and REPORT_DAILY_LIMIT per client per
Kyiv day. A refused report raises `ReportLimited` with the seconds to wait (the API's Retry-After).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from shelters.geo import haversine_m
from shelters.models import ReportKind, ReportStatus, Shelter, ShelterReport, ShelterStatus
from shelters.services.catalogue import shelter_set_status

KYIV = ZoneInfo("Europe/Kyiv")
# A reporter farther than this from the shelter is probably not at its door: the report is kept
# and marked for the moderators.
FAR_FROM_SHELTER_M = 300.0

# What a confirmed report of each kind makes the shelter's status (other kinds change nothing).
CONFIRMED_STATUS = {
    ReportKind.LOCKED: ShelterStatus.LOCKED_REPORTED,
    ReportKind.CLOSED: ShelterStatus.CLOSED,
    ReportKind.DOES_NOT_EXIST: ShelterStatus.CLOSED,
    ReportKind.OK: ShelterStatus.OPEN,
}


class ReportLimited(Exception):
    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ReportsUnavailable(Exception):
    """The limits cannot be checked (Redis is away): no report is taken rather than an unlimited one."""


def reporter_hash(*, address: str, at: datetime | None = None) -> str:
    """HMAC-SHA256(REPORT_HASH_SECRET, Kyiv date + address), hex: the only trace of the reporter kept."""
    day = timezone.localtime(at or timezone.now(), KYIV).date()
    message = f"{day.isoformat()}|{address}".encode()
    return hmac.new(settings.REPORT_HASH_SECRET.encode(), message, hashlib.sha256).hexdigest()


def _seconds_to_kyiv_midnight(now: datetime) -> int:
    local = timezone.localtime(now, KYIV)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((midnight - local).total_seconds()))


def _claim(*, client: str, shelter_id: int, now: datetime) -> None:
    """Take the client's slot for this shelter and one of its day's reports, or raise ReportLimited."""
    interval = settings.REPORT_INTERVAL_MINUTES * 60
    shelter_key = f"reports:shelter:{shelter_id}:{client}"
    day_key = f"reports:day:{client}"
    try:
        # The slot's value is when it frees (the key expires then too), so that a refusal can say how
        # long to wait; a slot found past its time (Redis expires lazily) is taken over.
        clock = now.timestamp()
        if not cache.add(shelter_key, clock + interval, interval):
            frees_at = cache.get(shelter_key)
            wait = math.ceil(frees_at - clock) if isinstance(frees_at, float) else interval
            if wait <= 0:
                cache.set(shelter_key, clock + interval, interval)
            else:
                raise ReportLimited(
                    wait,
                    ngettext(
                        "This shelter was reported from your connection in the last {count} minute; try again later.",
                        "This shelter was reported from your connection in the last {count} minutes; try again later.",
                        settings.REPORT_INTERVAL_MINUTES,
                    ).format(count=settings.REPORT_INTERVAL_MINUTES),
                )
        cache.add(day_key, 0, _seconds_to_kyiv_midnight(now) + 60)
        if cache.incr(day_key) > settings.REPORT_DAILY_LIMIT:
            raise ReportLimited(
                _seconds_to_kyiv_midnight(now),
                ngettext(
                    "At most {count} report a day is taken from one connection.",
                    "At most {count} reports a day are taken from one connection.",
                    settings.REPORT_DAILY_LIMIT,
                ).format(count=settings.REPORT_DAILY_LIMIT),
            )
    except ReportLimited:
        raise
    except Exception as error:  # the cache is away (redis errors are not one class)
        raise ReportsUnavailable(gettext("Reports cannot be taken right now; try again in a minute.")) from error


@dataclass(frozen=True)
class ReportInput:
    kind: str
    comment: str = ""
    lat: float | None = None
    lon: float | None = None


def shelter_reports_bump() -> None:
    """Tell every process's nearest overlay that reports changed (not the shelter list's version)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO shelters_sheltercatalogue (id, version, reports_version) VALUES (1, 0, 1)
            ON CONFLICT (id) DO UPDATE SET reports_version = shelters_sheltercatalogue.reports_version + 1
            """
        )


def shelter_report_create(*, shelter: Shelter, report: ReportInput, client_address: str) -> ShelterReport:
    """Take one anonymous report of a listed shelter (the caller checked it is listed)."""
    if report.kind not in ReportKind.values:
        raise ValueError(f"unknown report kind {report.kind!r}")
    now = timezone.now()
    client = reporter_hash(address=client_address, at=now)
    _claim(client=client, shelter_id=shelter.pk, now=now)
    position = distance = None
    if report.lat is not None and report.lon is not None:
        position = Point(report.lon, report.lat, srid=4326)
        distance = round(haversine_m(report.lat, report.lon, shelter.lat, shelter.lon), 1)
    with transaction.atomic():
        created = ShelterReport.objects.create(
            shelter=shelter,
            kind=report.kind,
            comment=report.comment,
            position=position,
            distance_m=distance,
            far_from_shelter=distance is not None and distance > FAR_FROM_SHELTER_M,
            client_hash=client,
        )
        shelter_reports_bump()
    return created


def shelter_reports_moderate(
    *, report_ids: list[int], confirm: bool, moderator_id: int | None, set_status: bool = False
) -> int:
    """Confirm or reject pending reports; with `set_status`, a confirmation also sets each shelter's
    status (CONFIRMED_STATUS, the newest confirmed report of a shelter wins) and its verified_at.
    Returns how many reports changed (already moderated ones are left alone)."""
    now = timezone.now()
    with transaction.atomic():
        pending = ShelterReport.objects.select_for_update().filter(id__in=report_ids, status=ReportStatus.PENDING)
        chosen = list(pending.order_by("created_at", "id").values_list("id", "shelter_id", "kind"))
        changed = ShelterReport.objects.filter(id__in=[ident for ident, _, _ in chosen]).update(
            status=ReportStatus.CONFIRMED if confirm else ReportStatus.REJECTED,
            moderated_at=now,
            moderated_by_id=moderator_id,
        )
        if confirm and set_status:
            newest_status: dict[int, str] = {}
            for _, shelter_id, kind in chosen:
                if kind in CONFIRMED_STATUS:
                    newest_status[shelter_id] = CONFIRMED_STATUS[ReportKind(kind)]
            for status in set(newest_status.values()):
                ids = [shelter_id for shelter_id, wanted in newest_status.items() if wanted == status]
                shelter_set_status(shelter_ids=ids, status=status, verified_at=now)
        if changed:
            shelter_reports_bump()
    return changed
