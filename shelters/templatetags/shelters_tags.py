"""`{% shelters_client_config %}`: what the shelters JavaScript needs, as a JSON block in the page.

The browser code has no translation catalogue of its own: its strings, the labels of kinds and
statuses, the API and page URLs and the map tiles come from here, in the page's language.
"""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from kyivguide.plurals import plural_forms
from shelters.geo import EARTH_RADIUS_M
from shelters.hours import DETOUR_FACTOR, SCHOOL_CLOSES, SCHOOL_OPENS, WALKING_SPEED_M_PER_MIN
from shelters.models import Protection, ReportKind, ShelterKind, ShelterStatus

register = template.Library()


def client_strings() -> dict[str, Any]:
    return {
        "metres": _("{n} m"),
        "kilometres": _("{n} km"),
        "walk": _("{n} min on foot"),
        "hoursAlways": _("Open around the clock"),
        "hoursUnknown": _("Hours not published"),
        "hoursSchool": _("School hours, pupils only"),
        "hoursSchedule": _("Open {from}–{to}"),
        "accessible": _("Wheelchair accessible"),
        "notAccessible": _("No ramp"),
        "accessUnknown": _("Wheelchair access unknown"),
        "directions": _("Directions"),
        "geo": _("Maps app"),
        "osm": _("OpenStreetMap route"),
        "locating": _("Finding your location…"),
        "locationDenied": _("Location is off. Allow location for this site, or search by address."),
        "locationUnavailable": _("Could not get your location. Try again, or search by address."),
        "loading": _("Loading shelters…"),
        "loadFailed": _("Could not load the shelter list. Check your connection and try again."),
        "offline": _("No connection to the server: nearest shelters worked out on this phone from the saved list."),
        "none": _("No shelter matches these filters."),
        "tilesFailed": _("Map images are not loading. The list of shelters below works without them."),
        "youAreHere": _("You are here"),
        # Plural forms by CLDR category, chosen in the browser with Intl.PluralRules (shelters-core.js).
        "cluster": plural_forms(lambda n: ngettext("{n} shelter: zoom in", "{n} shelters: zoom in", n)),
        "searchNone": _("No shelter at such an address."),
        "nearestTitle": _("Nearest shelters"),
        "foundTitle": _("Shelters at this address"),
    }


@register.simple_tag
def shelters_client_config() -> SafeString:
    leaflet: dict[str, Any] = settings.LEAFLET_CONFIG
    config: dict[str, Any] = {
        "lang": get_language(),
        "api": {"nearest": reverse("shelters-api-nearest"), "geojson": reverse("shelters-api-geojson")},
        "detailUrl": reverse("shelters:detail", args=[0]),
        "tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        "center": list(cast("tuple[float, float]", leaflet["DEFAULT_CENTER"])),
        "zoom": leaflet["DEFAULT_ZOOM"],
        "walking": {"speed": WALKING_SPEED_M_PER_MIN, "detour": DETOUR_FACTOR, "earthRadius": EARTH_RADIUS_M},
        "school": {"opens": SCHOOL_OPENS.strftime("%H:%M"), "closes": SCHOOL_CLOSES.strftime("%H:%M")},
        "kinds": {str(value): str(label) for value, label in ShelterKind.choices},
        "protections": {str(value): str(label) for value, label in Protection.choices if value},
        "statuses": {str(value): str(label) for value, label in ShelterStatus.choices},
        "strings": client_strings(),
    }
    return json_script(config, "shelters-config")


# The numbers that pick each plural form of a language, in the order of its gettext forms: the
# report JavaScript (static/js/shelter-report.js) applies the same language's rule to choose one.
PLURAL_SAMPLES = {"uk": (1, 2, 5), "en": (1, 2)}


def reported_text(kind: str, minutes: int) -> str:
    """ "Reported locked 5 minutes ago, not confirmed" (`kind` locked or closed); `{n}` left for the browser."""
    if kind == "locked":
        return ngettext(
            "Reported locked {n} minute ago, not confirmed", "Reported locked {n} minutes ago, not confirmed", minutes
        )
    return ngettext(
        "Reported closed {n} minute ago, not confirmed", "Reported closed {n} minutes ago, not confirmed", minutes
    )


def report_count_text(count: int) -> str:
    return ngettext("{n} report", "{n} reports", count)


def report_client_config() -> dict[str, Any]:
    samples = PLURAL_SAMPLES.get(get_language() or "uk", PLURAL_SAMPLES["uk"])
    return {
        "lang": get_language(),
        "reportUrl": reverse("shelters:report", args=[0]),
        "kinds": {str(value): str(label) for value, label in ReportKind.choices},
        "plurals": {
            "reportedLocked": [reported_text("locked", n) for n in samples],
            "reportedClosed": [reported_text("closed", n) for n in samples],
            "reportCount": [report_count_text(n) for n in samples],
        },
        "strings": {
            "report": _("Report a problem"),
            "sending": _("Sending your report…"),
            "sent": _("Thank you: your report was sent. Staff will check it."),
            "queued": _(
                "You are offline: the report is saved on this phone and will be sent when you are back online."
            ),
            "queuedSent": _("You are back online: your saved report was sent."),
            "limited": _("This shelter was reported from your connection a moment ago; try again later."),
            "failed": _("The report could not be sent. Try again, or call 101."),
        },
    }


@register.simple_tag
def shelter_report_config() -> SafeString:
    return json_script(report_client_config(), "report-config")


@register.simple_tag
def shelter_reported_text(kind: str, minutes: int) -> str:
    return reported_text(kind, minutes).format(n=minutes)


@register.simple_tag
def shelter_report_count(count: int) -> str:
    return report_count_text(count).format(n=count)


@register.filter
def report_kind_label(kind: str | None) -> str:
    return str(ReportKind(kind).label) if kind in ReportKind.values else ""
