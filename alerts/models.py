"""Alert regions, alert intervals and the upstream feeds they come from; advisories and their audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alerts.choices import AdvisorySeverity, AlertKind, AlertLevel, FeedKind, RegionKind


class Region(models.Model):
    """An alert region, identified by the location id shared by alerts.in.ua and api.ukrainealarm.com.

    Oblasts (and the cities with oblast status: Kyiv 31, Sevastopol 30) are the top of the tree;
    raions hang under oblasts and hromadas under raions. Only some regions have a polygon.
    """

    Kind = RegionKind

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
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

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

    Credentials never live here: they come from the environment (ALERTS_IN_UA_TOKEN, UKRAINEALARM_API_KEY).
    """

    Kind = FeedKind

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
    last_modified = models.CharField(_("Last-Modified of the last answer"), max_length=100, blank=True)
    last_action_index = models.BigIntegerField(_("last action index"), null=True, blank=True)
    # After a 429 the upstream is left alone until then.
    retry_after_until = models.DateTimeField(_("left alone until"), null=True, blank=True)
    # Adapter-specific state that must survive restarts (the replay's virtual clock).
    state = models.JSONField(_("adapter state"), default=dict, blank=True)

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

    Kind = AlertKind
    Level = AlertLevel

    # Indexed by alert_region_started_idx below, whose leading column is the region.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("region"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, null=True, blank=True)
    # What is coming (ThreatType values, most urgent first): empty when the upstream says nothing.
    threats = models.JSONField(_("threat types"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    source = models.ForeignKey(FeedSource, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("source"))
    # The upstream's id of the alert, or a stable hash of what identifies it when it has none.
    source_key = models.CharField(_("upstream key"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

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


_LEVEL_SEVERITY = {Alert.Level.YELLOW.value: 1, Alert.Level.RED.value: 2}


def alert_level_most_severe(levels: Iterable[str | None]) -> str | None:
    """The most severe of some alert levels, spelled in any case ("Red", "yellow"); None if none is known."""
    known = [level.lower() for level in levels if isinstance(level, str) and level.lower() in _LEVEL_SEVERITY]
    return max(known, key=_LEVEL_SEVERITY.__getitem__, default=None)


# --- Advisories ----------------------------------------------------------------------------------------


class Advisory(models.Model):
    """One official advisory message (an embassy's warning, the city's notice…), in Ukrainian and English.

    Each row is one message as it goes out, so a published row's content never changes. Staff write
    a draft; someone with the publish permission publishes it (an `extreme` one only after a second
    person approved it). A change to a published advisory is a new draft row that `supersedes` it:
    publishing that draft issues a CAP Update and marks the old row superseded. Withdrawing issues a
    CAP Cancel. "Expired" is not stored: a published row whose `expires_at` has passed is expired.
    """

    Severity = AdvisorySeverity

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("replaced by an update")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Response(models.TextChoices):
        # The action the advisory asks of people (CAP responseType).
        SHELTER = "shelter", _("take shelter")
        PREPARE = "prepare", _("prepare")
        AVOID = "avoid", _("avoid the area")
        EVACUATE = "evacuate", _("evacuate")
        MONITOR = "monitor", _("follow the news")
        NONE = "none", _("no action")

    # A CAP headline should stay short enough for a phone notification.
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(
        _("text"), help_text=_("Plain text. Separate paragraphs with an empty line; web addresses become links.")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.INFO)
    response = models.CharField(
        _("what people should do"), max_length=10, choices=Response.choices, default=Response.MONITOR
    )
    is_exercise = models.BooleanField(
        _("exercise (drill)"), default=False, help_text=_("A drill: shown with a drill label, CAP status Exercise.")
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="advisories",
        verbose_name=_("regions"),
        help_text=_("Leave empty for an advisory that applies everywhere."),
    )
    effective_at = models.DateTimeField(
        _("in force from"), null=True, blank=True, help_text=_("Leave empty: in force from publication.")
    )
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Leave empty only for standing guidance.")
    )
    source_name = models.CharField(
        _("source"), max_length=200, help_text=_("Who issued it, e.g. the Kyiv City State Administration.")
    )
    source_url = models.URLField(_("source address"), max_length=500, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="updates",
        verbose_name=_("updates the advisory"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("advisory")
        verbose_name_plural = _("advisories")
        permissions = [
            ("publish_advisory", _("Can publish and withdraw advisories")),
            ("approve_advisory", _("Can approve extreme advisories as the second person")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(effective_at__isnull=True)
                | Q(expires_at__gt=F("effective_at")),
                name="advisory_expires_after_effective",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(published_at__isnull=False, published_by__isnull=False, effective_at__isnull=False),
                name="advisory_published_has_publisher",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="advisory_withdrawn_has_who_and_when",
            ),
            # The second-person rule, also enforced by the database: an extreme advisory never goes
            # out without an approver other than its drafter.
            models.CheckConstraint(
                condition=Q(status="draft")
                | ~Q(severity="extreme")
                | (Q(approved_by__isnull=False) & ~Q(approved_by=F("created_by"))),
                name="advisory_extreme_approved_by_second_person",
            ),
            # One advisory is replaced by at most one published update.
            models.UniqueConstraint(
                fields=["supersedes"], condition=~Q(status="draft"), name="advisory_one_update_per_advisory"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="advisory_status_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    def state_at(self, now: datetime) -> str:
        """draft, upcoming, in_force, expired, superseded or withdrawn, at the given moment."""
        if self.status != self.Status.PUBLISHED:
            return str(self.status)
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.effective_at is not None and self.effective_at > now:
            return "upcoming"
        return "in_force"


class AdvisoryEvent(models.Model):
    """The audit trail of an advisory: who did what, when, and what changed."""

    class Action(models.TextChoices):
        CREATED = "created", _("drafted")
        EDITED = "edited", _("edited")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("replaced by an update")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="events", verbose_name=_("advisory"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    # Null for what the system does by itself (expiry).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    # {field: [before, after]} for edits; the CAP message for publications and withdrawals.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("advisory event")
        verbose_name_plural = _("advisory events")
        constraints = [
            # The expiry sweep may run twice for one expiry: it records it once.
            models.UniqueConstraint(fields=["advisory"], condition=Q(action="expired"), name="advisory_expires_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"
