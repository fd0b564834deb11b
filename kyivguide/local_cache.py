"""Every value a web process keeps in its own memory, each with the one setting that governs it.

Three things are needed by nearly every busy request and change rarely, so each process keeps its
own copy instead of asking Redis or PostgreSQL each time:

- `STATUS_SNAPSHOT`: the published status snapshot read from Redis (`alerts.selectors.status`),
  kept `STATUS_CACHE_SECONDS` (`0`: Redis on every read).
- `STATUS_RESPONSE`: `GET /api/v1/status`'s body and headers (`alerts.api.status`), kept while the
  snapshot and the second are the same; `STATUS_RESPONSE_CACHE=0` renders every request.
- `REGION_PICKER`: the home page's region picker as HTML, per language (`alerts.selectors.regions`),
  kept until the regions change (checked on every page); `REGION_PICKER_CACHE=0` renders every page.

One more lives with its only user: the nearest search's index of the listed shelters
(`shelters/selectors/shelter_index.py`), a data structure rather than a value, rebuilt when the
catalogue version changes, which it looks at once a second (`CHECK_SECONDS`: an answer lags a staff
change by a second at most).

None of them can say something the shared state does not: the snapshot copy is at most
`STATUS_CACHE_SECONDS` old and freshness is computed on every read; the other two are keyed by what they are made from.
What several processes must agree on lives in Redis, never here. A value is replaced whole, never
changed in place, so threads need no lock: at worst two threads build the same value once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.conf import settings

V = TypeVar("V")


class Expiring(Generic[V]):
    """One value, kept for the number of seconds its setting says (from `at`, a `time.monotonic()`)."""

    def __init__(self, *, setting: str) -> None:
        self.setting = setting
        self._kept: tuple[float, V] | None = None

    def get(self, *, now: float, max_age_s: float | None = None) -> V | None:
        kept = self._kept
        max_age = getattr(settings, self.setting) if max_age_s is None else max_age_s
        if kept is not None and now - kept[0] < max_age:
            return kept[1]
        return None

    def put(self, value: V, *, at: float) -> None:
        self._kept = (at, value)

    def forget(self) -> None:
        self._kept = None


class Versioned(Generic[V]):
    """Values kept while what they are made from is unchanged: per slot, the latest version only.

    Its setting switches it off (every `get` builds), to see what the cache saves or rule it out.
    """

    def __init__(self, *, setting: str) -> None:
        self.setting = setting
        self._entries: dict[Hashable, tuple[Hashable, V]] = {}

    def get(self, version: Hashable, build: Callable[[], V], *, slot: Hashable = None) -> V:
        if not getattr(settings, self.setting):
            return build()
        entry = self._entries.get(slot)
        if entry is not None and entry[0] == version:
            return entry[1]
        value = build()
        self._entries[slot] = (version, value)
        return value

    def forget(self) -> None:
        self._entries = {}


# Typed by their users (`Expiring[Snapshot]`…): kyivguide does not import the apps' types.
STATUS_SNAPSHOT: Expiring[Any] = Expiring(setting="STATUS_CACHE_SECONDS")
STATUS_RESPONSE: Versioned[Any] = Versioned(setting="STATUS_RESPONSE_CACHE")
REGION_PICKER: Versioned[Any] = Versioned(setting="REGION_PICKER_CACHE")

CACHES: dict[str, Expiring[Any] | Versioned[Any]] = {
    "STATUS_SNAPSHOT": STATUS_SNAPSHOT,
    "STATUS_RESPONSE": STATUS_RESPONSE,
    "REGION_PICKER": REGION_PICKER,
}
