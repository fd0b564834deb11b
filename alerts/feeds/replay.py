"""A drill: the real history of official sirens replayed on a virtual clock.

The file (REPLAY_SIRENS_CSV, the public dataset's format) has one row per siren:
`oblast,raion,hromada,level,started_at,finished_at,source` with English transliterated names. The
names are mapped to region ids through the region hierarchy (its Ukrainian names transliterated
with the same national system), so "Kyivska oblast" → 14 and "Bilotserkivskyi raion" → 73.

The virtual clock starts at REPLAY_START when the replay first polls and runs REPLAY_SPEED virtual
seconds per real second; its origin is kept in the FeedSource, so restarts do not rewind it. Each
poll reports the sirens active at the virtual now, the whole intervals that began and ended since
the previous poll (so that none is missed, whatever the speed), and the file's end times for
sirens that ended. Everything it produces is marked as a replay wherever status is shown.
"""

from __future__ import annotations

import csv
import json
import logging
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from alerts.feeds.base import AlertRecord, FeedAdapter, FeedConfigError, FeedParseError, FeedSnapshot
from alerts.models import Alert, FeedSource
from kyivguide.translit import transliterate

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("oblast", "raion", "hromada", "level", "started_at", "finished_at")
# Names the dataset writes differently from a transliteration of the hierarchy.
SPECIAL_NAMES = {"kyiv city": 31}


@dataclass(frozen=True)
class Siren:
    row: int  # line number in the file: the stable key of this interval
    region_uid: int
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True)
class SirenHistory:
    sirens: tuple[Siren, ...]  # sorted by start
    starts: tuple[datetime, ...]
    finishes_sorted: tuple[tuple[datetime, int], ...]  # (finished_at, index into sirens)
    unmapped: int
    longest: timedelta

    @property
    def end(self) -> datetime | None:
        return max((s.finished_at for s in self.sirens), default=None)


def _norm(name: str) -> str:
    return " ".join(name.replace("’", "'").replace("'", "").lower().split())


class RegionNames:
    """English (transliterated) names → region ids, per level of the hierarchy."""

    def __init__(self, hierarchy: dict[str, Any]) -> None:
        self.oblasts: dict[str, int] = dict(SPECIAL_NAMES)
        self.raions: dict[tuple[int, str], int] = {}
        self.hromadas: dict[tuple[int, str], int] = {}
        for state in hierarchy["states"]:
            self.oblasts[_norm(transliterate(state["stateName"]))] = int(state["stateId"])
            for district in state.get("districts") or []:
                raion = int(district["districtId"])
                raion_name = _norm(transliterate(district["districtName"]))
                self.raions[(int(state["stateId"]), raion_name)] = raion
                for community in district.get("communities") or []:
                    self.hromadas[(raion, _norm(transliterate(community["communityName"])))] = int(
                        community["communityId"]
                    )

    def resolve(self, oblast: str, raion: str, hromada: str) -> int | None:
        """The most specific region the row names, or None."""
        oblast_uid = self.oblasts.get(_norm(oblast))
        if oblast_uid is None and self.oblasts.get(_norm(raion)) is not None:
            # A known dirt: oblast and raion written in each other's column.
            oblast, raion = raion, oblast
            oblast_uid = self.oblasts[_norm(oblast)]
        if oblast_uid is None:
            return None
        if not raion:
            return oblast_uid
        raion_uid = self.raions.get((oblast_uid, _norm(raion)))
        if raion_uid is None:
            return None
        if not hromada:
            return raion_uid
        return self.hromadas.get((raion_uid, _norm(hromada)))


def load_history(csv_path: Path, hierarchy_path: Path) -> SirenHistory:
    try:
        hierarchy = json.loads(hierarchy_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FeedConfigError(f"replay: cannot read the region hierarchy {hierarchy_path}: {exc}") from None
    names = RegionNames(hierarchy)
    sirens: list[Siren] = []
    unmapped = 0
    try:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise FeedConfigError(f"replay: {csv_path} lacks the columns {', '.join(missing)}")
            for line, row in enumerate(reader, start=2):
                uid = names.resolve(row["oblast"].strip(), row["raion"].strip(), row["hromada"].strip())
                if uid is None:
                    unmapped += 1
                    continue
                try:
                    started = datetime.fromisoformat(row["started_at"].strip())
                    finished = datetime.fromisoformat(row["finished_at"].strip())
                except ValueError:
                    unmapped += 1
                    continue
                started = started if started.tzinfo else started.replace(tzinfo=UTC)
                finished = finished if finished.tzinfo else finished.replace(tzinfo=UTC)
                if finished < started:
                    unmapped += 1
                    continue
                sirens.append(Siren(line, uid, started, finished))
    except OSError as exc:
        raise FeedConfigError(f"replay: cannot read {csv_path}: {exc}") from None
    sirens.sort(key=lambda s: (s.started_at, s.row))
    if unmapped:
        logger.info("replay: %s rows of %s name no known region and are skipped", unmapped, csv_path)
    return SirenHistory(
        sirens=tuple(sirens),
        starts=tuple(s.started_at for s in sirens),
        finishes_sorted=tuple(sorted((s.finished_at, i) for i, s in enumerate(sirens))),
        unmapped=unmapped,
        longest=max((s.finished_at - s.started_at for s in sirens), default=timedelta(0)),
    )


_cache_lock = threading.Lock()
_cache: dict[tuple[str, str, float], SirenHistory] = {}


def history_for(csv_path: Path, hierarchy_path: Path) -> SirenHistory:
    """The parsed file, kept per process (43k rows parse in about a second; polls come every few)."""
    stamp = csv_path.stat().st_mtime if csv_path.exists() else 0.0
    cache_key = (str(csv_path), str(hierarchy_path), stamp)
    with _cache_lock:
        if cache_key not in _cache:
            _cache.clear()
            _cache[cache_key] = load_history(csv_path, hierarchy_path)
        return _cache[cache_key]


def hierarchy_path() -> Path:
    configured = getattr(settings, "REPLAY_HIERARCHY_JSON", None)
    if configured:
        return Path(configured)
    if settings.SEED_DATA_DIR is None:
        raise FeedConfigError("replay: set REPLAY_HIERARCHY_JSON or SEED_DATA_DIR (the region hierarchy)")
    return Path(settings.SEED_DATA_DIR) / "boundaries" / "alert_regions_hierarchy.json"


def _clock_config() -> dict[str, str | float]:
    return {"start": settings.REPLAY_START.isoformat(), "speed": settings.REPLAY_SPEED}


def virtual_time(state: dict[str, Any], now: datetime) -> datetime:
    origin = datetime.fromisoformat(state["origin"])
    start = datetime.fromisoformat(state["start"])
    return start + (now - origin) * float(state["speed"])


def replay_clock() -> dict[str, Any] | None:
    """The drill's clock ({origin, start, speed}: real origin, virtual start), or None before its first poll."""
    source = FeedSource.objects.filter(kind=FeedSource.Kind.REPLAY).first()
    if source is None or "origin" not in source.state:
        return None
    return {key: source.state[key] for key in ("origin", "start", "speed")}


def replay_virtual_now(now: datetime | None = None) -> datetime | None:
    """The replay's current virtual time, for showing "drill — replay of <date>"."""
    clock = replay_clock()
    return None if clock is None else virtual_time(clock, now or timezone.now())


def active_at(history: SirenHistory, moment: datetime) -> list[Siren]:
    """Sirens with started_at ≤ moment < finished_at."""
    upper = bisect_right(history.starts, moment)
    lower = bisect_left(history.starts, moment - history.longest)
    return [s for s in history.sirens[lower:upper] if s.finished_at > moment]


def replay_snapshot(history: SirenHistory, *, previous: datetime | None, virtual_now: datetime) -> FeedSnapshot:
    """What the replay reports at `virtual_now`, given the virtual time of the previous poll."""
    active: dict[tuple[int, str], AlertRecord] = {}
    for siren in active_at(history, virtual_now):
        record = AlertRecord(siren.region_uid, Alert.Kind.AIR_RAID, None, siren.started_at, f"row-{siren.row}")
        key = (siren.region_uid, record.kind)
        # Overlapping rows for one region (dirty data) are one alert: the earlier start wins.
        if key not in active or record.started_at < active[key].started_at:
            active[key] = record
    completed: list[AlertRecord] = []
    ended: dict[str, datetime] = {}
    if previous is not None and previous < virtual_now:
        for finished_at, index in history.finishes_sorted[
            bisect_right(history.finishes_sorted, (previous, len(history.sirens))) : bisect_right(
                history.finishes_sorted, (virtual_now, len(history.sirens))
            )
        ]:
            siren = history.sirens[index]
            key_str = f"row-{siren.row}"
            ended[key_str] = finished_at
            if siren.started_at > previous:
                completed.append(
                    AlertRecord(siren.region_uid, Alert.Kind.AIR_RAID, None, siren.started_at, key_str, finished_at)
                )
    return FeedSnapshot(
        active=tuple(active.values()),
        completed=tuple(completed),
        ended_at_by_key=ended,
        observed_at=virtual_now,
    )


class ReplayAdapter(FeedAdapter):
    kind = FeedSource.Kind.REPLAY

    def fetch(self, *, now: datetime) -> FeedSnapshot:
        csv_name = settings.REPLAY_SIRENS_CSV
        if not csv_name:
            raise FeedConfigError("REPLAY_SIRENS_CSV is not set")
        history = history_for(Path(csv_name), hierarchy_path())
        if not history.sirens:
            raise FeedParseError(f"replay: {csv_name} has no siren that maps to a known region")
        state = dict(self.source.state or {})
        config = _clock_config()
        restart = "origin" not in state or any(state.get(k) != v for k, v in config.items())
        if restart:
            # A new drill (or a changed start or speed): the virtual clock starts again, and the
            # intervals of the previous drill are dropped (they were never real).
            state = {"origin": now.isoformat(), **config}
            previous = None
        else:
            previous = datetime.fromisoformat(state["last_virtual"]) if state.get("last_virtual") else None
        virtual_now = virtual_time(state, now)
        snapshot = replay_snapshot(history, previous=previous, virtual_now=virtual_now)
        state["last_virtual"] = virtual_now.isoformat()
        return FeedSnapshot(
            active=snapshot.active,
            completed=snapshot.completed,
            ended_at_by_key=snapshot.ended_at_by_key,
            observed_at=virtual_now,
            source_updates={"state": state},
            replace_history=restart,
        )
