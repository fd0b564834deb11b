"""Admin of the shelters app: shelters on a map widget (django-leaflet), the import log (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin
from modeltranslation.admin import TranslationAdmin

from shelters.models import Shelter, ShelterImport, ShelterStatus
from shelters.services import shelter_catalogue_bump, shelter_set_active, shelter_set_status


@admin.register(Shelter)
class ShelterAdmin(LeafletGeoAdminMixin, TranslationAdmin):
    list_display = [
        "address",
        "kind",
        "protection",
        "district",
        "wheelchair_accessible",
        "opening_hours",
        "status",
        "verified_at",
        "is_active",
        "source",
    ]
    list_filter = [
        "status",
        "is_active",
        "kind",
        "protection",
        "district",
        "opening_hours",
        "wheelchair_accessible",
        "source",
    ]
    search_fields = ["address_uk", "address_en", "name_uk", "name_en", "owner", "keys_phone", "source_id"]
    readonly_fields = ["source", "source_id", "deactivated_by_staff", "created_at", "updated_at"]
    list_per_page = 50
    actions = ["mark_open", "mark_closed", "mark_unverified", "deactivate", "reactivate"]
    fieldsets = [
        (None, {"fields": ["name", "address", "location", "kind", "protection", "district"]}),
        (
            _("Access"),
            {
                "fields": [
                    "opening_hours",
                    "opens_at",
                    "closes_at",
                    "wheelchair_accessible",
                    "capacity",
                    "keys_phone",
                    "access_notes",
                ]
            },
        ),
        (_("Verification"), {"fields": ["status", "verified_at", "is_active", "deactivated_by_staff"]}),
        (
            _("Source"),
            {"fields": ["owner", "ownership", "building_type", "source", "source_id", "created_at", "updated_at"]},
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Shelter, form: Any, change: bool) -> None:
        if "is_active" in form.changed_data:
            obj.deactivated_by_staff = not obj.is_active  # as the deactivate/reactivate actions do
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            shelter_catalogue_bump()

    def has_delete_permission(self, request: HttpRequest, obj: Shelter | None = None) -> bool:
        # A shelter that is gone is deactivated, as imports do with one gone from their source: it
        # leaves the map and the API, its record stays.
        return False

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Shelter], status: str) -> None:
        verified_at = None if status == ShelterStatus.UNVERIFIED else timezone.now()
        changed = shelter_set_status(
            shelter_ids=list(queryset.values_list("id", flat=True)), status=status, verified_at=verified_at
        )
        self._report(request, changed)

    def _report(self, request: HttpRequest, changed: int) -> None:
        self.message_user(request, _("%(count)d shelters updated.") % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Verified: open"))
    def mark_open(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_status(request, queryset, ShelterStatus.OPEN)

    @admin.action(description=_("Verified: closed"))
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_status(request, queryset, ShelterStatus.CLOSED)

    @admin.action(description=_("Not verified"))
    def mark_unverified(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_status(request, queryset, ShelterStatus.UNVERIFIED)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Shelter], active: bool) -> None:
        self._report(
            request, shelter_set_active(shelter_ids=list(queryset.values_list("id", flat=True)), active=active)
        )

    @admin.action(description=_("Deactivate (off the map)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_active(request, queryset, False)

    @admin.action(description=_("Reactivate"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_active(request, queryset, True)


@admin.register(ShelterImport)
class ShelterImportAdmin(admin.ModelAdmin[ShelterImport]):
    """Every import run with its counts and its row-by-row report; runs are records, not editable."""

    list_display = [
        "started_at",
        "source",
        "outcome",
        "rows",
        "created",
        "updated",
        "unchanged",
        "deactivated",
        "merged",
        "rejected",
    ]
    list_filter = ["source", "outcome"]
    search_fields = ["origin", "message"]
    readonly_fields = [field.name for field in ShelterImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The log is the record of what changed the public list and why: not deletable either.
        return False
