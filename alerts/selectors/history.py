"""A region's alert history in numbers: alerts and hours under alert per day or per week (Kyiv time).

What a region "lived through" is its own alerts and its ancestors' (an oblast-wide alert covers its
raions), from the enabled sources, as on the region's history page. Those intervals overlap (two
sources report one siren; an oblast's alert and a raion's run together), so they are merged first:
PostgreSQL's `range_agg` turns them into one multirange, and

- *alerts* in a day or week = the merged periods under alert that began in it;
- *hours under alert* = how much of the day or week the merged periods cover (an alert across
  midnight counts in both days; an alert still active counts up to now).

Days and weeks (Monday first) are Kyiv's, so a DST day has 23 or 25 hours. One query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.db import connection

KYIV = ZoneInfo("Europe/Kyiv")
Period = Literal["day", "week"]
MAX_BUCKETS = 366

_HISTORY_SQL = """
WITH merged AS (
  SELECT range_agg(tstzrange(a.started_at, LEAST(COALESCE(a.ended_at, %(now)s), %(now)s))) AS periods
  FROM alerts_alert a JOIN alerts_feedsource s ON s.id = a.source_id
  WHERE a.region_id = ANY(%(chain)s) AND s.enabled
    AND a.started_at < %(until)s AND COALESCE(a.ended_at, %(now)s) > %(since)s AND a.started_at < %(now)s
),
buckets AS (
  SELECT b.first, b.after FROM unnest(%(firsts)s::timestamptz[], %(afters)s::timestamptz[]) AS b(first, after)
)
SELECT b.first,
       (SELECT count(*) FROM unnest(m.periods) p WHERE lower(p) >= b.first AND lower(p) < b.after),
       COALESCE((SELECT sum(EXTRACT(EPOCH FROM upper(p) - lower(p)))
                 FROM unnest(m.periods * tstzmultirange(tstzrange(b.first, b.after))) p), 0)
FROM buckets b CROSS JOIN merged m
ORDER BY b.first
"""


@dataclass(frozen=True)
class HistoryBucket:
    start: date  # the day, or the Monday of the week (Kyiv)
    alerts: int
    seconds_under_alert: int

    @property
    def hours_under_alert(self) -> float:
        return round(self.seconds_under_alert / 3600, 2)


def period_start(day: date, period: Period) -> date:
    """The day itself, or the Monday of its week."""
    return day - timedelta(days=day.weekday()) if period == "week" else day


def bucket_starts(*, since: date, until: date, period: Period) -> list[date]:
    """The days (or Mondays) from the one holding `since` to the one holding `until`, inclusive."""
    step = timedelta(days=7 if period == "week" else 1)
    first, last = period_start(since, period), period_start(until, period)
    return [first + step * i for i in range((last - first) // step + 1)] if last >= first else []


def default_window(*, period: Period, until: date) -> tuple[date, date]:
    """The last 30 days, or the last 12 weeks, up to `until`."""
    return until - timedelta(days=29 if period == "day" else 7 * 11), until


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=KYIV)


def region_history_buckets(
    *, chain: Sequence[int], since: date, until: date, period: Period, now: datetime
) -> list[HistoryBucket]:
    """Alerts and time under alert of the region whose chain (itself first) is `chain`, per day or week."""
    starts = bucket_starts(since=since, until=until, period=period)
    if not starts:
        return []
    step = timedelta(days=7 if period == "week" else 1)
    firsts = [_midnight(day) for day in starts]
    afters = [_midnight(day + step) for day in starts]
    with connection.cursor() as cursor:
        cursor.execute(
            _HISTORY_SQL,
            {
                "chain": list(chain),
                "since": firsts[0],
                "until": afters[-1],
                "now": now,
                "firsts": firsts,
                "afters": afters,
            },
        )
        rows = cursor.fetchall()
    return [
        HistoryBucket(start=day, alerts=int(count), seconds_under_alert=round(float(seconds)))
        for day, (_first, count, seconds) in zip(starts, rows, strict=True)
    ]
