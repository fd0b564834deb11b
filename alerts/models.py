"""Alert regions, alert intervals and the upstream feeds they come from."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An alert region, identified by the location id shared by alerts.in.ua and api.ukrainealarm.com.

    Oblasts (and the cities with oblast status: Kyiv 31, Sevastopol 30) are the top of the tree;
    raions hang under oblasts and hromadas under raions. Only some regions have a polygon.
    """

    class Kind(models.TextChoices):
        OBLAST = "oblast", _("oblast")
        CITY = "city", _("city")
        RAION = "raion", _("raion")
        HROMADA = "hromada", _("hromada")

    uid = models.PositiveIntegerField(primary_key=True, verbose_name=_("location id"))
    name = models.CharField(_("name"), max_length=200)
    # Added by modeltranslation (alerts/translation.py); declared for type checkers only.
    name_uk: str
    name_en: str | None
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    geometry = models.MultiPolygonField(_("boundary"), srid=4326, null=True, blank=True)
    # Guidance: how long people here have to reach a shelter once the siren sounds (unknown for most).
    shelter_time_s = models.PositiveIntegerField(_("time to reach a shelter (s)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["uid"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("uid")), name="region_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uid})"


class FeedSource(models.Model):
    """One upstream alert feed, with its health and its conditional-request state.

    Credentials never live here: they come from the environment (see settings ALERT_FEEDS).
    """

    class Kind(models.TextChoices):
        ALERTS_IN_UA = "alerts_in_ua", "alerts.in.ua"
        UKRAINEALARM = "ukrainealarm", "api.ukrainealarm.com"
        REPLAY = "replay", _("replay of the siren history (drill)")

    name = models.SlugField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    poll_interval_s = models.PositiveIntegerField(_("poll interval (s)"), default=10)

    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_change_at = models.DateTimeField(_("last change"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_latency_ms = models.PositiveIntegerField(_("last latency (ms)"), null=True, blank=True)

    # Conditional requests: the Last-Modified of alerts.in.ua, ukrainealarm's lastActionIndex.
    last_modified = models.CharField(max_length=100, blank=True)
    last_action_index = models.BigIntegerField(null=True, blank=True)
    # After a 429 the upstream is left alone until then.
    retry_after_until = models.DateTimeField(null=True, blank=True)
    # A poll holds the source until this moment, so that two polls of one source never overlap.
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    # Adapter-specific state that must survive restarts (the replay's virtual clock).
    state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("feed source")
        verbose_name_plural = _("feed sources")

    def __str__(self) -> str:
        return self.name

    @property
    def is_replay(self) -> bool:
        return self.kind == self.Kind.REPLAY


class Alert(models.Model):
    """One alert interval for one region from one source; `ended_at` is null while it is active."""

    class Kind(models.TextChoices):
        AIR_RAID = "air_raid", _("air raid")
        ARTILLERY_SHELLING = "artillery_shelling", _("artillery shelling")
        URBAN_FIGHTS = "urban_fights", _("urban fights")
        CHEMICAL = "chemical", _("chemical threat")
        NUCLEAR = "nuclear", _("nuclear threat")

    class Level(models.TextChoices):
        RED = "red", _("red (missile threat)")
        YELLOW = "yellow", _("yellow (drone threat)")

    # Indexed by alert_region_started_idx below, whose leading column is the region.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("region"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    source = models.ForeignKey(FeedSource, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("source"))
    # The upstream's id of the alert, or a stable hash of what identifies it when it has none.
    source_key = models.CharField(_("upstream key"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_key"], name="alert_unique_source_key"),
            models.UniqueConstraint(
                fields=["source", "region", "kind"],
                condition=Q(ended_at__isnull=True),
                name="alert_one_active_per_source_region_kind",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")), name="alert_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "-started_at"], name="alert_region_started_idx"),
            models.Index(fields=["-started_at"], name="alert_started_idx"),
            models.Index(fields=["region"], condition=Q(ended_at__isnull=True), name="alert_active_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.region_id} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
