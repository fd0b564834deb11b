"""CAP 1.2 (OASIS Common Alerting Protocol) documents for advisories.

Each advisory row issued one message when it was published: an Alert, or an Update when it replaced
an earlier version (`references` then lists the earlier messages). A withdrawn row's current
message is a Cancel that references every message of its thread, the original first. Identifiers
are derived from the row id, so a message is the same document whenever it is fetched.

Text goes in as XML text nodes (lxml escapes it); nothing from an advisory is ever parsed as markup.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.gis.geos import LinearRing, MultiPolygon, Polygon
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from alerts.models import Advisory, Region

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_CONTENT_TYPE = "application/cap+xml"
# The geocode naming a region by the location id that alerts.in.ua and api.ukrainealarm.com share.
GEOCODE_VALUE_NAME = "ua-air-alert-location-uid"
COUNTRY_VALUE_NAME = "ISO 3166-1 alpha-2"
# Our languages and the RFC 3066 codes CAP receivers expect.
INFO_LANGUAGES = (("uk", "uk-UA"), ("en", "en-US"))

_SEVERITY = {
    Advisory.Severity.INFO: "Minor",
    Advisory.Severity.WARNING: "Moderate",
    Advisory.Severity.DANGER: "Severe",
    Advisory.Severity.EXTREME: "Extreme",
}
# Advisories come from authorities acting on their own information; how sure they are follows the
# level they chose.
_CERTAINTY = {
    Advisory.Severity.INFO: "Unknown",
    Advisory.Severity.WARNING: "Possible",
    Advisory.Severity.DANGER: "Likely",
    Advisory.Severity.EXTREME: "Likely",
}
_URGENCY = {
    Advisory.Severity.INFO: "Future",
    Advisory.Severity.WARNING: "Expected",
    Advisory.Severity.DANGER: "Immediate",
    Advisory.Severity.EXTREME: "Immediate",
}
_RESPONSE_TYPE = {
    Advisory.Response.SHELTER: "Shelter",
    Advisory.Response.PREPARE: "Prepare",
    Advisory.Response.AVOID: "Avoid",
    Advisory.Response.EVACUATE: "Evacuate",
    Advisory.Response.MONITOR: "Monitor",
    Advisory.Response.NONE: "None",
}

# Receivers commonly cap a CAP polygon at 100 points (and reject huge areas): boundaries are
# simplified below that, small islands dropped, and at most this many parts kept per region.
MAX_POLYGON_POINTS = 100
MAX_POLYGONS_PER_AREA = 10
_MIN_PART_SHARE = 0.01
_COORDINATE_DECIMALS = 5  # about a metre


class CapMessageType:
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sent: datetime
    msg_type: str

    def reference(self) -> str:
        return f"{settings.CAP_SENDER},{self.identifier},{cap_time(self.sent)}"


def cap_time(moment: datetime) -> str:
    """Kyiv time with its offset, to the second: CAP forbids "Z" and fractions of a second."""
    local = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(microsecond=0)
    return local.isoformat()


def cap_identifier(advisory_id: int, *, cancel: bool = False) -> str:
    return f"{settings.CAP_IDENTIFIER_PREFIX}-advisory-{advisory_id}" + ("-cancel" if cancel else "")


def cap_messages(advisory: Advisory) -> list[CapMessage]:
    """The messages this row issued: its Alert or Update, then its Cancel if it was withdrawn."""
    if advisory.published_at is None:
        return []
    kind = CapMessageType.UPDATE if advisory.supersedes_id else CapMessageType.ALERT
    messages = [CapMessage(cap_identifier(advisory.pk), advisory.published_at, kind)]
    if advisory.status == Advisory.Status.WITHDRAWN and advisory.withdrawn_at is not None:
        messages.append(CapMessage(cap_identifier(advisory.pk, cancel=True), advisory.withdrawn_at, "Cancel"))
    return messages


def cap_current_message(advisory: Advisory) -> CapMessage:
    messages = cap_messages(advisory)
    if not messages:
        raise ValueError(f"advisory {advisory.pk} was never published: it has no CAP message")
    return messages[-1]


# --- Geometry -------------------------------------------------------------------------------------------


def _ring_points(ring: LinearRing) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for x, y, *_rest in ring.coords:
        point = (round(y, _COORDINATE_DECIMALS), round(x, _COORDINATE_DECIMALS))
        if not points or points[-1] != point:
            points.append(point)
    return points


def _simplified_outline(polygon: Polygon) -> list[tuple[float, float]] | None:
    """The outer ring as (lat, lon) points, simplified until it has at most MAX_POLYGON_POINTS."""
    outline = Polygon(polygon.exterior_ring)
    tolerance = 0.0
    for _attempt in range(30):
        shape = outline if tolerance == 0 else outline.simplify(tolerance, preserve_topology=True)
        if isinstance(shape, Polygon) and not shape.empty:
            points = _ring_points(shape.exterior_ring)
            if points and points[0] != points[-1]:
                points.append(points[0])
            if 4 <= len(points) <= MAX_POLYGON_POINTS:
                return points
        tolerance = tolerance * 2 if tolerance else 0.0005
    return None


def cap_polygons(geometry: MultiPolygon | Polygon | None) -> list[str]:
    """CAP polygons ("lat,lon" pairs, closed rings) for a boundary.

    CAP polygons have no holes, so an oblast around a city (Kyiv oblast) covers the city too: the
    geocode is what names the region exactly.
    """
    if geometry is None or geometry.empty:
        return []
    parts = [geometry] if isinstance(geometry, Polygon) else [part for part in geometry if isinstance(part, Polygon)]
    if not parts:
        return []
    parts.sort(key=lambda part: part.area, reverse=True)
    largest = parts[0].area
    polygons = []
    for part in parts[:MAX_POLYGONS_PER_AREA]:
        if part.area < largest * _MIN_PART_SHARE:
            break
        points = _simplified_outline(part)
        if points is not None:
            polygons.append(" ".join(f"{lat},{lon}" for lat, lon in points))
    return polygons


# --- The document ----------------------------------------------------------------------------------------


def _element(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NAMESPACE}}}{name}")
    if text is not None:
        element.text = text
    return element


def _instruction(advisory: Advisory, *, cancelled: bool) -> str:
    if cancelled:
        return _("This advisory no longer applies. Keep following the air-raid sirens and official channels.")
    return {
        Advisory.Response.SHELTER: _(
            "Go to the nearest shelter now. If you cannot reach one, stay indoors behind two walls, away from "
            "windows, in a corridor or a bathroom."
        ),
        Advisory.Response.PREPARE: _(
            "Prepare now: know the way to your nearest shelter and keep your documents, water, medicines and "
            "a charged phone ready."
        ),
        Advisory.Response.AVOID: _("Stay away from the area this advisory names."),
        Advisory.Response.EVACUATE: _("Leave the area as the authorities direct."),
        Advisory.Response.MONITOR: _("Follow official channels for updates."),
        Advisory.Response.NONE: _("Follow official channels for updates."),
    }[Advisory.Response(advisory.response)]


def _area(info: etree._Element, region: Region | None) -> None:
    area = _element(info, "area")
    if region is None:
        _element(area, "areaDesc", _("All of Ukraine"))
        geocode = _element(area, "geocode")
        _element(geocode, "valueName", COUNTRY_VALUE_NAME)
        _element(geocode, "value", "UA")
        return
    _element(area, "areaDesc", str(region.name))
    for polygon in cap_polygons(region.geometry):
        _element(area, "polygon", polygon)
    geocode = _element(area, "geocode")
    _element(geocode, "valueName", GEOCODE_VALUE_NAME)
    _element(geocode, "value", str(region.pk))


def _info(alert: etree._Element, advisory: Advisory, *, cap_language: str, page_url: str, cancelled: bool) -> None:
    info = _element(alert, "info")
    _element(info, "language", cap_language)
    _element(info, "category", "Safety")
    _element(info, "event", _("Official advisory"))
    if not cancelled:
        _element(info, "responseType", _RESPONSE_TYPE[Advisory.Response(advisory.response)])
    severity = Advisory.Severity(advisory.severity)
    _element(info, "urgency", "Past" if cancelled else _URGENCY[severity])
    _element(info, "severity", _SEVERITY[severity])
    _element(info, "certainty", _CERTAINTY[severity])
    if advisory.effective_at is not None:
        _element(info, "effective", cap_time(advisory.effective_at))
    if advisory.expires_at is not None:
        _element(info, "expires", cap_time(advisory.expires_at))
    _element(info, "senderName", advisory.source_name)
    title = str(advisory.title)
    body = str(advisory.body)
    if cancelled:
        title = _("Withdrawn: %(title)s") % {"title": title}
        withdrawn = _("This advisory has been withdrawn.")
        reason = advisory.withdrawal_reason.strip()
        body = f"{withdrawn}\n\n{reason}\n\n{body}" if reason else f"{withdrawn}\n\n{body}"
    source = _("Source: %(name)s") % {"name": advisory.source_name}
    if advisory.source_url:
        source = f"{source} ({advisory.source_url})"
    _element(info, "headline", title)
    _element(info, "description", f"{body}\n\n{source}")
    _element(info, "instruction", _instruction(advisory, cancelled=cancelled))
    _element(info, "web", page_url)
    areas: list[Region | None] = list(advisory.regions.all()) or [None]
    for region in areas:
        _area(info, region)


def cap_document(*, advisory: Advisory, earlier: Sequence[Advisory], page_urls: dict[str, str]) -> bytes:
    """The current CAP message of a public advisory, as UTF-8 XML.

    `earlier` are the versions it replaced, the original first (see advisory_earlier_versions);
    `page_urls` maps our language codes to the absolute page addresses.
    """
    message = cap_current_message(advisory)
    cancelled = message.msg_type == CapMessageType.CANCEL
    if cancelled:
        referenced = [m for version in earlier for m in cap_messages(version)] + cap_messages(advisory)[:-1]
    else:
        referenced = [m for version in earlier for m in cap_messages(version)]

    alert = etree.Element(f"{{{CAP_NAMESPACE}}}alert", nsmap={None: CAP_NAMESPACE})
    _element(alert, "identifier", message.identifier)
    _element(alert, "sender", settings.CAP_SENDER)
    _element(alert, "sent", cap_time(message.sent))
    _element(alert, "status", "Exercise" if advisory.is_exercise else "Actual")
    _element(alert, "msgType", message.msg_type)
    _element(alert, "scope", "Public")
    if cancelled and advisory.withdrawal_reason.strip():
        _element(alert, "note", advisory.withdrawal_reason.strip())
    elif advisory.is_exercise:
        _element(alert, "note", "Exercise: this message is part of a drill.")
    if referenced:
        _element(alert, "references", " ".join(m.reference() for m in referenced))
    # Every message of one advisory and its updates belongs to one incident: the original.
    original = earlier[0] if earlier else advisory
    _element(alert, "incidents", cap_identifier(original.pk))
    for language, cap_language in INFO_LANGUAGES:
        with translation.override(language):
            _info(alert, advisory, cap_language=cap_language, page_url=page_urls[language], cancelled=cancelled)
    document: bytes = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return document
