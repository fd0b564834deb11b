"""The status banner on the home page, and the pages about alerts: now, by oblast, and history."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from alerts.models import Region
from alerts.presentation import (
    FAST_THREATS,
    KYIV,
    THREAT_LABELS,
    THREAT_ORDER,
    alert_threats,
    bar_chart,
    duration,
    js_strings,
    local_date,
    local_time,
    parse_iso,
    region_name,
    status_display,
    threat_label,
)
from alerts.selectors.alerts import alerts_history
from alerts.selectors.history import Period, default_window, region_history_buckets
from alerts.selectors.regions import (
    DEFAULT_REGION_UID,
    RegionBrief,
    region_chain,
    region_chain_by_uid,
    region_get,
    regions_picker_options,
)
from alerts.selectors.status import StatusRead, status_for_region, status_read
from kyivguide.http import STATUS, cache_policy

# How often an open page asks for the status, in seconds (a random moment in this range, so that
# phones opened together do not poll together).
POLL_SECONDS = (10, 15)


MAP_UNKNOWN = _("Status unknown: the alert sources have not answered recently.")
MAP_NONE = _("No region of Ukraine is under alert right now.")

# Kyiv is this app's city: its banner is shown even before any region is imported.
KYIV_BRIEF: RegionBrief = {
    "uid": DEFAULT_REGION_UID,
    "name_uk": "м. Київ",
    "name_en": "Kyiv",
    "kind": "city",
    "parent": None,
}


def _chosen_chain(request: HttpRequest) -> tuple[list[RegionBrief], bool]:
    """The chain of the region asked for with ?region=, else Kyiv's; and whether the asked-for one was unusable."""
    raw = request.GET.get("region")
    if raw:
        try:
            uid = int(raw)
        except ValueError:
            uid = None
        chain = region_chain_by_uid(uid=uid) if uid is not None else None
        if chain is not None:
            return chain, False
    return region_chain_by_uid(uid=DEFAULT_REGION_UID) or [KYIV_BRIEF], bool(raw)


def _safe_json(raw: bytes) -> str:
    """JSON text that can sit inside <script> whatever the data holds (advisory texts are user input)."""
    return raw.decode().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _poll_config(read: StatusRead) -> dict[str, Any]:
    """What a page's script needs to keep polling the status and ageing its data (status-rules.js)."""
    return {
        "statusUrl": reverse("api-status"),
        "etag": read.etag,
        "ageAtRender": read.freshness.age_s,
        # When the page was made: a copy kept by the service worker must age from then.
        "renderedAt": int(read.now.timestamp() * 1000),
        "freshS": settings.ALERT_FRESH_SECONDS,
        "unknownS": settings.ALERT_UNKNOWN_SECONDS,
        "pollS": list(POLL_SECONDS),
    }


def status_page_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the home page needs for the banner, server-rendered, and for its script."""
    chain, bad_region = _chosen_chain(request)
    read = status_read()
    status = status_for_region(read=read, chain=chain)
    return {
        "status": status,
        "display": status_display(status, now=read.now),
        "bad_region": bad_region,
        "picker_options": regions_picker_options(language=get_language(), selected=chain[0]["uid"]),
        "region_uids": [entry["uid"] for entry in chain],
        "status_document_json": _safe_json(read.body()),
        "status_config": {
            "region": chain,
            **_poll_config(read),
            "regionStatusUrl": reverse("api-region-status", args=[0]).removesuffix("0"),
            "locateUrl": reverse("api-locate"),
            "language": get_language(),
            "strings": js_strings(),
            "threatOrder": THREAT_ORDER,
            "fastThreats": sorted(FAST_THREATS),
        },
    }


@cache_policy(STATUS)
def alerts_now(request: HttpRequest) -> HttpResponse:
    """Every region under alert now, grouped by oblast, with how long each alert has lasted."""
    read: StatusRead = status_read()
    document = read.snapshot.document()
    alerts = document["alerts"]
    now = read.replay_now() or read.now  # a drill runs on its own clock
    tops = {r.uid: r for r in Region.objects.filter(uid__in={a["chain"][-1] for a in alerts}).defer("geometry")}
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for alert in alerts:
        started = parse_iso(alert["started_at"])
        groups[alert["chain"][-1]].append(
            {
                **alert,
                "name": region_name(alert),
                "threat": threat_label([alert]) if alert["kind"] != "air_raid" or alert["level"] else "",
                "threats": [{"type": t, "label": THREAT_LABELS[t]} for t in alert_threats([alert])],
                "since": local_time(started),
                "duration": duration((now - started).total_seconds()) if started else "",
            }
        )
    grouped: list[dict[str, Any]] = [
        {
            "oblast": tops.get(uid),
            "name": region_name(tops[uid]) if uid in tops else str(uid),
            "alerts": sorted(items, key=lambda a: str(a["name"])),
        }
        for uid, items in groups.items()
    ]
    grouped.sort(key=lambda group: str(group["name"]))
    context = {
        "groups": grouped,
        "count": len(alerts),
        "map_names": sorted({str(region_name(alert)) for alert in alerts}),
        "status_document_json": _safe_json(read.body()),
        "alerts_map_config": {
            "layerUrl": reverse("api-regions-map"),
            **_poll_config(read),
            "language": get_language(),
            "strings": {"unknown": str(MAP_UNKNOWN), "none": str(MAP_NONE)},
        },
        "freshness": read.freshness,
        "replay_date": local_date(read.replay_now()) if document["replay"] else "",
    }
    return render(request, "alerts/now.html", context)


def _history_context(request: HttpRequest, *, chain: list[RegionBrief], now: datetime) -> dict[str, Any]:
    """The charts and table of a region's history: the last 30 days, or 12 weeks with ?period=week."""
    period: Period = "week" if request.GET.get("period") == "week" else "day"
    since, until = default_window(period=period, until=timezone.localdate(now, KYIV))
    buckets = region_history_buckets(chain=[c["uid"] for c in chain], since=since, until=until, period=period, now=now)
    rows = [
        {"label": local_date(datetime.combine(b.start, time(12), tzinfo=KYIV)), "alerts": b.alerts,
         "hours": b.hours_under_alert}
        for b in buckets
    ]  # fmt: skip
    charts = {
        "alerts": bar_chart([b.alerts for b in buckets]),
        "hours": bar_chart([b.hours_under_alert for b in buckets]),
    }
    for name, chart in charts.items():
        for bar, row in zip(chart["bars"], rows, strict=True):
            bar["label"] = f"{row['label']}: {row[name]}"
    return {"period": period, "rows": rows, "charts": charts}


@cache_policy(STATUS)
def region_history(request: HttpRequest, uid: int) -> HttpResponse:
    """The alerts a region lived through (its own and its ancestors'), newest first."""
    region = region_get(uid=uid)
    if region is None:
        raise Http404("No such region")
    chain = region_chain(region=region)
    read = status_read()
    status = status_for_region(read=read, chain=chain)
    alerts = alerts_history(region=region, include_active=True, include_ancestors=True).filter(source__enabled=True)
    page = Paginator(alerts.defer("region__geometry"), 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "alert": alert,
            "region_name": region_name(alert.region),
            "date": local_date(alert.started_at),
            "start": local_time(alert.started_at),
            "end": local_time(alert.ended_at) if alert.ended_at else "",
            "duration": duration(((alert.ended_at or (read.replay_now() or now)) - alert.started_at).total_seconds()),
        }
        for alert in page
    ]
    context = {
        "history": _history_context(request, chain=chain, now=read.replay_now() or now),
        "region": region,
        "region_name": region_name(chain[0]),
        "chain": [{"uid": c["uid"], "name": region_name(c)} for c in chain[1:]],
        "display": status_display(status, now=read.now),
        "page": page,
        "rows": rows,
    }
    return render(request, "alerts/history.html", context)
