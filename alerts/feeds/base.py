"""The contract every upstream alert feed follows.

An adapter has one job: fetch from its upstream with a timeout and a conditional request, and parse
the answer into a FeedSnapshot (the normalised set of active alerts), or say NotModified. Anything
unexpected raises a FeedError subclass; the caller records it and changes no alert. Parsing is pure
(bytes in, records out) so that it is tested against recorded payloads without a network.
"""

from __future__ import annotations

import email.utils
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from django.conf import settings

from alerts.models import FeedSource


@dataclass(frozen=True)
class AlertRecord:
    """One alert as an upstream reports it, in our terms."""

    region_uid: int
    kind: str  # an Alert.Kind value
    level: str | None  # an Alert.Level value, or None when the upstream gives none
    started_at: datetime
    source_key: str  # the upstream's id, or a stable hash when it has none
    ended_at: datetime | None = None
    threats: tuple[str, ...] = ()  # ThreatType values, most urgent first (see threat_types)


@dataclass(frozen=True)
class FeedSnapshot:
    """Everything one successful poll says.

    `active`: the alerts active at `observed_at`. `completed`: whole intervals that began and ended
    since the previous poll (recorded as history). `ended_at_by_key`: end times the upstream knows
    for alerts that are no longer active (otherwise they end when they were last seen missing).
    `observed_at` is the moment described: the fetch time, or the virtual time of a replay.
    `source_updates`: FeedSource fields to store with the result (conditional-request state).
    """

    active: tuple[AlertRecord, ...]
    completed: tuple[AlertRecord, ...] = ()
    ended_at_by_key: Mapping[str, datetime] = field(default_factory=dict)
    observed_at: datetime | None = None
    source_updates: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # The source's earlier alerts no longer hold (a drill restarted from another moment).
    replace_history: bool = False


@dataclass(frozen=True)
class NotModified:
    """The upstream says nothing changed since the previous poll: a successful poll."""

    source_updates: Mapping[str, Any] = field(default_factory=dict)


class FeedError(Exception):
    """A poll failed; no alert is changed. `code` is a short machine-readable reason."""

    code = "error"


class FeedTimeout(FeedError):
    code = "timeout"


class FeedNetworkError(FeedError):
    code = "network"


class FeedHTTPError(FeedError):
    code = "http"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class FeedRateLimited(FeedHTTPError):
    code = "rate_limited"

    def __init__(self, retry_after_s: float, message: str) -> None:
        super().__init__(429, message)
        self.retry_after_s = retry_after_s


class FeedParseError(FeedError):
    code = "parse"


class FeedTooLarge(FeedError):
    code = "too_large"


class FeedConfigError(FeedError):
    code = "config"


def parse_time(value: Any, what: str) -> datetime:
    """An upstream timestamp (ISO 8601, `Z` or offset; naive means UTC) as an aware datetime."""
    if not isinstance(value, str) or not value.strip():
        raise FeedParseError(f"{what}: expected a timestamp, got {value!r}")
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FeedParseError(f"{what}: not an ISO 8601 timestamp: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_retry_after(value: str | None, *, now: datetime, default_s: float = 60.0) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), bounded to 1 s … 1 h."""
    if not value:
        return default_s
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default_s
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 1.0), 3600.0)


class FeedAdapter(ABC):
    """One upstream. Subclasses set `kind` and implement `fetch`."""

    kind: ClassVar[str]
    # True when the upstream's keys name one interval each, so that a new key for a region that
    # is still under alert means the old alert ended and a new one began between two polls.
    keys_identify_intervals: ClassVar[bool] = True

    def __init__(self, source: FeedSource) -> None:
        self.source = source

    @abstractmethod
    def fetch(self, *, now: datetime) -> FeedSnapshot | NotModified: ...


# No upstream answer comes near this (an alerts.in.ua list of every region is ~1 MB): a larger body
# is a fault, refused before it is read into the worker's memory.
MAX_BODY_BYTES = 10 * 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class FeedResponse:
    """An upstream's answer, its body read whole (and bounded)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


def http_get(url: str, *, headers: Mapping[str, str], now: datetime) -> FeedResponse:
    """GET with the configured connect/read timeouts and a body cap; network trouble becomes a FeedError."""
    timeout = (settings.ALERT_HTTP_CONNECT_TIMEOUT, settings.ALERT_HTTP_READ_TIMEOUT)
    # The read timeout bounds each read, not the whole body: a body that trickles in must still end
    # in bounded time (a poll holds its feed's lease meanwhile), so the whole request gets both timeouts at most.
    deadline = time.monotonic() + sum(timeout)
    try:
        response = requests.get(url, headers=dict(headers), timeout=timeout, allow_redirects=False, stream=True)
    except requests.Timeout as exc:
        raise FeedTimeout(f"GET {url}: timed out ({exc.__class__.__name__})") from None
    except requests.RequestException as exc:
        raise FeedNetworkError(f"GET {url}: {exc.__class__.__name__}: {exc}") from None
    with response:
        if response.status_code == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"), now=now)
            raise FeedRateLimited(wait, f"GET {url}: 429 Too Many Requests, retry after {wait:.0f} s")
        if response.status_code not in (200, 304):
            raise FeedHTTPError(response.status_code, f"GET {url}: HTTP {response.status_code}")
        content = _read_capped(response, url, deadline)
    return FeedResponse(response.status_code, response.headers, content)


def _read_capped(response: requests.Response, url: str, deadline: float) -> bytes:
    declared = (response.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise FeedTooLarge(f"GET {url}: Content-Length {declared} is over the {MAX_BODY_BYTES}-byte cap")
    chunks: list[bytes] = []
    size = 0
    try:
        # Counted as decoded: a compressed body is capped by what it becomes, not by what it weighs.
        for chunk in response.iter_content(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise FeedTooLarge(f"GET {url}: body over the {MAX_BODY_BYTES}-byte cap; not read further")
            if time.monotonic() > deadline:
                raise FeedTimeout(f"GET {url}: timed out (the body took longer than the timeouts allow)")
            chunks.append(chunk)
    except requests.Timeout as exc:
        raise FeedTimeout(f"GET {url}: timed out ({exc.__class__.__name__})") from None
    except requests.RequestException as exc:
        raise FeedNetworkError(f"GET {url}: {exc.__class__.__name__}: {exc}") from None
    return b"".join(chunks)
