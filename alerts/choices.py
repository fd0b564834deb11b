"""The public vocabulary of the alerts app: region kinds, feed kinds, alert kinds and levels, severities.

The models use these as their choices (`Region.Kind` is `RegionKind`); the API validates and documents
its parameters with them without importing the models.
"""

from __future__ import annotations

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
