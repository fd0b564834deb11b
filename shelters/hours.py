"""Opening hours in Kyiv time, and the walking model.

Hours are always read in Europe/Kyiv local time: the instant asked about is converted with the tz
database, so daylight-saving changes (last Sunday of March and of October) are honoured, and a
schedule whose closing time is not after its opening time runs across midnight (22:00–06:00 is
open at 23:00 and at 05:00; equal times mean around the clock).

Kinds of hours:
- `always`: around the clock (every metro station in alert mode);
- `school`: "during the school day access is given to participants of the educational process"
  (the city's wording): only pupils and staff, and only on school days, taken as Monday–Friday
  07:00–19:00 (kindergartens' day is the longest). Hidden from the public unless asked for;
- `schedule`: a daily window (opens_at, closes_at);
- `unknown`: the city did not publish hours (the whole 2022 list). Counted as open: by the city's
  rules shelters are to be open during an alert, and hiding 3,600 shelters would leave people with
  none; pages say "hours not published" next to them.

The nearest search applies `is_open_at` itself (selectors/nearest.py), and the browser has the
same rules (static/js/shelters-core.js); both run the one table of cases in
shelters/tests/cases/opening_hours.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")
SCHOOL_DAYS = frozenset({0, 1, 2, 3, 4})  # Monday … Friday
SCHOOL_OPENS = time(7, 0)
SCHOOL_CLOSES = time(19, 0)

# Walking: 4.5 km/h (75 m a minute, an adult walking briskly with a child or a bag), on streets
# that are on average 1.3 times longer than the straight line (blocks, crossings, entrances).
WALKING_SPEED_M_PER_MIN = 75.0
DETOUR_FACTOR = 1.3


def walking_minutes(distance_m: float) -> int:
    """Minutes on foot for a straight-line distance, rounded up, at least 1."""
    return max(1, math.ceil(distance_m * DETOUR_FACTOR / WALKING_SPEED_M_PER_MIN))


@dataclass(frozen=True)
class LocalMoment:
    weekday: int
    time_of_day: time

    @property
    def school_open(self) -> bool:
        return self.weekday in SCHOOL_DAYS and SCHOOL_OPENS <= self.time_of_day < SCHOOL_CLOSES


def kyiv_moment(at: datetime) -> LocalMoment:
    """The weekday and wall-clock time in Kyiv at the instant `at` (which must be timezone-aware)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an opening-hours check needs a timezone-aware datetime")
    local = at.astimezone(KYIV)
    return LocalMoment(weekday=local.weekday(), time_of_day=local.time().replace(tzinfo=None))


def in_window(moment: time, opens_at: time, closes_at: time) -> bool:
    if opens_at < closes_at:
        return opens_at <= moment < closes_at
    # Across midnight (or equal times: around the clock).
    return moment >= opens_at or moment < closes_at


def is_open_at(
    *, opening_hours: str, opens_at: time | None, closes_at: time | None, at: datetime, pupils: bool = False
) -> bool:
    """Whether a shelter with these hours lets the person in at `at` (unknown hours count as open)."""
    if opening_hours in ("always", "unknown"):
        return True
    moment = kyiv_moment(at)
    if opening_hours == "school":
        return pupils and moment.school_open
    if opening_hours == "schedule" and opens_at is not None and closes_at is not None:
        return in_window(moment.time_of_day, opens_at, closes_at)
    return False


def hours_label(opening_hours: str, opens_at: time | None, closes_at: time | None) -> str:
    """Compact machine form for the GeoJSON and the browser: "always", "school", "10:00-18:00", "unknown"."""
    if opening_hours == "schedule" and opens_at is not None and closes_at is not None:
        return f"{opens_at:%H:%M}-{closes_at:%H:%M}"
    return opening_hours
