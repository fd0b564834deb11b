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
from shelters.models import Protection, ShelterKind, ShelterStatus

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
