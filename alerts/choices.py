"""The public vocabulary of the alerts app: region kinds, feed kinds, alert kinds and levels, severities.

The models use these as their choices (`Region.Kind` is `RegionKind`); the API validates and documents
its parameters with them without importing the models.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    OBLAST = "oblast", _("oblast")
    CITY = "city", _("city")
    RAION = "raion", _("raion")
    HROMADA = "hromada", _("hromada")


class FeedKind(models.TextChoices):
    ALERTS_IN_UA = "alerts_in_ua", "alerts.in.ua"
    UKRAINEALARM = "ukrainealarm", "api.ukrainealarm.com"
    REPLAY = "replay", _("replay of the siren history (drill)")


class AlertKind(models.TextChoices):
    AIR_RAID = "air_raid", _("air raid")
    ARTILLERY_SHELLING = "artillery_shelling", _("artillery shelling")
    URBAN_FIGHTS = "urban_fights", _("urban fights")
    CHEMICAL = "chemical", _("chemical threat")
    NUCLEAR = "nuclear", _("nuclear threat")


class AlertLevel(models.TextChoices):
    RED = "red", _("red (missile threat)")
    YELLOW = "yellow", _("yellow (drone threat)")


class AdvisorySeverity(models.TextChoices):
    INFO = "info", _("information")
    WARNING = "warning", _("warning")
    DANGER = "danger", _("danger")
    EXTREME = "extreme", _("extreme danger")


class ThreatType(models.TextChoices):
    """What is coming, as the upstreams say it (alerts.in.ua `threats[].threat_type`, ukrainealarm's levels).

    In order of how little time it leaves; a type this app does not know is kept as `unspecified`.
    """

    BALLISTIC_MISSILES = "ballistic_missiles", _("ballistic missiles")
    MISSILES = "missiles", _("missiles")
    CRUISE_MISSILES = "cruise_missiles", _("cruise missiles")
    AVIATION = "aviation", _("combat aircraft (MiG-31K take-off)")
    GUIDED_BOMBS = "guided_bombs", _("guided aerial bombs")
    DRONES = "drones", _("attack drones")
    UNSPECIFIED = "unspecified", _("unspecified threat")


# The upstreams' names for a threat type (lower case; alerts.in.ua's `threat_type` values, and the
# kinds the national level names: red = missiles, yellow = drones).
_THREAT_ALIASES = {
    "ballistic_missiles": ThreatType.BALLISTIC_MISSILES,
    "ballistic": ThreatType.BALLISTIC_MISSILES,
    "missiles": ThreatType.MISSILES,
    "missile": ThreatType.MISSILES,
    "cruise_missiles": ThreatType.CRUISE_MISSILES,
    "cruise": ThreatType.CRUISE_MISSILES,
    "mig31k_departure": ThreatType.AVIATION,
    "aviation": ThreatType.AVIATION,
    "guided_aerial_bombs": ThreatType.GUIDED_BOMBS,
    "guided_bombs": ThreatType.GUIDED_BOMBS,
    "kab": ThreatType.GUIDED_BOMBS,
    "drones": ThreatType.DRONES,
    "drone": ThreatType.DRONES,
    "shahed": ThreatType.DRONES,
}
_THREAT_ORDER = list(ThreatType.values)
THREATS_OF_LEVEL = {"red": ThreatType.MISSILES.value, "yellow": ThreatType.DRONES.value}


def threat_types(names: Iterable[object]) -> tuple[str, ...]:
    """The upstream's threat names as ThreatType values, once each, most urgent first.

    A name this app does not know (a new type, a typo, not a string) is kept as `unspecified`: a
    threat the upstream reported is never dropped.
    """
    found = {
        _THREAT_ALIASES.get(name.strip().lower(), ThreatType.UNSPECIFIED).value
        if isinstance(name, str)
        else ThreatType.UNSPECIFIED.value
        for name in names
    }
    return tuple(sorted(found, key=_THREAT_ORDER.index))
