"""Shelters: the city's list (imported), and the log of imports.

A shelter has two descriptive dimensions that the city's data keeps apart and people ask about
separately: `kind` is the place (a basement, an underground car park, an underpass, a metro
station…), `protection` the civil-protection class (a proper shelter, an anti-radiation shelter,
a dual-purpose structure, the "simplest shelter"). The architecture's single "kind" list mixes them.

Fields are owned either by the import (everything the city's file says: address, location, kind,
hours, phones…) or by staff (`status`, `verified_at`, `access_notes`, `capacity`). A re-import only
rewrites import-owned fields, and only for rows whose content changed at the source, so a staff
correction of an unchanged row survives (see services.shelters_import).
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager


class ShelterKind(models.TextChoices):
    BASEMENT = "basement", _("Basement")
    SEMI_BASEMENT = "semi_basement", _("Semi-basement")
    UNDERGROUND_PARKING = "underground_parking", _("Underground car park")
    UNDERPASS = "underpass", _("Pedestrian underpass")
    METRO = "metro", _("Metro station")
    OTHER = "other", _("Other premises")


class Protection(models.TextChoices):
    SHELTER = "shelter", _("Civil defence shelter")
    ANTI_RADIATION = "anti_radiation", _("Anti-radiation shelter")
    DUAL_PURPOSE = "dual_purpose", _("Dual-purpose structure")
    SIMPLEST = "simplest", _("Simplest shelter")
    NOT_STATED = "", _("Not stated")


class OpeningHours(models.TextChoices):
    ALWAYS = "always", _("Around the clock")
    SCHOOL = "school", _("School hours, pupils only")
    SCHEDULE = "schedule", _("Set hours")
    UNKNOWN = "unknown", _("Hours not published")


class ShelterStatus(models.TextChoices):
    OPEN = "open", _("Open")
    LOCKED_REPORTED = "locked_reported", _("Reported locked")
    CLOSED = "closed", _("Closed")
    UNVERIFIED = "unverified", _("Not verified")


class District(models.TextChoices):
    HOLOSIIVSKYI = "holosiivskyi", _("Holosiivskyi")
    DARNYTSKYI = "darnytskyi", _("Darnytskyi")
    DESNIANSKYI = "desnianskyi", _("Desnianskyi")
    DNIPROVSKYI = "dniprovskyi", _("Dniprovskyi")
    OBOLONSKYI = "obolonskyi", _("Obolonskyi")
    PECHERSKYI = "pecherskyi", _("Pecherskyi")
    PODILSKYI = "podilskyi", _("Podilskyi")
    SVIATOSHYNSKYI = "sviatoshynskyi", _("Sviatoshynskyi")
    SOLOMIANSKYI = "solomianskyi", _("Solomianskyi")
    SHEVCHENKIVSKYI = "shevchenkivskyi", _("Shevchenkivskyi")
    UNKNOWN = "", _("Not stated")


class Ownership(models.TextChoices):
    COMMUNAL = "communal", _("Municipal")
    STATE = "state", _("State")
    PRIVATE = "private", _("Private")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Not stated")


# The expression of the geography index: nearest-shelter queries order by it (selectors/nearest.py),
# so that the index answers in true distance on the sphere, not in planar degrees.
LOCATION_GEOGRAPHY_SQL = "location::geography(Point,4326)"


class Shelter(models.Model):
    source = models.CharField(_("source"), max_length=40)
    source_id = models.CharField(_("id at the source"), max_length=100)
    # Translated by modeltranslation (name_uk/name_en, address_uk/address_en); the English address
    # is the official transliteration (shelters/translit.py).
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300)
    location = models.PointField(_("location"), srid=4326)
    kind = models.CharField(_("kind of place"), max_length=24, choices=ShelterKind.choices)
    protection = models.CharField(_("protection class"), max_length=16, choices=Protection.choices, blank=True)
    district = models.CharField(_("district"), max_length=16, choices=District.choices, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"), null=True, blank=True)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), null=True, blank=True)
    opening_hours = models.CharField(
        _("opening hours"), max_length=10, choices=OpeningHours.choices, default=OpeningHours.UNKNOWN
    )
    opens_at = models.TimeField(_("opens at (Kyiv time)"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at (Kyiv time)"), null=True, blank=True)
    access_notes = models.TextField(_("access notes"), blank=True)
    keys_phone = models.CharField(_("keys phone"), max_length=300, blank=True)
    owner = models.CharField(_("owner"), max_length=500, blank=True)
    ownership = models.CharField(_("ownership"), max_length=10, choices=Ownership.choices, blank=True)
    building_type = models.CharField(_("building"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ShelterStatus.choices, default=ShelterStatus.UNVERIFIED
    )
    verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    is_active = models.BooleanField(_("listed"), default=True)
    # Staff took the shelter off the map (admin action or form): a re-import keeps it off, unlike a
    # shelter that the import itself deactivated because its source stopped listing it.
    deactivated_by_staff = models.BooleanField(_("deactivated by staff"), default=False, editable=False)
    # Fields that came from another file than `source`'s: {"opening_hours": {"source": "kmda_2024", "row": …}}
    # (services/hours_join.py). Every other import-owned field is from `source`.
    # A database default too: the importer adds new shelters with COPY, without this column.
    field_sources = models.JSONField(
        _("fields from other sources"),
        default=dict,
        db_default=Value({}, models.JSONField()),
        blank=True,
        editable=False,
    )
    # Fingerprint of what the last import wrote: an unchanged source row is left alone.
    import_hash = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="shelter_source_id_unique"),
            models.CheckConstraint(
                condition=~models.Q(opening_hours="schedule")
                | models.Q(opens_at__isnull=False, closes_at__isnull=False),
                name="shelter_schedule_has_times",
            ),
        ]
        indexes = [
            GistIndex(
                Cast("location", models.PointField(geography=True, srid=4326)), name="shelter_location_geog_gist"
            ),
            models.Index(fields=["source", "is_active"], name="shelter_source_active"),
        ]

    # modeltranslation's manager (it would patch the default one in anyway): queries on `name` and
    # `address` use the active language's column.
    objects: MultilingualManager[Shelter] = MultilingualManager()

    # Added by modeltranslation (translation.py); declared for the type checker only.
    name_uk: str | None
    name_en: str | None
    address_uk: str | None
    address_en: str | None

    def __str__(self) -> str:
        return self.address or self.name or f"{self.source}:{self.source_id}"

    @property
    def lat(self) -> float:
        return float(self.location.y)

    @property
    def lon(self) -> float:
        return float(self.location.x)


class ShelterCatalogue(models.Model):
    """One row: a version of the whole shelter list, bumped by every change (the GeoJSON's ETag)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)
    # Bumped by every new or moderated report, apart from `version`: reports do not change the list
    # (nor the GeoJSON's ETag); the nearest search's overlay of recent reports follows this one.
    reports_version = models.BigIntegerField(db_default=0)

    class Meta:
        verbose_name = _("shelter list version")


class ShelterImport(models.Model):
    """One import run (file, URL or seed), with its counts and every rejected row."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    source = models.CharField(_("source"), max_length=40)
    origin = models.CharField(_("file or URL"), max_length=1000)
    sha256 = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    deactivated = models.PositiveIntegerField(_("deactivated"), default=0)
    merged = models.PositiveIntegerField(_("merged duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rejected_by_reason = models.JSONField(_("rejected by reason"), default=dict, blank=True)
    report = models.TextField(_("row-by-row report"), blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("shelter import")
        verbose_name_plural = _("shelter imports")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="shelter_import_source_time")]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


class ReportKind(models.TextChoices):
    LOCKED = "locked", _("Locked")
    FULL = "full", _("Full")
    CLOSED = "closed", _("Closed")
    DOES_NOT_EXIST = "does_not_exist", _("Does not exist")
    BAD_CONDITION = "bad_condition", _("In bad condition")
    NO_ACCESSIBLE_ENTRANCE = "no_accessible_entrance", _("No accessible entrance")
    OK = "ok", _("Open and fine")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Not confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class ShelterReport(models.Model):
    """One anonymous report of a shelter's state. It never changes the shelter by itself: staff
    confirm or reject it (services/reports.py). Of the reporter only a salted hash of the address is
    kept (rotated daily, so reports of different days cannot be linked)."""

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="reports", verbose_name=_("shelter"))
    kind = models.CharField(_("report"), max_length=24, choices=ReportKind.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    position = models.PointField(_("reporter's position"), srid=4326, null=True, blank=True)
    distance_m = models.FloatField(_("distance from the shelter (m)"), null=True, blank=True)
    far_from_shelter = models.BooleanField(_("sent from far away"), default=False)
    client_hash = models.CharField(_("reporter (salted hash)"), max_length=64)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    status = models.CharField(
        _("moderation"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("moderator")
    )

    class Meta:
        verbose_name = _("shelter report")
        verbose_name_plural = _("shelter reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shelter", "-created_at"], name="report_shelter_time"),
            models.Index(fields=["status", "-created_at"], name="report_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.shelter_id} · {self.created_at:%Y-%m-%d %H:%M}"
