"""Words and times for people: how a status reads on a page (the same rules the page's script uses)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from alerts.choices import THREATS_OF_LEVEL, ThreatType, threat_types

KYIV = ZoneInfo("Europe/Kyiv")
THREAT_ORDER = list(ThreatType.values)
THREAT_LABELS = dict(ThreatType.choices)
# Threats that leave next to no time (missiles, and the aircraft and bombs that carry or are them):
# the "what to do" block says so. Drones have advice of their own; an unspecified threat has the
# general rule only.
FAST_THREATS: frozenset[str] = frozenset(
    t.value
    for t in (
        ThreatType.BALLISTIC_MISSILES,
        ThreatType.MISSILES,
        ThreatType.CRUISE_MISSILES,
        ThreatType.AVIATION,
        ThreatType.GUIDED_BOMBS,
    )
)

STATE_HEADLINES = {
    "alert": _("Air alert"),
    "partial": _("Alert in part of the region"),
    "clear": _("No alert"),
    "unknown": _("Status unknown"),
}
KIND_LABELS = {
    "air_raid": _("Air alert"),
    "artillery_shelling": _("Artillery shelling threat"),
    "urban_fights": _("Urban fighting threat"),
    "chemical": _("Chemical threat"),
    "nuclear": _("Radiation threat"),
}
LEVEL_LABELS = {
    "red": _("missile threat"),
    "yellow": _("drone threat"),
}
LAST_KNOWN = _("Last known: {threat}, since {time}.")
# The order in which threats are named when several are active at once.
KIND_ORDER = ["nuclear", "chemical", "air_raid", "artillery_shelling", "urban_fights"]
UNKNOWN_REASONS = {
    "no alert feed is enabled": _("No alert source is connected."),
    "no alert feed has answered yet": _("The alert sources have not answered yet."),
    "the alert feeds have not answered recently": _("The alert sources have not answered recently."),
}


def region_name(region: Mapping[str, Any] | Any) -> str:
    """The name in the page's language (English falls back to Ukrainian); a dict or a Region."""
    get = region.get if isinstance(region, Mapping) else (lambda key: getattr(region, key, None))
    if get_language() == "en":
        return str(get("name_en") or get("name_uk") or "")
    return str(get("name_uk") or "")


def parse_iso(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_time(value: str | datetime | None, *, seconds: bool = False) -> str:
    moment = parse_iso(value) if isinstance(value, str) or value is None else value
    return "" if moment is None else date_format(moment.astimezone(KYIV), "H:i:s" if seconds else "H:i")


def local_date(value: str | datetime | None) -> str:
    moment = parse_iso(value) if isinstance(value, str) or value is None else value
    return (
        "" if moment is None else date_format(moment.astimezone(KYIV), "j E Y" if get_language() == "uk" else "j F Y")
    )


def duration(seconds: float) -> str:
    """A short duration: "45 min", "2 h 5 min", "3 d 4 h" (abbreviations need no plural forms)."""
    minutes = max(0, int(seconds // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    h, m, d = pgettext_lazy("hours", "h"), pgettext_lazy("minutes", "min"), pgettext_lazy("days", "d")
    if days:
        return f"{days} {d} {hours} {h}"
    if hours:
        return f"{hours} {h} {mins} {m}"
    return f"{mins} {m}"


def threat_label(alerts: Sequence[Mapping[str, Any]]) -> str:
    kinds = sorted({a["kind"] for a in alerts}, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else 99)
    label = str(KIND_LABELS.get(kinds[0], STATE_HEADLINES["alert"])) if kinds else str(STATE_HEADLINES["alert"])
    levels = {a.get("level") for a in alerts}
    level = "red" if "red" in levels else "yellow" if "yellow" in levels else None
    return f"{label}: {LEVEL_LABELS[level]}" if level else label


def alert_threats(alerts: Sequence[Mapping[str, Any]]) -> list[str]:
    """The threat types of some alerts, most urgent first; an alert without types gives its level's."""
    found: list[object] = []
    for alert in alerts:
        level = alert.get("level")
        found += alert.get("threats") or ([THREATS_OF_LEVEL[level]] if level in THREATS_OF_LEVEL else [])
    return list(threat_types(found))


def threat_advice(types: Sequence[str]) -> list[str]:
    """Which threat-specific advice applies: `fast` (missiles, bombs), `drones`, both or neither."""
    return [
        name for name, applies in (("fast", bool(FAST_THREATS & set(types))), ("drones", "drones" in types)) if applies
    ]


def status_display(status: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """What the banner says for one region's status (see alerts.selectors.status.status_for_region).

    In a drill, durations run on the drill's virtual clock.
    """
    replay = status.get("replay") or {}
    now = parse_iso(replay.get("virtual_now")) or now
    state = status["state"]
    alerts = status["alerts"]
    freshness = status["freshness"]
    region = status["region"]
    display: dict[str, Any] = {
        "state": state,
        "region_name": region_name(region),
        "headline": str(STATE_HEADLINES[state]),
        "details": [],
        "since": local_time(status.get("since")) if status.get("since") else "",
        "delayed": freshness["state"] == "delayed",
        "age_s": freshness.get("age_s"),
        # Absolute, not "N s ago": a copy kept by a cache (served stale while the server is down) or read
        # without JavaScript cannot count on; the script replaces it with the live age.
        "data_time": local_time(freshness.get("last_success_at"), seconds=True),
        "reason": "",
        "replay": bool(status.get("replay")),
        "replay_date": "",
        "threats": [],
        "advice": [],
    }
    if state in ("alert", "partial"):
        types = alert_threats(alerts)
        display["threats"] = [{"type": t, "label": str(THREAT_LABELS[t])} for t in types]
        display["advice"] = threat_advice(types)
    if state == "alert":
        display["headline"] = threat_label(alerts)
        started = parse_iso(status["since"])
        if started is not None:
            display["duration"] = duration((now - started).total_seconds())
    elif state == "partial":
        display["details"] = sorted({region_name({"name_uk": a["name_uk"], "name_en": a["name_en"]}) for a in alerts})
    elif state == "unknown":
        display["reason"] = str(UNKNOWN_REASONS.get(freshness.get("reason", ""), UNKNOWN_REASONS[
            "the alert feeds have not answered recently"
        ]))  # fmt: skip
        if status.get("last_known_state") in ("alert", "partial") and alerts:
            display["last_known"] = str(LAST_KNOWN).format(
                threat=threat_label(alerts), time=local_time(min(a["started_at"] for a in alerts))
            )
    if status.get("replay"):
        display["replay_date"] = local_date(status["replay"].get("virtual_now"))
    return display


CHART_WIDTH = 300
CHART_HEIGHT = 100


def bar_chart(values: Sequence[float]) -> dict[str, Any]:
    """Bars of an SVG chart (viewBox 0 0 300 100) for the values, the largest full height; positions only."""
    top = max(values, default=0) or 1
    step = CHART_WIDTH / max(len(values), 1)
    bars = []
    for index, value in enumerate(values):
        height = round(value / top * CHART_HEIGHT, 2)
        x, width, y = round(index * step + step * 0.1, 2), round(step * 0.8, 2), round(CHART_HEIGHT - height, 2)
        bars.append({"x": x, "width": width, "y": y, "height": height, "value": value})
    return {"bars": bars, "top": max(values, default=0), "width": CHART_WIDTH, "height": CHART_HEIGHT}


def js_strings() -> dict[str, str]:
    """The words the page's script needs, in the page's language."""
    return {
        **{f"state.{key}": str(value) for key, value in STATE_HEADLINES.items()},
        **{f"kind.{key}": str(value) for key, value in KIND_LABELS.items()},
        **{f"level.{key}": str(value) for key, value in LEVEL_LABELS.items()},
        **{f"threat.{key}": str(value) for key, value in THREAT_LABELS.items()},
        "reason.stale": str(UNKNOWN_REASONS["the alert feeds have not answered recently"]),
        "reason.none": str(UNKNOWN_REASONS["no alert feed is enabled"]),
        "reason.waiting": str(UNKNOWN_REASONS["no alert feed has answered yet"]),
        "reason.offline": str(_("No connection to KyivGuide: the status cannot be confirmed.")),
        "last_known": str(LAST_KNOWN),
        "updated": str(_("Updated {age} ago")),
        "since": str(_("since {time}")),
        "seconds": str(pgettext_lazy("seconds", "s")),
        "minutes": str(pgettext_lazy("minutes", "min")),
        "hours": str(pgettext_lazy("hours", "h")),
        "days": str(pgettext_lazy("days", "d")),
        "locating": str(_("Finding your location…")),
        "locate_failed": str(_("Your location is not available. Showing the region chosen below.")),
        "outside": str(_("This place is outside Ukraine's alert regions. Showing Kyiv.")),
        # {names}: the regions near the position, e.g. "Бучанська … громада і Ірпінська … громада".
        "near_border": str(_("Near the border of {names}: the most severe status among them is shown.")),
    }
